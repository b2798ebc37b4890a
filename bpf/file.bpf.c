/* File events. Each line names a syscall once; common.h hooks it with tracepoints or
 * fentry/fexit. What each slot holds: WIRE_TABLE in tracee_py/schema.py. */

#define OPEN_FLAGS_CREAT_TRUNC_WRONLY (0100 | 01000 | 01)

/* struct open_how { u64 flags; u64 mode; u64 resolve; }, read from the caller. */
static __always_inline u64 open_how_field(const void *how, int i) {
    u64 v = 0;
    bpf_probe_read_user(&v, sizeof(v), how + 8 * i);
    return v;
}

#if KIND_ON(K_FILE_OPEN)
PATH_SYSCALL(open, save_args(K_FILE_OPEN, SC_open, ARG_INT(1), ARG_MODE(2), AT_FDCWD_VALUE, -1,
                             ARG_PTR(0), 0))
PATH_SYSCALL(openat, save_args(K_FILE_OPEN, SC_openat, ARG_INT(2), ARG_MODE(3), ARG_INT(0), -1,
                               ARG_PTR(1), 0))
PATH_SYSCALL(openat2, save_args(K_FILE_OPEN, SC_openat2, open_how_field(ARG_PTR(2), 0),
                                open_how_field(ARG_PTR(2), 1), ARG_INT(0), -1, ARG_PTR(1), 0))
PATH_SYSCALL(creat, save_args(K_FILE_OPEN, SC_creat, OPEN_FLAGS_CREAT_TRUNC_WRONLY, ARG_MODE(1),
                              AT_FDCWD_VALUE, -1, ARG_PTR(0), 0))
#endif

#if KIND_ON(K_FILE_UNLINK)
PATH_SYSCALL(unlink, save_args(K_FILE_UNLINK, SC_unlink, 0, 0, AT_FDCWD_VALUE, -1, ARG_PTR(0), 0))
PATH_SYSCALL(unlinkat, save_args(K_FILE_UNLINK, SC_unlinkat, ARG_INT(2), 0, ARG_INT(0), -1,
                                 ARG_PTR(1), 0))
PATH_SYSCALL(rmdir, save_args(K_FILE_UNLINK, SC_rmdir, 0x200 /* AT_REMOVEDIR */, 0,
                              AT_FDCWD_VALUE, -1, ARG_PTR(0), 0))
#endif

#if KIND_ON(K_FILE_RENAME)
TWO_PATH_SYSCALL(rename, save_args(K_FILE_RENAME, SC_rename, 0, 0, AT_FDCWD_VALUE, AT_FDCWD_VALUE,
                                   ARG_PTR(0), ARG_PTR(1)))
TWO_PATH_SYSCALL(renameat, save_args(K_FILE_RENAME, SC_renameat, 0, 0, ARG_INT(0), ARG_INT(2),
                                     ARG_PTR(1), ARG_PTR(3)))
TWO_PATH_SYSCALL(renameat2, save_args(K_FILE_RENAME, SC_renameat2, ARG_UINT(4), 0, ARG_INT(0),
                                      ARG_INT(2), ARG_PTR(1), ARG_PTR(3)))
#endif

#if KIND_ON(K_FILE_LINK)
TWO_PATH_SYSCALL(link, save_args(K_FILE_LINK, SC_link, 0, 0, AT_FDCWD_VALUE, AT_FDCWD_VALUE,
                                 ARG_PTR(1), ARG_PTR(0)))
TWO_PATH_SYSCALL(linkat, save_args(K_FILE_LINK, SC_linkat, ARG_INT(4), 0, ARG_INT(2), ARG_INT(0),
                                   ARG_PTR(3), ARG_PTR(1)))
TWO_PATH_SYSCALL(symlink, save_args(K_FILE_LINK, SC_symlink, 0, 0, AT_FDCWD_VALUE, AT_FDCWD_VALUE,
                                    ARG_PTR(1), ARG_PTR(0)))
TWO_PATH_SYSCALL(symlinkat, save_args(K_FILE_LINK, SC_symlinkat, 0, 0, ARG_INT(1), AT_FDCWD_VALUE,
                                      ARG_PTR(2), ARG_PTR(0)))
