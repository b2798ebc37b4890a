/* Process lifecycle: fork (threads excluded), exec with argv and selected environment,
 * exit with its code or fatal signal, chdir. */

static __always_inline u64 clone3_flags(const void *uargs) {
    u64 flags = 0;
    bpf_probe_read_user(&flags, sizeof(flags), uargs);  /* clone_args.flags */
    return flags;
}

#if KIND_ON(K_PROCESS_FORK)
#if !HOOKS_FAST
/* The clone flags wait for sched_process_fork; the exit only clears them. */
#define FORK_SYSCALL(name, save)                                        \
    SAVE_ENTER(name, save)                                              \
    SYS_EXIT(name) { drop_pending(); return 0; }

FORK_SYSCALL(clone, SAVE(PROCESS_FORK, clone, 0, 0, SET(PROCESS_FORK, flags, ARG_LONG(0))))
FORK_SYSCALL(clone3, SAVE(PROCESS_FORK, clone3, 0, 0,
                          SET(PROCESS_FORK, flags, clone3_flags(ARG_PTR(0)))))
FORK_SYSCALL(fork, SAVE(PROCESS_FORK, fork, 0, 0))
FORK_SYSCALL(vfork, SAVE(PROCESS_FORK, vfork, 0, 0))
#endif /* !HOOKS_FAST */
#endif

#if HOOKS_FAST
/* With fentry/fexit nothing runs at the entry of clone and its relatives (kernels' BTF has
 * no __x64_sys_fork or __x64_sys_vfork to attach to), so sched_process_fork reads the
 * parent's saved user registers instead: the x86_64 syscall number says which call this is,
 * the first argument holds clone's flags. Kernel threads made no syscall: 0, as with
 * tracepoints. */
static __always_inline u16 fork_from_regs(u64 *flags) {
    const char *regs = (const char *)bpf_task_pt_regs(bpf_get_current_task_btf());
    u64 nr = 0, di = 0;
    bpf_probe_read_kernel(&nr, sizeof(nr), regs + offsetof(struct pt_regs, orig_ax));
    bpf_probe_read_kernel(&di, sizeof(di), regs + offsetof(struct pt_regs, di));
    switch (nr) {
    case 56:
        *flags = di;
        return SC_clone;
    case 57:
        return SC_fork;
    case 58:
        return SC_vfork;
    case 435:
        *flags = clone3_flags((const void *)di);
        return SC_clone3;
    }
    return 0;
}
#endif

/* Runs in the parent. */
TRACEPOINT_PROBE(sched, sched_process_fork) {
    u64 pt = bpf_get_current_pid_tgid();
    u32 tgid = pt >> 32;
    u64 flags = 0;
    u16 syscall = 0;
#if HOOKS_FAST
    syscall = fork_from_regs(&flags);
#else
    struct pending *p = peek_pending();
    if (p && p->kind == K_PROCESS_FORK) {
        flags = ARG_SLOT(p, PROCESS_FORK, flags);
        syscall = p->syscall;
    }
#endif
    if (flags & CLONE_THREAD_FLAG)
        return 0;  /* a thread, not a process: not a tree node */
    u32 child = args->child_pid;
#if !GROUP_DEAD_FROM_TRACEPOINT
    exit_emitted.delete(&child);  /* a new process with that pid has not exited yet */
#endif
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
    ARG_SLOT(e, PROCESS_FORK, flags) = flags;
    ARG_SLOT(e, PROCESS_FORK, pid) = child;
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
        ARG_SLOT(e, AUX_EXEC_ARG, position) = i;
        read_user_str(e, arg);
        submit_event(e);
    }
    const char *more = 0;
    if (bpf_probe_read_user(&more, sizeof(more), &argv[ARGV_MAX]) == 0 && more)
        *flags |= F_ARGV_TRUNCATED;
}

/* Whether an environment entry starts with one of ENV_PREFIXES (tracee_py/schema.py),
 * which settings.py passes as little-endian words and masks: ENV_PREFIX_n, ENV_MASK_n
 * (mask 0: no prefix n). The first 7 bytes of the entry are compared at once. */
static __always_inline int env_prefix_is(u64 head, u64 prefix, u64 mask) {
    return mask && (head & mask) == prefix;
}

