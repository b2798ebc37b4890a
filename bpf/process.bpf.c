/* Process lifecycle: fork (threads excluded), exec with argv and selected environment,
 * exit with its code or fatal signal, chdir. */

#if KIND_ON(K_PROCESS_FORK)
TRACEPOINT_PROBE(syscalls, sys_enter_clone) {
    save_args(K_PROCESS_FORK, SC_clone, args->clone_flags, 0, 0, 0, 0, 0);
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_clone) { drop_pending(); return 0; }

TRACEPOINT_PROBE(syscalls, sys_enter_clone3) {
    u64 flags = 0;
    bpf_probe_read_user(&flags, sizeof(flags), args->uargs);  /* clone_args.flags */
    save_args(K_PROCESS_FORK, SC_clone3, flags, 0, 0, 0, 0, 0);
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_clone3) { drop_pending(); return 0; }

TRACEPOINT_PROBE(syscalls, sys_enter_fork) {
    save_args(K_PROCESS_FORK, SC_fork, 0, 0, 0, 0, 0, 0);
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_fork) { drop_pending(); return 0; }

TRACEPOINT_PROBE(syscalls, sys_enter_vfork) {
    save_args(K_PROCESS_FORK, SC_vfork, 0, 0, 0, 0, 0, 0);
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_vfork) { drop_pending(); return 0; }
#endif

/* Runs in the parent. a0 = clone flags, a1 = child tgid. */
TRACEPOINT_PROBE(sched, sched_process_fork) {
    u64 pt = bpf_get_current_pid_tgid();
    u32 tgid = pt >> 32;
    u64 flags = 0;
    u16 syscall = 0;
    struct pending *p = peek_pending();
    if (p && p->kind == K_PROCESS_FORK) {
        flags = p->a0;
        syscall = p->syscall;
    }
    if (flags & CLONE_THREAD_FLAG)
        return 0;  /* a thread, not a process: not a tree node */
    u32 child = args->child_pid;
#if FILTER_FOLLOW
    if (!followed.lookup(&tgid))
        return 0;
    u8 one = 1;
    followed.update(&child, &one);
#endif
#if KIND_ON(K_PROCESS_FORK)
    if (skip_current())
        return 0;
    struct event *e = begin_event(K_PROCESS_FORK, syscall);
    if (!e)
        return 0;
    e->a0 = flags;
    e->a1 = child;
    submit_event(e);
#endif
    return 0;
}

#if KIND_ON(K_PROCESS_EXEC)
static __always_inline void emit_exec_args(const char *const *argv, const char *const *envp,
                                           u16 syscall, u16 *flags) {
    for (int i = 0; i < ARGV_MAX; i++) {
        const char *arg = 0;
        if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) != 0 || !arg)
            return;
        struct event *e = begin_event(K_AUX_EXEC_ARG, syscall);
        if (!e)
            return;
        e->a0 = i;
        read_user_str(e, arg);
        submit_event(e);
    }
    const char *more = 0;
    if (bpf_probe_read_user(&more, sizeof(more), &argv[ARGV_MAX]) == 0 && more)
        *flags |= F_ARGV_TRUNCATED;
}

static __always_inline void emit_exec_env(const char *const *envp, u16 syscall) {
    for (int i = 0; i < ENV_SCAN_MAX; i++) {
        const char *entry = 0;
        if (bpf_probe_read_user(&entry, sizeof(entry), &envp[i]) != 0 || !entry)
            return;
        char prefix[4] = {};
        bpf_probe_read_user(prefix, 3, entry);
        if (prefix[0] != 'L' || prefix[1] != 'D' || prefix[2] != '_')
            continue;  /* only LD_* entries are kept (ENV_PREFIXES in schema.py) */
        struct event *e = begin_event(K_AUX_EXEC_ENV, syscall);
        if (!e)
            return;
        read_user_str(e, entry);
        submit_event(e);
    }
}

static __always_inline int exec_enter(const char *filename, const char *const *argv,
                                      const char *const *envp, s64 dfd, s64 at_flags,
                                      u16 syscall) {
    if (!save_args(K_PROCESS_EXEC, syscall, at_flags, 0, dfd, 0, filename, 0))
        return 0;
    u16 flags = 0;
    emit_exec_args(argv, envp, syscall, &flags);
    emit_exec_env(envp, syscall);
    struct pending *p = peek_pending();
    if (p)
        p->flags = flags;
    return 0;
}