#endif

#if KIND_ON(K_FILE_MKDIR)
PATH_SYSCALL(mkdir, save_args(K_FILE_MKDIR, SC_mkdir, 0, ARG_MODE(1), AT_FDCWD_VALUE, -1,
                              ARG_PTR(0), 0))
PATH_SYSCALL(mkdirat, save_args(K_FILE_MKDIR, SC_mkdirat, 0, ARG_MODE(2), ARG_INT(0), -1,
                                ARG_PTR(1), 0))
#endif

#if KIND_ON(K_FILE_CHMOD)
PATH_SYSCALL(chmod, save_args(K_FILE_CHMOD, SC_chmod, 0, ARG_MODE(1), AT_FDCWD_VALUE, -1,
                              ARG_PTR(0), 0))
PLAIN_SYSCALL(fchmod, save_args(K_FILE_CHMOD, SC_fchmod, 0, ARG_MODE(1), AT_FDCWD_VALUE,
                                ARG_UINT(0), 0, 0))
PATH_SYSCALL(fchmodat, save_args(K_FILE_CHMOD, SC_fchmodat, 0, ARG_MODE(2), ARG_INT(0), -1,
                                 ARG_PTR(1), 0))
#if HAVE_fchmodat2
PATH_SYSCALL(fchmodat2, save_args(K_FILE_CHMOD, SC_fchmodat2, ARG_UINT(3), ARG_MODE(2), ARG_INT(0),
                                  -1, ARG_PTR(1), 0))
#endif
#endif

#if KIND_ON(K_FILE_CHOWN)
PATH_SYSCALL(chown, save_args(K_FILE_CHOWN, SC_chown, ARG_INT(1), ARG_INT(2), AT_FDCWD_VALUE, -1,
                              ARG_PTR(0), 0))
PATH_SYSCALL(lchown, save_args(K_FILE_CHOWN, SC_lchown, ARG_INT(1), ARG_INT(2), AT_FDCWD_VALUE, -1,
                               ARG_PTR(0), 0))
PLAIN_SYSCALL(fchown, save_args(K_FILE_CHOWN, SC_fchown, ARG_INT(1), ARG_INT(2), AT_FDCWD_VALUE,
                                ARG_UINT(0), 0, 0))
PATH_SYSCALL(fchownat, save_args(K_FILE_CHOWN, SC_fchownat, ARG_INT(2), ARG_INT(3), ARG_INT(0), -1,
                                 ARG_PTR(1), 0))
#endif

#if KIND_ON(K_FILE_TRUNCATE)
PATH_SYSCALL(truncate, save_args(K_FILE_TRUNCATE, SC_truncate, ARG_LONG(1), 0, AT_FDCWD_VALUE, -1,
                                 ARG_PTR(0), 0))
PLAIN_SYSCALL(ftruncate, save_args(K_FILE_TRUNCATE, SC_ftruncate, ARG_LONG(1), 0, AT_FDCWD_VALUE,
                                   ARG_UINT(0), 0, 0))
#endif

#if KIND_ON(K_MEMFD_CREATE)
PATH_SYSCALL(memfd_create, save_args(K_MEMFD_CREATE, SC_memfd_create, ARG_UINT(1), 0,
                                     AT_FDCWD_VALUE, -1, ARG_PTR(0), 0))
#endif

/* dup2/dup3 onto stdin, stdout or stderr only. */
#if KIND_ON(K_DUP)
SAVE_ENTER(dup2, if (ARG_UINT(1) <= 2) save_args(K_DUP, SC_dup2, 0, 0, 0, ARG_UINT(0), 0, 0))
PLAIN_EXIT(dup2)
SAVE_ENTER(dup3, if (ARG_UINT(1) <= 2) save_args(K_DUP, SC_dup3, ARG_INT(2), 0, 0, ARG_UINT(0),
                                                 0, 0))
PLAIN_EXIT(dup3)
#endif

