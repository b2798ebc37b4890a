/* Privilege and system events. */

#if KIND_ON(K_CRED_CHANGE)
PLAIN_SYSCALL(setuid, SAVE(CRED_CHANGE, setuid, 0, 0, SET(CRED_CHANGE, new_uid, ARG_INT(0))))
PLAIN_SYSCALL(setgid, SAVE(CRED_CHANGE, setgid, 0, 0, SET(CRED_CHANGE, new_gid, ARG_INT(0))))
PLAIN_SYSCALL(setreuid, SAVE(CRED_CHANGE, setreuid, 0, 0,
                             SET(CRED_CHANGE, new_uid, ARG_INT(1)),
                             SET(CRED_CHANGE, real_uid, ARG_INT(0))))
PLAIN_SYSCALL(setregid, SAVE(CRED_CHANGE, setregid, 0, 0,
                             SET(CRED_CHANGE, new_gid, ARG_INT(1)),
                             SET(CRED_CHANGE, real_gid, ARG_INT(0))))
PLAIN_SYSCALL(setresuid, SAVE(CRED_CHANGE, setresuid, 0, 0,
                              SET(CRED_CHANGE, new_uid, ARG_INT(1)),
                              SET(CRED_CHANGE, real_uid, ARG_INT(0)),
                              SET(CRED_CHANGE, saved_uid, ARG_INT(2))))
PLAIN_SYSCALL(setresgid, SAVE(CRED_CHANGE, setresgid, 0, 0,
                              SET(CRED_CHANGE, new_gid, ARG_INT(1)),
                              SET(CRED_CHANGE, real_gid, ARG_INT(0)),
                              SET(CRED_CHANGE, saved_gid, ARG_INT(2))))
PLAIN_SYSCALL(setfsuid, SAVE(CRED_CHANGE, setfsuid, 0, 0, SET(CRED_CHANGE, new_uid, ARG_INT(0))))
PLAIN_SYSCALL(setfsgid, SAVE(CRED_CHANGE, setfsgid, 0, 0, SET(CRED_CHANGE, new_gid, ARG_INT(0))))

/* The effective sets of the two __user_cap_data_struct { effective, permitted, inheritable }
 * the caller passes, as one 64-bit mask. */
static __always_inline u64 capset_effective(const void *data) {
    u32 d[6] = {};
    bpf_probe_read_user(d, sizeof(d), data);
    return ((u64)d[3] << 32) | d[0];
}
PLAIN_SYSCALL(capset, SAVE(CRED_CHANGE, capset, 0, 0,
                           SET(CRED_CHANGE, flags, capset_effective(ARG_PTR(1)))))
#endif

#if KIND_ON(K_PTRACE)
PLAIN_SYSCALL(ptrace, SAVE(PTRACE, ptrace, 0, 0,
                           SET(PTRACE, flags, ARG_LONG(0)),
                           SET(PTRACE, target_pid, ARG_LONG(1))))
#endif

#if KIND_ON(K_PROCESS_VM_WRITE)
PLAIN_SYSCALL(process_vm_writev, SAVE(PROCESS_VM_WRITE, process_vm_writev, 0, 0,
                                      SET(PROCESS_VM_WRITE, target_pid, ARG_INT(0))))
#endif

/* Kernels built without module support have no such tracepoints (HAVE_* = 0). */
#if KIND_ON(K_MODULE_LOAD) && HAVE_init_module
PLAIN_SYSCALL(init_module, SAVE(MODULE_LOAD, init_module, 0, 0, SET(MODULE_LOAD, fd, -1)))
#endif
#if KIND_ON(K_MODULE_LOAD) && HAVE_finit_module
PLAIN_SYSCALL(finit_module, SAVE(MODULE_LOAD, finit_module, 0, 0,
                                 SET(MODULE_LOAD, flags, ARG_INT(2)),
                                 SET(MODULE_LOAD, fd, ARG_INT(0))))
#endif
#if KIND_ON(K_MODULE_UNLOAD) && HAVE_delete_module
PATH_SYSCALL(delete_module, SAVE(MODULE_UNLOAD, delete_module, ARG_PTR(0), 0,
                                 SET(MODULE_UNLOAD, flags, ARG_UINT(1))))
#endif

/* bpf: the command; for BPF_PROG_LOAD also the program type, instruction count and name,
 * for BPF_MAP_CREATE the map type and name (union bpf_attr, as the caller passed it: the
 * name is read only when the caller's attr is long enough to hold it). */
#define BPF_MAP_CREATE_CMD 0
#define BPF_PROG_LOAD_CMD 5

#define PROG_NAME_OFFSET 48  /* prog_type, insn_cnt, insns, license, log_*, kern_version, prog_flags */
#define MAP_NAME_OFFSET 28   /* map_type, key_size, value_size, max_entries, map_flags, inner_map_fd, numa_node */

static __always_inline s64 bpf_attr_u32(s64 cmd, const void *attr, int offset) {
    u32 v = 0;
    if (cmd != BPF_PROG_LOAD_CMD && cmd != BPF_MAP_CREATE_CMD)
        return 0;
    if (offset && cmd != BPF_PROG_LOAD_CMD)
        return 0;  /* insn_cnt: programs only */
    bpf_probe_read_user(&v, sizeof(v), attr + offset);
    return v;
}

