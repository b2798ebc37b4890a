/* Network: connect, accept, bind, listen. a0 = address family, a1 = port, a2 = sockaddr
 * length, a3 = socket fd; the address goes to addr[] (IP) or str (unix socket path). */

static __always_inline void read_sockaddr(struct event *e, const void *uaddr, s64 len) {
    if (!uaddr)
        return;
    u16 family = 0;
    if (bpf_probe_read_user(&family, sizeof(family), uaddr) != 0)
        return;
    e->a0 = family;
    e->a2 = len;
    if (family == 2) {          /* AF_INET: sockaddr_in { family; be16 port; be32 addr } */
        u16 port = 0;
        bpf_probe_read_user(&port, sizeof(port), uaddr + 2);
        e->a1 = ((port & 0xff) << 8) | (port >> 8);
        bpf_probe_read_user(e->addr, 4, uaddr + 4);
    } else if (family == 10) {  /* AF_INET6: { family; port; flowinfo; addr[16]; scope } */
        u16 port = 0;
        bpf_probe_read_user(&port, sizeof(port), uaddr + 2);
        e->a1 = ((port & 0xff) << 8) | (port >> 8);
        bpf_probe_read_user(e->addr, 16, uaddr + 8);
    } else if (family == 1) {   /* AF_UNIX: raw bytes, abstract names start with NUL */
        bpf_probe_read_user(e->str, 108, uaddr + 2);
    }
}

static __always_inline int sockaddr_exit(s64 ret, int peer_len_is_ptr) {
    struct pending *p = 0;
    struct event *e = finish_args(ret, &p);
    if (!e)
        return 0;
    s64 len = p->a2;
    if (peer_len_is_ptr && p->p1) {
        int l = 0;
        bpf_probe_read_user(&l, sizeof(l), (const void *)p->p1);
        len = l;
    }
    read_sockaddr(e, (const void *)p->p0, len);
    submit_event(e);
    drop_pending();
    return 0;
}

#if KIND_ON(K_NET_CONNECT)
TRACEPOINT_PROBE(syscalls, sys_enter_connect) {
    save_args(K_NET_CONNECT, SC_connect, 0, 0, args->addrlen, args->fd, args->uservaddr, 0);
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_connect) { return sockaddr_exit(args->ret, 0); }
#endif

#if KIND_ON(K_NET_ACCEPT)
TRACEPOINT_PROBE(syscalls, sys_enter_accept) {
    save_args(K_NET_ACCEPT, SC_accept, 0, 0, 0, args->fd, args->upeer_sockaddr,
              args->upeer_addrlen);
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_accept) { return sockaddr_exit(args->ret, 1); }
TRACEPOINT_PROBE(syscalls, sys_enter_accept4) {
    save_args(K_NET_ACCEPT, SC_accept4, 0, 0, 0, args->fd, args->upeer_sockaddr,
              args->upeer_addrlen);
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_accept4) { return sockaddr_exit(args->ret, 1); }
#endif

#if KIND_ON(K_NET_BIND)
TRACEPOINT_PROBE(syscalls, sys_enter_bind) {
    save_args(K_NET_BIND, SC_bind, 0, 0, args->addrlen, args->fd, args->umyaddr, 0);
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_bind) { return sockaddr_exit(args->ret, 0); }
#endif

/* listen: a1 = backlog (no address: the socket was bound earlier). */
#if KIND_ON(K_NET_LISTEN)
TRACEPOINT_PROBE(syscalls, sys_enter_listen) {
    save_args(K_NET_LISTEN, SC_listen, 0, args->backlog, 0, args->fd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_listen)
#endif
