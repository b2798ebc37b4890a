/* Network: socket, connect, accept, bind, listen. The address goes to addr[] (IP) or str
 * (unix socket path); what each slot holds: WIRE_TABLE in tracee_py/schema.py. */

#if HAVE_SOCKET_OFFSETS
/* The struct sock behind an fd of the current task, NULL when there is none: task->files->
 * fdt->fd[fd]->private_data (the struct socket of a socket's file)->sk, at offsets from
 * the kernel's BTF (kernel.py, SOCKET_MEMBERS). Called only where the syscall has just
 * succeeded on that fd as a socket (listen) or returned it (accept). */
static __always_inline const char *sock_of_fd(s64 fd) {
    const char *task = (const char *)bpf_get_current_task();
    const char *files = 0, *fdt = 0, *fds = 0, *file = 0, *sock = 0, *sk = 0;
    u32 max_fds = 0;
    if (fd < 0)
        return 0;
    if (bpf_probe_read_kernel(&files, sizeof(files), task + OFF_TASK_FILES) || !files)
        return 0;
    if (bpf_probe_read_kernel(&fdt, sizeof(fdt), files + OFF_FILES_FDT) || !fdt)
        return 0;
    if (bpf_probe_read_kernel(&max_fds, sizeof(max_fds), fdt + OFF_FDT_MAX_FDS) ||
        (u64)fd >= max_fds)
        return 0;
    if (bpf_probe_read_kernel(&fds, sizeof(fds), fdt + OFF_FDT_FD) || !fds)
        return 0;
    if (bpf_probe_read_kernel(&file, sizeof(file), fds + 8 * (u64)fd) || !file)
        return 0;
    if (bpf_probe_read_kernel(&sock, sizeof(sock), file + OFF_FILE_PRIVATE) || !sock)
        return 0;
    if (bpf_probe_read_kernel(&sk, sizeof(sk), sock + OFF_SOCKET_SK) || !sk)
        return 0;
    return sk + OFF_SK_COMMON;
}

/* Family, port and address of a socket, from the kernel: the local end (listen) or the
 * peer (accept), into the slots the kind keeps them in. IPv4 and IPv6 only; other
 * families leave the family alone. */
static __always_inline void sock_address(struct event *e, s64 fd, int peer, int family_at,
                                         int port_at) {
    const char *skc = sock_of_fd(fd);
    if (!skc)
        return;
    u16 family = 0;
    bpf_probe_read_kernel(&family, sizeof(family), skc + OFF_SKC_FAMILY);
    ARG_SLOT_N(e, family_at) = family;
    if (family != 2 && family != 10)
        return;
    u16 port = 0;
    if (peer) {
        bpf_probe_read_kernel(&port, sizeof(port), skc + OFF_SKC_DPORT);  /* network order */
        ARG_SLOT_N(e, port_at) = ((port & 0xff) << 8) | (port >> 8);
    } else {
        bpf_probe_read_kernel(&port, sizeof(port), skc + OFF_SKC_NUM);  /* host order */
        ARG_SLOT_N(e, port_at) = port;
    }
    if (family == 2)
        bpf_probe_read_kernel(e->addr, 4, skc + (peer ? OFF_SKC_DADDR : OFF_SKC_RCV_SADDR));
    else
        bpf_probe_read_kernel(e->addr, 16, skc + (peer ? OFF_SKC_V6_DADDR : OFF_SKC_V6_RCV_SADDR));
}
#else
static __always_inline void sock_address(struct event *e, s64 fd, int peer, int family_at,
                                         int port_at) {}
#endif

static __always_inline void read_sockaddr(struct event *e, const void *uaddr, s64 len,
                                          int family_at, int port_at, int socklen_at) {
    if (!uaddr)
        return;
    u16 family = 0;
    if (bpf_probe_read_user(&family, sizeof(family), uaddr) != 0)
        return;
    ARG_SLOT_N(e, family_at) = family;
    ARG_SLOT_N(e, socklen_at) = len;
    if (family == 2) {          /* AF_INET: sockaddr_in { family; be16 port; be32 addr } */
        u16 port = 0;
        bpf_probe_read_user(&port, sizeof(port), uaddr + 2);
        ARG_SLOT_N(e, port_at) = ((port & 0xff) << 8) | (port >> 8);
        bpf_probe_read_user(e->addr, 4, uaddr + 4);
    } else if (family == 10) {  /* AF_INET6: { family; port; flowinfo; addr[16]; scope } */
        u16 port = 0;
        bpf_probe_read_user(&port, sizeof(port), uaddr + 2);
        ARG_SLOT_N(e, port_at) = ((port & 0xff) << 8) | (port >> 8);
        bpf_probe_read_user(e->addr, 16, uaddr + 8);
    } else if (family == 1) {   /* AF_UNIX: raw bytes, abstract names start with NUL */
        bpf_probe_read_user(e->str, 108, uaddr + 2);
    }
}

