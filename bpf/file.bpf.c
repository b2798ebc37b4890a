/* File events. a0 = flags, a1 = mode, a2 = directory fd of the path, a3 = fd argument. */

#define OPEN_FLAGS_CREAT_TRUNC_WRONLY (0100 | 01000 | 01)

#if KIND_ON(K_FILE_OPEN)
TRACEPOINT_PROBE(syscalls, sys_enter_open) {
    save_args(K_FILE_OPEN, SC_open, args->flags, args->mode, AT_FDCWD_VALUE, -1, args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_open)
TRACEPOINT_PROBE(syscalls, sys_enter_openat) {
    save_args(K_FILE_OPEN, SC_openat, args->flags, args->mode, (int)args->dfd, -1, args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_openat)
TRACEPOINT_PROBE(syscalls, sys_enter_openat2) {
    u64 how[2] = {};  /* struct open_how { u64 flags; u64 mode; ... } */
    bpf_probe_read_user(how, sizeof(how), args->how);
    save_args(K_FILE_OPEN, SC_openat2, how[0], how[1], (int)args->dfd, -1, args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_openat2)
TRACEPOINT_PROBE(syscalls, sys_enter_creat) {
    save_args(K_FILE_OPEN, SC_creat, OPEN_FLAGS_CREAT_TRUNC_WRONLY, args->mode, AT_FDCWD_VALUE, -1,
              args->pathname, 0);
    return 0;
}
PATH_EXIT(sys_exit_creat)
#endif

#if KIND_ON(K_FILE_UNLINK)
TRACEPOINT_PROBE(syscalls, sys_enter_unlink) {
    save_args(K_FILE_UNLINK, SC_unlink, 0, 0, AT_FDCWD_VALUE, -1, args->pathname, 0);
    return 0;
}
PATH_EXIT(sys_exit_unlink)
TRACEPOINT_PROBE(syscalls, sys_enter_unlinkat) {
    save_args(K_FILE_UNLINK, SC_unlinkat, args->flag, 0, args->dfd, -1, args->pathname, 0);
    return 0;
}
PATH_EXIT(sys_exit_unlinkat)
TRACEPOINT_PROBE(syscalls, sys_enter_rmdir) {
    save_args(K_FILE_UNLINK, SC_rmdir, 0x200 /* AT_REMOVEDIR */, 0, AT_FDCWD_VALUE, -1,
              args->pathname, 0);
    return 0;
}
PATH_EXIT(sys_exit_rmdir)
#endif

/* rename: str = old name, aux path2 = new name. a2 = old dir fd, a3 = new dir fd. */
#if KIND_ON(K_FILE_RENAME)
TRACEPOINT_PROBE(syscalls, sys_enter_rename) {
    save_args(K_FILE_RENAME, SC_rename, 0, 0, AT_FDCWD_VALUE, AT_FDCWD_VALUE, args->oldname,
              args->newname);
    return 0;
}
TWO_PATH_EXIT(sys_exit_rename)
TRACEPOINT_PROBE(syscalls, sys_enter_renameat) {
    save_args(K_FILE_RENAME, SC_renameat, 0, 0, args->olddfd, args->newdfd, args->oldname,
              args->newname);
    return 0;
}
TWO_PATH_EXIT(sys_exit_renameat)
TRACEPOINT_PROBE(syscalls, sys_enter_renameat2) {
    save_args(K_FILE_RENAME, SC_renameat2, args->flags, 0, args->olddfd, args->newdfd,
              args->oldname, args->newname);
    return 0;
}
TWO_PATH_EXIT(sys_exit_renameat2)
#endif

/* link and symlink: str = the new link, aux path2 = what it points to.
 * a2 = dir fd of the new link, a3 = dir fd of the target (hard links). */
#if KIND_ON(K_FILE_LINK)
TRACEPOINT_PROBE(syscalls, sys_enter_link) {
    save_args(K_FILE_LINK, SC_link, 0, 0, AT_FDCWD_VALUE, AT_FDCWD_VALUE, args->newname,
              args->oldname);
    return 0;
}
TWO_PATH_EXIT(sys_exit_link)
TRACEPOINT_PROBE(syscalls, sys_enter_linkat) {
    save_args(K_FILE_LINK, SC_linkat, args->flags, 0, args->newdfd, args->olddfd, args->newname,
              args->oldname);
    return 0;
}
TWO_PATH_EXIT(sys_exit_linkat)
TRACEPOINT_PROBE(syscalls, sys_enter_symlink) {
    save_args(K_FILE_LINK, SC_symlink, 0, 0, AT_FDCWD_VALUE, AT_FDCWD_VALUE, args->newname,
              args->oldname);
    return 0;
}
TWO_PATH_EXIT(sys_exit_symlink)
TRACEPOINT_PROBE(syscalls, sys_enter_symlinkat) {
    save_args(K_FILE_LINK, SC_symlinkat, 0, 0, args->newdfd, AT_FDCWD_VALUE, args->newname,
              args->oldname);
    return 0;
}
TWO_PATH_EXIT(sys_exit_symlinkat)
#endif

#if KIND_ON(K_FILE_MKDIR)
TRACEPOINT_PROBE(syscalls, sys_enter_mkdir) {
    save_args(K_FILE_MKDIR, SC_mkdir, 0, args->mode, AT_FDCWD_VALUE, -1, args->pathname, 0);
    return 0;
}
PATH_EXIT(sys_exit_mkdir)
TRACEPOINT_PROBE(syscalls, sys_enter_mkdirat) {
    save_args(K_FILE_MKDIR, SC_mkdirat, 0, args->mode, args->dfd, -1, args->pathname, 0);
    return 0;
}
PATH_EXIT(sys_exit_mkdirat)
#endif

#if KIND_ON(K_FILE_CHMOD)
TRACEPOINT_PROBE(syscalls, sys_enter_chmod) {
    save_args(K_FILE_CHMOD, SC_chmod, 0, args->mode, AT_FDCWD_VALUE, -1, args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_chmod)
TRACEPOINT_PROBE(syscalls, sys_enter_fchmod) {
    save_args(K_FILE_CHMOD, SC_fchmod, 0, args->mode, AT_FDCWD_VALUE, args->fd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_fchmod)
TRACEPOINT_PROBE(syscalls, sys_enter_fchmodat) {
    save_args(K_FILE_CHMOD, SC_fchmodat, 0, args->mode, args->dfd, -1, args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_fchmodat)
#if HAVE_fchmodat2
TRACEPOINT_PROBE(syscalls, sys_enter_fchmodat2) {
    save_args(K_FILE_CHMOD, SC_fchmodat2, args->flags, args->mode, args->dfd, -1, args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_fchmodat2)
#endif
#endif

/* chown: a0 = new owner uid, a1 = new group gid. */
#if KIND_ON(K_FILE_CHOWN)
TRACEPOINT_PROBE(syscalls, sys_enter_chown) {
    save_args(K_FILE_CHOWN, SC_chown, (s32)args->user, (s32)args->group, AT_FDCWD_VALUE, -1,
              args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_chown)
TRACEPOINT_PROBE(syscalls, sys_enter_lchown) {
    save_args(K_FILE_CHOWN, SC_lchown, (s32)args->user, (s32)args->group, AT_FDCWD_VALUE, -1,
              args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_lchown)
TRACEPOINT_PROBE(syscalls, sys_enter_fchown) {
    save_args(K_FILE_CHOWN, SC_fchown, (s32)args->user, (s32)args->group, AT_FDCWD_VALUE,
              args->fd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_fchown)
TRACEPOINT_PROBE(syscalls, sys_enter_fchownat) {
    save_args(K_FILE_CHOWN, SC_fchownat, (s32)args->user, (s32)args->group, args->dfd, -1,
              args->filename, 0);
    return 0;
}
PATH_EXIT(sys_exit_fchownat)
#endif

/* truncate: a0 = new length. */
#if KIND_ON(K_FILE_TRUNCATE)
TRACEPOINT_PROBE(syscalls, sys_enter_truncate) {
    save_args(K_FILE_TRUNCATE, SC_truncate, args->length, 0, AT_FDCWD_VALUE, -1, args->path, 0);
    return 0;
}
PATH_EXIT(sys_exit_truncate)
TRACEPOINT_PROBE(syscalls, sys_enter_ftruncate) {
    save_args(K_FILE_TRUNCATE, SC_ftruncate, args->length, 0, AT_FDCWD_VALUE, args->fd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_ftruncate)
#endif

#if KIND_ON(K_MEMFD_CREATE)
TRACEPOINT_PROBE(syscalls, sys_enter_memfd_create) {
    save_args(K_MEMFD_CREATE, SC_memfd_create, args->flags, 0, AT_FDCWD_VALUE, -1, args->uname, 0);
    return 0;
}
PATH_EXIT(sys_exit_memfd_create)
#endif

/* dup2/dup3 onto stdin, stdout or stderr only: a3 = old fd, retval = new fd. */
#if KIND_ON(K_DUP)
TRACEPOINT_PROBE(syscalls, sys_enter_dup2) {
    if (args->newfd <= 2)
        save_args(K_DUP, SC_dup2, 0, 0, 0, args->oldfd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_dup2)
TRACEPOINT_PROBE(syscalls, sys_enter_dup3) {
    if (args->newfd <= 2)
        save_args(K_DUP, SC_dup3, args->flags, 0, 0, args->oldfd, 0, 0);
    return 0;
}
PLAIN_EXIT(sys_exit_dup3)
#endif
