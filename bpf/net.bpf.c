/* Network: connect, accept, bind, listen. The address goes to addr[] (IP) or str (unix
 * socket path); what each slot holds: WIRE_TABLE in tracee_py/schema.py. */

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

#define SOCKADDR_SYSCALL(name, peer_len_is_ptr, save)                   \
    SAVE_ENTER(name, save)                                              \
    SYS_EXIT(name) { return sockaddr_exit(SYS_RET, peer_len_is_ptr); }

#if KIND_ON(K_NET_CONNECT)
SOCKADDR_SYSCALL(connect, 0, save_args(K_NET_CONNECT, SC_connect, 0, 0, ARG_INT(2), ARG_INT(0),
                                       ARG_PTR(1), 0))
#endif

#if KIND_ON(K_NET_ACCEPT)
SOCKADDR_SYSCALL(accept, 1, save_args(K_NET_ACCEPT, SC_accept, 0, 0, 0, ARG_INT(0), ARG_PTR(1),
                                      ARG_PTR(2)))
SOCKADDR_SYSCALL(accept4, 1, save_args(K_NET_ACCEPT, SC_accept4, 0, 0, 0, ARG_INT(0), ARG_PTR(1),
                                       ARG_PTR(2)))
#endif

#if KIND_ON(K_NET_BIND)
SOCKADDR_SYSCALL(bind, 0, save_args(K_NET_BIND, SC_bind, 0, 0, ARG_INT(2), ARG_INT(0), ARG_PTR(1),
                                    0))
#endif

/* listen: no address (the socket was bound earlier). */
#if KIND_ON(K_NET_LISTEN)
PLAIN_SYSCALL(listen, save_args(K_NET_LISTEN, SC_listen, 0, ARG_INT(1), 0, ARG_INT(0), 0, 0))
#endif