/* connect, accept and bind: the slots their kind keeps family, port and length in. */
static __always_inline int sockaddr_exit(s64 ret, int peer_len_is_ptr, int family_at,
                                         int port_at, int socklen_at) {
    struct pending *p = 0;
    struct event *e = finish_args(ret, &p);
    if (!e)
        return 0;
    s64 len = ARG_SLOT_N(p, socklen_at);
    if (peer_len_is_ptr && p->p1) {
        int l = 0;
        bpf_probe_read_user(&l, sizeof(l), (const void *)p->p1);
        len = l;
    }
    if (p->p0)
        read_sockaddr(e, (const void *)p->p0, len, family_at, port_at, socklen_at);
    else if (p->kind == K_NET_ACCEPT && ret >= 0)  /* accept(fd, NULL, NULL): the peer */
        sock_address(e, ret, 1, family_at, port_at);
    submit_event(e);
    drop_pending();
    return 0;
}

#define SOCKADDR_SYSCALL(name, KIND, peer_len_is_ptr, save)             \
    SAVE_ENTER(name, save)                                              \
    SYS_EXIT(name) {                                                    \
        return sockaddr_exit(SYS_RET, peer_len_is_ptr, SLOT(KIND, family), \
                             SLOT(KIND, port), SLOT(KIND, socklen));    \
    }

#if KIND_ON(K_NET_CONNECT)
SOCKADDR_SYSCALL(connect, NET_CONNECT, 0, SAVE(NET_CONNECT, connect, ARG_PTR(1), 0,
                                               SET(NET_CONNECT, socklen, ARG_INT(2)),
                                               SET(NET_CONNECT, fd, ARG_INT(0))))
#endif

#if KIND_ON(K_NET_ACCEPT)
SOCKADDR_SYSCALL(accept, NET_ACCEPT, 1, SAVE(NET_ACCEPT, accept, ARG_PTR(1), ARG_PTR(2),
                                             SET(NET_ACCEPT, listen_fd, ARG_INT(0))))
SOCKADDR_SYSCALL(accept4, NET_ACCEPT, 1, SAVE(NET_ACCEPT, accept4, ARG_PTR(1), ARG_PTR(2),
                                              SET(NET_ACCEPT, listen_fd, ARG_INT(0))))
#endif

#if KIND_ON(K_NET_BIND)
SOCKADDR_SYSCALL(bind, NET_BIND, 0, SAVE(NET_BIND, bind, ARG_PTR(1), 0,
                                         SET(NET_BIND, socklen, ARG_INT(2)),
                                         SET(NET_BIND, fd, ARG_INT(0))))
#endif

/* listen names no address: the local one is read from the socket once it listens, so a
 * socket bound to port 0, or not bound at all, shows the port the kernel chose. */
#if KIND_ON(K_NET_LISTEN)
SAVE_ENTER(listen, SAVE(NET_LISTEN, listen, 0, 0,
                        SET(NET_LISTEN, backlog, ARG_INT(1)),
                        SET(NET_LISTEN, fd, ARG_INT(0))))
SYS_EXIT(listen) {
    struct pending *p = 0;
    struct event *e = finish_args(SYS_RET, &p);
    if (!e)
        return 0;
    if (SYS_RET == 0)
        sock_address(e, ARG_SLOT(e, NET_LISTEN, fd), 0, SLOT(NET_LISTEN, family),
                     SLOT(NET_LISTEN, port));
    submit_event(e);
    drop_pending();
    return 0;
}
#endif

/* socket: raw and packet sockets among them. Packet sockets take the ethertype in network
 * order; it is stored in host order. */
static __always_inline s64 socket_protocol(s64 family, s64 protocol) {
    if (family == 17)  /* AF_PACKET */
        return ((protocol & 0xff) << 8) | ((protocol >> 8) & 0xff);
    return protocol;
}
#if KIND_ON(K_NET_SOCKET)
PLAIN_SYSCALL(socket, SAVE(NET_SOCKET, socket, 0, 0,
                           SET(NET_SOCKET, family, ARG_INT(0)),
                           SET(NET_SOCKET, socket_type, ARG_INT(1) & 0xf),
                           SET(NET_SOCKET, protocol, socket_protocol(ARG_INT(0), ARG_INT(2))),
                           SET(NET_SOCKET, flags, ARG_INT(1) & ~0xf)))
#endif
