/* Privilege and system events. */

/* cred_change: a0 = new (effective) uid, a1 = new (effective) gid, -1 = unchanged;
 * a2, a3 = real and saved ids where the syscall takes them. capset: a0 = effective caps. */
#if KIND_ON(K_CRED_CHANGE)
#define CRED_ENTER(name, a0, a1, a2, a3)                                           \
    TRACEPOINT_PROBE(syscalls, sys_enter_##name) {                                 \
        save_args(K_CRED_CHANGE, SC_##name, a0, a1, a2, a3, 0, 0);                 \
        return 0;                                                                  \
    }                                                                              \
    PLAIN_EXIT(sys_exit_##name)
CRED_ENTER(setuid, (s32)args->uid, -1, -1, -1)
CRED_ENTER(setgid, -1, (s32)args->gid, -1, -1)
CRED_ENTER(setreuid, (s32)args->euid, -1, (s32)args->ruid, -1)
CRED_ENTER(setregid, -1, (s32)args->egid, (s32)args->rgid, -1)
CRED_ENTER(setresuid, (s32)args->euid, -1, (s32)args->ruid, (s32)args->suid)
CRED_ENTER(setresgid, -1, (s32)args->egid, (s32)args->rgid, (s32)args->sgid)
CRED_ENTER(setfsuid, (s32)args->uid, -1, -1, -1)
CRED_ENTER(setfsgid, -1, (s32)args->gid, -1, -1)

TRACEPOINT_PROBE(syscalls, sys_enter_capset) {
    u32 data[6] = {};  /* two __user_cap_data_struct { effective, permitted, inheritable } */
    bpf_probe_read_user(data, sizeof(data), args->data);
    save_args(K_CRED_CHANGE, SC_capset, ((u64)data[3] << 32) | data[0], -1, -1, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_capset)
#endif

/* ptrace: a0 = request, a1 = target pid. */
#if KIND_ON(K_PTRACE)
TRACEPOINT_PROBE(syscalls, sys_enter_ptrace) {
    save_args(K_PTRACE, SC_ptrace, args->request, args->pid, 0, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_ptrace)
#endif

#if KIND_ON(K_PROCESS_VM_WRITE)
TRACEPOINT_PROBE(syscalls, sys_enter_process_vm_writev) {
    save_args(K_PROCESS_VM_WRITE, SC_process_vm_writev, 0, args->pid, 0, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_process_vm_writev)
#endif

/* Kernels built without module support have no such tracepoints (HAVE_* = 0). */
#if KIND_ON(K_MODULE_LOAD) && HAVE_init_module
TRACEPOINT_PROBE(syscalls, sys_enter_init_module) {
    save_args(K_MODULE_LOAD, SC_init_module, 0, 0, 0, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_init_module)
#endif
#if KIND_ON(K_MODULE_LOAD) && HAVE_finit_module
TRACEPOINT_PROBE(syscalls, sys_enter_finit_module) {
    save_args(K_MODULE_LOAD, SC_finit_module, args->flags, 0, 0, args->fd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_finit_module)
#endif
#if KIND_ON(K_MODULE_UNLOAD) && HAVE_delete_module
TRACEPOINT_PROBE(syscalls, sys_enter_delete_module) {
    save_args(K_MODULE_UNLOAD, SC_delete_module, args->flags, 0, 0, -1, args->name_user, 0);
    return 0;
}
PATH_EXIT(sys_exit_delete_module)
#endif

/* bpf: a0 = command. */
#if KIND_ON(K_BPF)
TRACEPOINT_PROBE(syscalls, sys_enter_bpf) {
    save_args(K_BPF, SC_bpf, args->cmd, 0, 0, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_bpf)
#endif

/* mount: str = mount point, aux path2 = source, a0 = flags. */
#if KIND_ON(K_MOUNT)
TRACEPOINT_PROBE(syscalls, sys_enter_mount) {
    save_args(K_MOUNT, SC_mount, args->flags, 0, AT_FDCWD_VALUE, -1, args->dir_name,
              args->dev_name);
    return 0;
}
TWO_PATH_EXIT(sys_exit_mount)
#endif

#if KIND_ON(K_UMOUNT)
TRACEPOINT_PROBE(syscalls, sys_enter_umount) {
    save_args(K_UMOUNT, SC_umount, args->flags, 0, AT_FDCWD_VALUE, -1, args->name, 0);
    return 0;
}
PATH_EXIT(sys_exit_umount)
#endif

#if KIND_ON(K_UNSHARE)
TRACEPOINT_PROBE(syscalls, sys_enter_unshare) {
    save_args(K_UNSHARE, SC_unshare, args->unshare_flags, 0, 0, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_unshare)
#endif

/* setns: a0 = namespace type, a3 = fd. */
#if KIND_ON(K_SETNS)
TRACEPOINT_PROBE(syscalls, sys_enter_setns) {
    save_args(K_SETNS, SC_setns, args->flags, 0, 0, args->fd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_setns)
#endif

/* kill: a0 = signal, a1 = target pid (tgkill: a1 = tgid, a2 = tid). */
#if KIND_ON(K_KILL)
TRACEPOINT_PROBE(syscalls, sys_enter_kill) {
    save_args(K_KILL, SC_kill, args->sig, args->pid, 0, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_kill)
TRACEPOINT_PROBE(syscalls, sys_enter_tkill) {
    save_args(K_KILL, SC_tkill, args->sig, args->pid, args->pid, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_tkill)
TRACEPOINT_PROBE(syscalls, sys_enter_tgkill) {
    save_args(K_KILL, SC_tgkill, args->sig, args->tgid, args->pid, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_tgkill)
#endif

/* mprotect adding PROT_EXEC only: a0 = prot, a1 = start, a2 = length. */
#if KIND_ON(K_MPROTECT_EXEC)
TRACEPOINT_PROBE(syscalls, sys_enter_mprotect) {
    if (args->prot & 4)
        save_args(K_MPROTECT_EXEC, SC_mprotect, args->prot, args->start, args->len, -1, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_mprotect)
#endif
