/* Privilege and system events. */


/* What each slot of each record holds: WIRE_TABLE in tracee_py/schema.py (checked against
 * these declarations by tests/test_wire_contract.py). -1 = an id left unchanged. */
#if KIND_ON(K_CRED_CHANGE)
PLAIN_SYSCALL(setuid, save_args(K_CRED_CHANGE, SC_setuid, ARG_INT(0), -1, -1, -1, 0, 0))
PLAIN_SYSCALL(setgid, save_args(K_CRED_CHANGE, SC_setgid, -1, ARG_INT(0), -1, -1, 0, 0))
PLAIN_SYSCALL(setreuid, save_args(K_CRED_CHANGE, SC_setreuid, ARG_INT(1), -1, ARG_INT(0), -1, 0, 0))
PLAIN_SYSCALL(setregid, save_args(K_CRED_CHANGE, SC_setregid, -1, ARG_INT(1), ARG_INT(0), -1, 0, 0))
PLAIN_SYSCALL(setresuid, save_args(K_CRED_CHANGE, SC_setresuid, ARG_INT(1), -1, ARG_INT(0),
                                   ARG_INT(2), 0, 0))
PLAIN_SYSCALL(setresgid, save_args(K_CRED_CHANGE, SC_setresgid, -1, ARG_INT(1), ARG_INT(0),
                                   ARG_INT(2), 0, 0))
PLAIN_SYSCALL(setfsuid, save_args(K_CRED_CHANGE, SC_setfsuid, ARG_INT(0), -1, -1, -1, 0, 0))
PLAIN_SYSCALL(setfsgid, save_args(K_CRED_CHANGE, SC_setfsgid, -1, ARG_INT(0), -1, -1, 0, 0))

/* The effective sets of the two __user_cap_data_struct { effective, permitted, inheritable }
 * the caller passes, as one 64-bit mask. */
static __always_inline u64 capset_effective(const void *data) {
    u32 d[6] = {};
    bpf_probe_read_user(d, sizeof(d), data);
    return ((u64)d[3] << 32) | d[0];
}
PLAIN_SYSCALL(capset, save_args(K_CRED_CHANGE, SC_capset, capset_effective(ARG_PTR(1)), -1, -1, -1,
                                0, 0))
#endif

#if KIND_ON(K_PTRACE)
PLAIN_SYSCALL(ptrace, save_args(K_PTRACE, SC_ptrace, ARG_LONG(0), ARG_LONG(1), 0, -1, 0, 0))
#endif

#if KIND_ON(K_PROCESS_VM_WRITE)
PLAIN_SYSCALL(process_vm_writev, save_args(K_PROCESS_VM_WRITE, SC_process_vm_writev, 0, ARG_INT(0),
                                           0, -1, 0, 0))
#endif

/* Kernels built without module support have no such tracepoints (HAVE_* = 0). */
#if KIND_ON(K_MODULE_LOAD) && HAVE_init_module
PLAIN_SYSCALL(init_module, save_args(K_MODULE_LOAD, SC_init_module, 0, 0, 0, -1, 0, 0))
#endif
#if KIND_ON(K_MODULE_LOAD) && HAVE_finit_module
PLAIN_SYSCALL(finit_module, save_args(K_MODULE_LOAD, SC_finit_module, ARG_INT(2), 0, 0, ARG_INT(0),
                                      0, 0))
#endif
#if KIND_ON(K_MODULE_UNLOAD) && HAVE_delete_module
PATH_SYSCALL(delete_module, save_args(K_MODULE_UNLOAD, SC_delete_module, ARG_UINT(1), 0, 0, -1,
                                      ARG_PTR(0), 0))
#endif

#if KIND_ON(K_BPF)
PLAIN_SYSCALL(bpf, save_args(K_BPF, SC_bpf, ARG_INT(0), 0, 0, -1, 0, 0))
#endif

#if KIND_ON(K_MOUNT)
TWO_PATH_SYSCALL(mount, save_args(K_MOUNT, SC_mount, ARG_LONG(3), 0, AT_FDCWD_VALUE, -1, ARG_PTR(1),
                                  ARG_PTR(0)))
#endif

#if KIND_ON(K_UMOUNT)
PATH_SYSCALL(umount, save_args(K_UMOUNT, SC_umount, ARG_INT(1), 0, AT_FDCWD_VALUE, -1, ARG_PTR(0),
                               0))
#endif

#if KIND_ON(K_UNSHARE)
PLAIN_SYSCALL(unshare, save_args(K_UNSHARE, SC_unshare, ARG_LONG(0), 0, 0, -1, 0, 0))
#endif

#if KIND_ON(K_SETNS)
PLAIN_SYSCALL(setns, save_args(K_SETNS, SC_setns, ARG_INT(1), 0, 0, ARG_INT(0), 0, 0))
#endif

#if KIND_ON(K_KILL)
PLAIN_SYSCALL(kill, save_args(K_KILL, SC_kill, ARG_INT(1), ARG_INT(0), 0, -1, 0, 0))
PLAIN_SYSCALL(tkill, save_args(K_KILL, SC_tkill, ARG_INT(1), ARG_INT(0), ARG_INT(0), -1, 0, 0))
PLAIN_SYSCALL(tgkill, save_args(K_KILL, SC_tgkill, ARG_INT(2), ARG_INT(0), ARG_INT(1), -1, 0, 0))
#endif

/* mprotect adding PROT_EXEC only. */
#if KIND_ON(K_MPROTECT_EXEC)
SAVE_ENTER(mprotect, if (SYS_ARG(2) & 4) save_args(K_MPROTECT_EXEC, SC_mprotect, ARG_LONG(2),
                                                     ARG_LONG(0), ARG_LONG(1), -1, 0, 0))
PLAIN_EXIT(mprotect)
#endif