TRACEPOINT_PROBE(syscalls, sys_enter_execve) {
    return exec_enter(args->filename, args->argv, args->envp, AT_FDCWD_VALUE, 0, SC_execve);
}
TRACEPOINT_PROBE(syscalls, sys_enter_execveat) {
    return exec_enter(args->filename, args->argv, args->envp, args->fd, args->flags,
                      SC_execveat);
}

/* Success: emitted from the new image. a1 = the thread id before exec. */
TRACEPOINT_PROBE(sched, sched_process_exec) {
    u32 old = args->old_pid;
    struct pending *p = exec_pending(old);
    if (!p)
        return 0;  /* filtered out at sys_enter (or exec without a syscall) */
    struct event *e = begin_event(K_PROCESS_EXEC, p->syscall);
    if (e) {
        e->a1 = old;
        e->a2 = p->a2;
        e->flags |= p->flags;
        unsigned short off = args->data_loc_filename & 0xFFFF;
        long n = bpf_probe_read_kernel_str(e->str, sizeof(e->str), (char *)args + off);
        if (n >= (long)sizeof(e->str))
            e->flags |= F_STR_TRUNCATED;
        submit_event(e);
    }
    drop_exec_pending(old);
    return 0;
}

/* Failure: the old image is still there, so is the filename. */
static __always_inline int exec_exit(s64 ret) {
    if (ret == 0) {
        drop_pending();
        return 0;
    }
    struct pending *p = 0;
    struct event *e = finish_args(ret, &p);
    if (!e)
        return 0;
    e->a1 = e->tid;
    read_user_str(e, (const void *)p->p0);
    submit_event(e);
    drop_pending();
    return 0;
}
TRACEPOINT_PROBE(syscalls, sys_exit_execve) { return exec_exit(args->ret); }
TRACEPOINT_PROBE(syscalls, sys_exit_execveat) { return exec_exit(args->ret); }
#endif

#if KIND_ON(K_PROCESS_EXIT)
static __always_inline struct exit_info *exit_info_of_current(void) {
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    struct exit_info zero = {};
    return exit_infos.lookup_or_try_init(&tgid, &zero);
}

TRACEPOINT_PROBE(syscalls, sys_enter_exit_group) {
    if (skip_current())
        return 0;
    struct exit_info *x = exit_info_of_current();
    if (x && !(x->have & 1)) {
        x->group_code = args->error_code;
        x->have |= 1;
    }
    return 0;
}

TRACEPOINT_PROBE(syscalls, sys_enter_exit) {
    if (skip_current())
        return 0;
    struct exit_info *x = exit_info_of_current();
    if (x) {
        x->thread_code = args->error_code;  /* the last thread's code wins */
        x->have |= 2;
    }
    return 0;
}

/* A fatal signal with the default action: how a process dies without exit_group. */
TRACEPOINT_PROBE(signal, signal_deliver) {
    int sig = args->sig;
    if (args->sa_handler != 0)
        return 0;  /* handled or ignored */
    if (sig == 17 || sig == 18 || sig == 23 || sig == 28 || (sig >= 19 && sig <= 22))
        return 0;  /* default action is ignore or stop */
    if (skip_current())
        return 0;
    struct exit_info *x = exit_info_of_current();
    if (x && !(x->have & 5)) {  /* exit_group first: its teardown SIGKILLs are not the cause */
        x->sig = sig;
        x->have |= 4;
    }
    return 0;
}

TRACEPOINT_PROBE(sched, sched_process_exit) {
    drop_pending();  /* a thread that dies inside a syscall leaves no stale arguments */
    if (!args->group_dead)
        return 0;  /* a thread ended, not the process */
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    struct exit_info *x = exit_infos.lookup(&tgid);
    if (!skip_current()) {
        struct event *e = begin_event(K_PROCESS_EXIT, 0);
        if (e) {
            if (x && (x->have & 1))
                e->a0 = x->group_code;
            else if (x && (x->have & 4))
                e->a1 = x->sig;
            else if (x && (x->have & 2))
                e->a0 = x->thread_code;
            else
                e->flags |= F_EXIT_UNKNOWN;
            submit_event(e);
        }
    }
    if (x)
        exit_infos.delete(&tgid);
#if FILTER_FOLLOW
    followed.delete(&tgid);
#endif
    return 0;
}
#endif

#if KIND_ON(K_CHDIR)
TRACEPOINT_PROBE(syscalls, sys_enter_chdir) {
    save_args(K_CHDIR, SC_chdir, 0, 0, 0, -1, args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_chdir)
TRACEPOINT_PROBE(syscalls, sys_enter_fchdir) {
    save_args(K_CHDIR, SC_fchdir, 0, 0, 0, args->fd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_fchdir)
#endif