static __always_inline int env_kept(const char *entry) {
    u64 head = 0;
    bpf_probe_read_user_str(&head, sizeof(head), entry);
    return env_prefix_is(head, ENV_PREFIX_0, ENV_MASK_0) ||
           env_prefix_is(head, ENV_PREFIX_1, ENV_MASK_1) ||
           env_prefix_is(head, ENV_PREFIX_2, ENV_MASK_2) ||
           env_prefix_is(head, ENV_PREFIX_3, ENV_MASK_3);
}

static __always_inline void emit_exec_env(const char *const *envp, u16 syscall) {
    for (int i = 0; i < ENV_SCAN_MAX; i++) {
        const char *entry = 0;
        if (bpf_probe_read_user(&entry, sizeof(entry), &envp[i]) != 0 || !entry)
            return;
        if (!env_kept(entry))
            continue;
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
    if (!save_args(K_PROCESS_EXEC, syscall, filename, 0,
                   SLOTS(SET(PROCESS_EXEC, flags, at_flags), SET(PROCESS_EXEC, dirfd, dfd))))
        return 0;
    u16 flags = 0;
    emit_exec_args(argv, envp, syscall, &flags);
    emit_exec_env(envp, syscall);
    struct pending *p = peek_pending();
    if (p)
        p->flags = flags;
    return 0;
}

SYS_ENTER(execve) {
    return exec_enter(ARG_PTR(0), ARG_PTR(1), ARG_PTR(2), AT_FDCWD_VALUE, 0, SC_execve);
}
SYS_ENTER(execveat) {
    return exec_enter(ARG_PTR(1), ARG_PTR(2), ARG_PTR(3), ARG_INT(0), ARG_INT(4), SC_execveat);
}

/* Success: emitted from the new image. */
TRACEPOINT_PROBE(sched, sched_process_exec) {
    u32 old = args->old_pid;
    struct pending *p = exec_pending(old);
    if (!p)
        return 0;  /* filtered out at sys_enter (or exec without a syscall) */
    struct event *e = begin_event(K_PROCESS_EXEC, p->syscall);
    if (e) {
        ARG_SLOT(e, PROCESS_EXEC, old_tid) = old;
        ARG_SLOT(e, PROCESS_EXEC, dirfd) = ARG_SLOT(p, PROCESS_EXEC, dirfd);
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
    ARG_SLOT(e, PROCESS_EXEC, old_tid) = e->tid;
    read_user_str(e, (const void *)p->p0);
    submit_event(e);
    drop_pending();
    return 0;
}
SYS_EXIT(execve) { return exec_exit(SYS_RET); }
SYS_EXIT(execveat) { return exec_exit(SYS_RET); }
#endif

#if KIND_ON(K_PROCESS_EXIT)
static __always_inline struct exit_info *exit_info_of_current(void) {
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    struct exit_info zero = {};
    return exit_infos.lookup_or_try_init(&tgid, &zero);
}

SYS_ENTER(exit_group) {
    if (skip_current())
        return 0;
    struct exit_info *x = exit_info_of_current();
    if (x && !(x->have & 1)) {
        x->group_code = ARG_INT(0);
        x->have |= 1;
    }
    return 0;
}

SYS_ENTER(exit) {
    if (skip_current())
        return 0;
    struct exit_info *x = exit_info_of_current();
    if (x) {
        x->thread_code = ARG_INT(0);  /* the last thread's code wins */
        x->have |= 2;
    }
    return 0;
}

/* Whether a signal's default action ends the process (not ignore, not stop). */
static __always_inline int kills_by_default(int sig) {
    return sig > 0 && !(sig == 17 || sig == 18 || sig == 23 || sig == 28 || (sig >= 19 && sig <= 22));
}

/* The signal as sent. When a signal that kills by default reaches a process that does not
 * handle it, the sender's kernel code (complete_signal) turns it into a group exit and
 * hands every thread SIGKILL instead, so signal_deliver reports 9 for a process killed
 * with SIGTERM, SIGINT or SIGHUP. Here, in the sender, the signal still has its own
 * number: kept per target thread (kill() targets the leader, tgkill() any thread) until
 * that thread exits; every thread of the dying group looks for its own entry and its
 * group's. Only signals that were queued (result 0: not ignored, not already pending). */
TRACEPOINT_PROBE(signal, signal_generate) {
    int sig = args->sig;
    if (args->result != 0 || !kills_by_default(sig))
        return 0;
    u32 target = args->pid;
    fatal_sent.update(&target, &sig);
    return 0;
}

/* Drop what signal_generate kept for this thread or its group when that signal reached a
 * handler: a SIGTERM a service catches is not why the SIGKILL after it killed it. */
static __always_inline void forget_sent(int sig) {
    u64 id = bpf_get_current_pid_tgid();
    u32 keys[2] = {id >> 32, (u32)id};
    #pragma unroll
    for (int i = 0; i < 2; i++) {
        int *sent = fatal_sent.lookup(&keys[i]);
        if (sent && *sent == sig)
            fatal_sent.delete(&keys[i]);
    }
}

/* A fatal signal with the default action: how a process dies without exit_group. */
TRACEPOINT_PROBE(signal, signal_deliver) {
    int sig = args->sig;
    if (args->sa_handler != 0) {  /* handled or ignored: a later death is not its doing */
        forget_sent(sig);
        return 0;
    }
    if (!kills_by_default(sig))
        return 0;  /* default action is ignore or stop */
    if (skip_current())
        return 0;
    struct exit_info *x = exit_info_of_current();
    if (!x || (x->have & 1))
        return 0;  /* exit_group first: its teardown SIGKILLs are not the cause */
    int own = sig != 9;  /* this thread dequeued the fatal signal itself: certainly the cause */
    int *sent = 0;
    if (sig == 9) {  /* a real SIGKILL, or a group exit made from the signal sent */
        u64 id = bpf_get_current_pid_tgid();
        u32 tgid = id >> 32, tid = (u32)id;
        sent = fatal_sent.lookup(&tgid);
        if (!sent && tid != tgid)
            sent = fatal_sent.lookup(&tid);
        if (sent)
            sig = *sent;
    }
    /* Every other thread of the group passes here with SIGKILL, in no set order. The first
     * one sets the signal; a signal a thread dequeued itself replaces it, and so does the
     * signal sent to a thread when only a plain 9 was known. */
    if (!(x->have & 4) || (!(x->have & 8) && (own || (sent && x->sig == 9)))) {
        x->sig = sig;
        x->have |= own ? 12 : 4;
    }
    return 0;
}

/* Whether the exiting task is the last of its thread group, on kernels whose tracepoint
 * does not say (it does from 6.16, GROUP_DEAD_FROM_TRACEPOINT). do_exit has already counted
 * the task out of signal->live when the tracepoint fires, so the group is dead when live
 * is 0; the offsets of task_struct.signal and signal_struct.live come from the kernel's
 * BTF (or its own headers), never guessed. Two threads exiting at once can both see 0:
 * exit_emitted lets only the first one through. */
#if !GROUP_DEAD_FROM_TRACEPOINT
static __always_inline int last_thread_exiting(void) {
    const char *task = (const char *)bpf_get_current_task();
    const char *signal = 0;
    int live = 1;
    if (bpf_probe_read_kernel(&signal, sizeof(signal), task + TASK_SIGNAL_OFFSET) != 0 || !signal)
        return 0;
    if (bpf_probe_read_kernel(&live, sizeof(live), signal + SIGNAL_LIVE_OFFSET) != 0)
        return 0;
    if (live != 0)
        return 0;
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    u8 one = 1;
    return exit_emitted.insert(&tgid, &one) == 0;  /* fails when it is already there */
}
#endif

TRACEPOINT_PROBE(sched, sched_process_exit) {
    drop_pending();  /* a thread that dies inside a syscall leaves no stale arguments */
    u32 thread = (u32)bpf_get_current_pid_tgid();
    fatal_sent.delete(&thread);  /* a signal sent to this thread dies with it */
#if GROUP_DEAD_FROM_TRACEPOINT
    if (!args->group_dead)
        return 0;  /* a thread ended, not the process */
#else
    if (!last_thread_exiting())
        return 0;
#endif
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    struct exit_info *x = exit_infos.lookup(&tgid);
    if (!skip_current()) {
        struct event *e = begin_event(K_PROCESS_EXIT, 0);
        if (e) {
            if (x && (x->have & 1))
                ARG_SLOT(e, PROCESS_EXIT, exit_code) = x->group_code;
            else if (x && (x->have & 4))
                ARG_SLOT(e, PROCESS_EXIT, signal) = x->sig;
            else if (x && (x->have & 2))
                ARG_SLOT(e, PROCESS_EXIT, exit_code) = x->thread_code;
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
PATH_SYSCALL(chdir, SAVE(CHDIR, chdir, ARG_PTR(0), 0))
PLAIN_SYSCALL(fchdir, SAVE(CHDIR, fchdir, 0, 0, SET(CHDIR, fd, ARG_UINT(0))))
#endif