/* File timestamps: utimensat (and futimens, which is utimensat with no path), futimesat,
 * utimes, utime. The times set are read from the caller at exit into addr (atime, then
 * mtime: ns since the epoch; TIME_NOW_NS and TIME_OMIT_NS for UTIME_NOW and UTIME_OMIT, and
 * TIME_NOW_NS for both when no times are given, which means now). */
#define UTIME_NOW_NSEC ((1L << 30) - 1)
#define UTIME_OMIT_NSEC ((1L << 30) - 2)
#define TIME_MAX_SEC 9223372035LL  /* beyond this, sec * 1e9 overflows: clamped */

static __always_inline s64 time_ns(s64 sec, s64 nsec) {
    if (sec > TIME_MAX_SEC)
        return 0x7fffffffffffffffLL;
    if (sec < -TIME_MAX_SEC)
        return TIME_MIN_NS;
    s64 ns = sec * 1000000000LL + nsec;
    return ns < TIME_MIN_NS ? TIME_MIN_NS : ns;
}

/* times points at two timespecs (utimensat), two timevals (utimes, futimesat) or a
 * utimbuf of two time_t (utime). */
static __always_inline void read_times(struct event *e, const void *times, u16 syscall) {
    s64 t[4] = {};
    s64 at = TIME_NOW_NS, mt = TIME_NOW_NS;
    if (times) {
        if (syscall == SC_utime) {
            bpf_probe_read_user(t, 16, times);
            at = time_ns(t[0], 0);
            mt = time_ns(t[1], 0);
        } else {
            bpf_probe_read_user(t, sizeof(t), times);
            if (syscall == SC_utimensat) {
                at = t[1] == UTIME_NOW_NSEC ? TIME_NOW_NS
                     : t[1] == UTIME_OMIT_NSEC ? TIME_OMIT_NS : time_ns(t[0], t[1]);
                mt = t[3] == UTIME_NOW_NSEC ? TIME_NOW_NS
                     : t[3] == UTIME_OMIT_NSEC ? TIME_OMIT_NS : time_ns(t[2], t[3]);
            } else {  /* microseconds */
                at = time_ns(t[0], t[1] * 1000);
                mt = time_ns(t[2], t[3] * 1000);
            }
        }
    }
    __builtin_memcpy(e->addr, &at, 8);
    __builtin_memcpy(e->addr + 8, &mt, 8);
}

#define UTIME_SYSCALL(name, save)                                       \
    SAVE_ENTER(name, save)                                              \
    SYS_EXIT(name) {                                                    \
        struct pending *p = 0;                                          \
        struct event *e = finish_args(SYS_RET, &p);                     \
        if (!e)                                                         \
            return 0;                                                   \
        if (p->p0)                                                      \
            read_user_str(e, (const void *)p->p0);                      \
        else                                                            \
            e->flags |= F_NO_STR;                                       \
        read_times(e, (const void *)p->p1, p->syscall);                 \
        submit_event(e);                                                \
        drop_pending();                                                 \
        return 0;                                                       \
    }

/* With no path, utimensat and futimesat change the file dirfd refers to: a3 = that fd. */
#if KIND_ON(K_FILE_UTIME)
UTIME_SYSCALL(utimensat, save_args(K_FILE_UTIME, SC_utimensat, ARG_INT(3), 0, ARG_INT(0),
                                   ARG_PTR(1) ? -1 : ARG_INT(0), ARG_PTR(1), ARG_PTR(2)))
UTIME_SYSCALL(futimesat, save_args(K_FILE_UTIME, SC_futimesat, 0, 0, ARG_INT(0),
                                   ARG_PTR(1) ? -1 : ARG_INT(0), ARG_PTR(1), ARG_PTR(2)))
UTIME_SYSCALL(utimes, save_args(K_FILE_UTIME, SC_utimes, 0, 0, AT_FDCWD_VALUE, -1, ARG_PTR(0),
                                ARG_PTR(1)))
UTIME_SYSCALL(utime, save_args(K_FILE_UTIME, SC_utime, 0, 0, AT_FDCWD_VALUE, -1, ARG_PTR(0),
                               ARG_PTR(1)))
#endif