static __always_inline const void *bpf_attr_name(s64 cmd, const void *attr, u32 size) {
    int at = cmd == BPF_PROG_LOAD_CMD ? PROG_NAME_OFFSET
             : cmd == BPF_MAP_CREATE_CMD ? MAP_NAME_OFFSET : -1;
    if (at < 0 || size < at + BPF_OBJ_NAME_LEN)
        return 0;
    return attr + at;
}

#if KIND_ON(K_BPF)
SAVE_ENTER(bpf, SAVE(BPF, bpf, bpf_attr_name(ARG_INT(0), ARG_PTR(1), ARG_UINT(2)), 0,
                     SET(BPF, flags, ARG_INT(0)),
                     SET(BPF, bpf_type, bpf_attr_u32(ARG_INT(0), ARG_PTR(1), 0)),
                     SET(BPF, length, bpf_attr_u32(ARG_INT(0), ARG_PTR(1), 4))))
SYS_EXIT(bpf) {
    struct pending *p = 0;
    struct event *e = finish_args(SYS_RET, &p);
    if (!e)
        return 0;
    if (p->p0) {  /* the kernel wants a NUL within the 16 bytes; read no further */
        if (bpf_probe_read_user_str(e->str, BPF_OBJ_NAME_LEN, (const void *)p->p0) < 0) {
            e->str[0] = 0;
            e->flags |= F_STR_UNREADABLE;
        }
    } else {
        e->flags |= F_NO_STR;
    }
    submit_event(e);
    drop_pending();
    return 0;
}
#endif

/* Process name changes: prctl(PR_SET_NAME) and writes to /proc/PID/comm or
 * /proc/PID/task/TID/comm both end in the task:task_rename tracepoint, in the renaming
 * task's context. So does exec (the new image's name): the syscall the task is inside,
 * read from its saved registers, tells them apart, and only renames made by prctl or a
 * write are recorded (exec's rename is its process_exec row). */
#if KIND_ON(K_COMM_CHANGE) && HAVE_TASK_PT_REGS
static __always_inline u16 rename_syscall(void) {
    const char *regs = (const char *)bpf_task_pt_regs(bpf_get_current_task_btf());
    u64 nr = -1;
    bpf_probe_read_kernel(&nr, sizeof(nr), regs + offsetof(struct pt_regs, orig_ax));
    switch (nr) {  /* x86_64 syscall numbers */
    case 157:
        return SC_prctl;
    case 1:
        return SC_write;
    case 20:
        return SC_writev;
    case 18:
        return SC_pwrite64;
    case 296:
        return SC_pwritev;
    case 328:
        return SC_pwritev2;
    }
    return 0;
}

TRACEPOINT_PROBE(task, task_rename) {
    u16 syscall = rename_syscall();
    if (!syscall || skip_current())
        return 0;
    struct event *e = begin_event(K_COMM_CHANGE, syscall);
    if (!e)
        return 0;
    ARG_SLOT(e, COMM_CHANGE, target_pid) = args->pid;
    bpf_probe_read_kernel(e->addr, 16, args->oldcomm);
    bpf_probe_read_kernel_str(e->str, 16, args->newcomm);
    submit_event(e);
    return 0;
}
#endif

#if KIND_ON(K_MOUNT)
TWO_PATH_SYSCALL(mount, SAVE(MOUNT, mount, ARG_PTR(1), ARG_PTR(0),
                             SET(MOUNT, flags, ARG_LONG(3)),
                             SET(MOUNT, dirfd, AT_FDCWD_VALUE)))
#endif

#if KIND_ON(K_UMOUNT)
PATH_SYSCALL(umount, SAVE(UMOUNT, umount, ARG_PTR(0), 0,
                          SET(UMOUNT, flags, ARG_INT(1)),
                          SET(UMOUNT, dirfd, AT_FDCWD_VALUE)))
#endif

#if KIND_ON(K_UNSHARE)
PLAIN_SYSCALL(unshare, SAVE(UNSHARE, unshare, 0, 0, SET(UNSHARE, flags, ARG_LONG(0))))
#endif

#if KIND_ON(K_SETNS)
PLAIN_SYSCALL(setns, SAVE(SETNS, setns, 0, 0,
                          SET(SETNS, flags, ARG_INT(1)),
                          SET(SETNS, fd, ARG_INT(0))))
#endif

#if KIND_ON(K_KILL)
PLAIN_SYSCALL(kill, SAVE(KILL, kill, 0, 0,
                         SET(KILL, signal, ARG_INT(1)),
                         SET(KILL, target_pid, ARG_INT(0))))
PLAIN_SYSCALL(tkill, SAVE(KILL, tkill, 0, 0,
                          SET(KILL, signal, ARG_INT(1)),
                          SET(KILL, target_pid, ARG_INT(0)),
                          SET(KILL, tid, ARG_INT(0))))
PLAIN_SYSCALL(tgkill, SAVE(KILL, tgkill, 0, 0,
                           SET(KILL, signal, ARG_INT(2)),
                           SET(KILL, target_pid, ARG_INT(0)),
                           SET(KILL, tid, ARG_INT(1))))
#endif

/* mprotect adding PROT_EXEC only. */
#if KIND_ON(K_MPROTECT_EXEC)
SAVE_ENTER(mprotect, if (SYS_ARG(2) & 4) SAVE(MPROTECT_EXEC, mprotect, 0, 0,
                                              SET(MPROTECT_EXEC, flags, ARG_LONG(2)),
                                              SET(MPROTECT_EXEC, start, ARG_LONG(0)),
                                              SET(MPROTECT_EXEC, size, ARG_LONG(1))))
PLAIN_EXIT(mprotect)
#endif
