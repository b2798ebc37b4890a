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
PATH_SYSCALL(open, SAVE(FILE_OPEN, open, ARG_PTR(0), 0,
                        SET(FILE_OPEN, flags, ARG_INT(1)),
                        SET(FILE_OPEN, mode, ARG_MODE(2)),
                        SET(FILE_OPEN, dirfd, AT_FDCWD_VALUE)))
PATH_SYSCALL(openat, SAVE(FILE_OPEN, openat, ARG_PTR(1), 0,
                          SET(FILE_OPEN, flags, ARG_INT(2)),
                          SET(FILE_OPEN, mode, ARG_MODE(3)),
                          SET(FILE_OPEN, dirfd, ARG_INT(0))))
PATH_SYSCALL(openat2, SAVE(FILE_OPEN, openat2, ARG_PTR(1), 0,
                           SET(FILE_OPEN, flags, open_how_field(ARG_PTR(2), 0)),
                           SET(FILE_OPEN, mode, open_how_field(ARG_PTR(2), 1)),
                           SET(FILE_OPEN, dirfd, ARG_INT(0))))
PATH_SYSCALL(creat, SAVE(FILE_OPEN, creat, ARG_PTR(0), 0,
                         SET(FILE_OPEN, flags, OPEN_FLAGS_CREAT_TRUNC_WRONLY),
                         SET(FILE_OPEN, mode, ARG_MODE(1)),
                         SET(FILE_OPEN, dirfd, AT_FDCWD_VALUE)))
#endif

#if KIND_ON(K_FILE_UNLINK)
PATH_SYSCALL(unlink, SAVE(FILE_UNLINK, unlink, ARG_PTR(0), 0,
                          SET(FILE_UNLINK, dirfd, AT_FDCWD_VALUE)))
PATH_SYSCALL(unlinkat, SAVE(FILE_UNLINK, unlinkat, ARG_PTR(1), 0,
                            SET(FILE_UNLINK, flags, ARG_INT(2)),
                            SET(FILE_UNLINK, dirfd, ARG_INT(0))))
PATH_SYSCALL(rmdir, SAVE(FILE_UNLINK, rmdir, ARG_PTR(0), 0,
                         SET(FILE_UNLINK, flags, 0x200 /* AT_REMOVEDIR */),
                         SET(FILE_UNLINK, dirfd, AT_FDCWD_VALUE)))
#endif

#if KIND_ON(K_FILE_RENAME)
TWO_PATH_SYSCALL(rename, SAVE(FILE_RENAME, rename, ARG_PTR(0), ARG_PTR(1),
                              SET(FILE_RENAME, dirfd, AT_FDCWD_VALUE),
                              SET(FILE_RENAME, dirfd2, AT_FDCWD_VALUE)))
TWO_PATH_SYSCALL(renameat, SAVE(FILE_RENAME, renameat, ARG_PTR(1), ARG_PTR(3),
                                SET(FILE_RENAME, dirfd, ARG_INT(0)),
                                SET(FILE_RENAME, dirfd2, ARG_INT(2))))
TWO_PATH_SYSCALL(renameat2, SAVE(FILE_RENAME, renameat2, ARG_PTR(1), ARG_PTR(3),
                                 SET(FILE_RENAME, flags, ARG_UINT(4)),
                                 SET(FILE_RENAME, dirfd, ARG_INT(0)),
                                 SET(FILE_RENAME, dirfd2, ARG_INT(2))))
#endif

#if KIND_ON(K_FILE_LINK)
TWO_PATH_SYSCALL(link, SAVE(FILE_LINK, link, ARG_PTR(1), ARG_PTR(0),
                            SET(FILE_LINK, dirfd, AT_FDCWD_VALUE),
                            SET(FILE_LINK, dirfd2, AT_FDCWD_VALUE)))
TWO_PATH_SYSCALL(linkat, SAVE(FILE_LINK, linkat, ARG_PTR(3), ARG_PTR(1),
                              SET(FILE_LINK, flags, ARG_INT(4)),
                              SET(FILE_LINK, dirfd, ARG_INT(2)),
                              SET(FILE_LINK, dirfd2, ARG_INT(0))))
TWO_PATH_SYSCALL(symlink, SAVE(FILE_LINK, symlink, ARG_PTR(1), ARG_PTR(0),
                               SET(FILE_LINK, dirfd, AT_FDCWD_VALUE)))
TWO_PATH_SYSCALL(symlinkat, SAVE(FILE_LINK, symlinkat, ARG_PTR(2), ARG_PTR(0),
                                 SET(FILE_LINK, dirfd, ARG_INT(1))))
#endif

#if KIND_ON(K_FILE_MKDIR)
PATH_SYSCALL(mkdir, SAVE(FILE_MKDIR, mkdir, ARG_PTR(0), 0,
                         SET(FILE_MKDIR, mode, ARG_MODE(1)),
                         SET(FILE_MKDIR, dirfd, AT_FDCWD_VALUE)))
PATH_SYSCALL(mkdirat, SAVE(FILE_MKDIR, mkdirat, ARG_PTR(1), 0,
                           SET(FILE_MKDIR, mode, ARG_MODE(2)),
                           SET(FILE_MKDIR, dirfd, ARG_INT(0))))
#endif

#if KIND_ON(K_FILE_CHMOD)
PATH_SYSCALL(chmod, SAVE(FILE_CHMOD, chmod, ARG_PTR(0), 0,
                         SET(FILE_CHMOD, mode, ARG_MODE(1)),
                         SET(FILE_CHMOD, dirfd, AT_FDCWD_VALUE)))
PLAIN_SYSCALL(fchmod, SAVE(FILE_CHMOD, fchmod, 0, 0,
                           SET(FILE_CHMOD, mode, ARG_MODE(1)),
                           SET(FILE_CHMOD, fd, ARG_UINT(0))))
PATH_SYSCALL(fchmodat, SAVE(FILE_CHMOD, fchmodat, ARG_PTR(1), 0,
                            SET(FILE_CHMOD, mode, ARG_MODE(2)),
                            SET(FILE_CHMOD, dirfd, ARG_INT(0))))
#if HAVE_fchmodat2
PATH_SYSCALL(fchmodat2, SAVE(FILE_CHMOD, fchmodat2, ARG_PTR(1), 0,
                             SET(FILE_CHMOD, flags, ARG_UINT(3)),
                             SET(FILE_CHMOD, mode, ARG_MODE(2)),
                             SET(FILE_CHMOD, dirfd, ARG_INT(0))))
#endif
#endif

#if KIND_ON(K_FILE_CHOWN)
PATH_SYSCALL(chown, SAVE(FILE_CHOWN, chown, ARG_PTR(0), 0,
                         SET(FILE_CHOWN, new_uid, ARG_INT(1)),
                         SET(FILE_CHOWN, new_gid, ARG_INT(2)),
                         SET(FILE_CHOWN, dirfd, AT_FDCWD_VALUE)))
PATH_SYSCALL(lchown, SAVE(FILE_CHOWN, lchown, ARG_PTR(0), 0,
                          SET(FILE_CHOWN, new_uid, ARG_INT(1)),
                          SET(FILE_CHOWN, new_gid, ARG_INT(2)),
                          SET(FILE_CHOWN, dirfd, AT_FDCWD_VALUE)))
PLAIN_SYSCALL(fchown, SAVE(FILE_CHOWN, fchown, 0, 0,
                           SET(FILE_CHOWN, new_uid, ARG_INT(1)),
                           SET(FILE_CHOWN, new_gid, ARG_INT(2)),
                           SET(FILE_CHOWN, fd, ARG_UINT(0))))
PATH_SYSCALL(fchownat, SAVE(FILE_CHOWN, fchownat, ARG_PTR(1), 0,
                            SET(FILE_CHOWN, new_uid, ARG_INT(2)),
                            SET(FILE_CHOWN, new_gid, ARG_INT(3)),
                            SET(FILE_CHOWN, dirfd, ARG_INT(0))))
#endif

#if KIND_ON(K_FILE_TRUNCATE)
PATH_SYSCALL(truncate, SAVE(FILE_TRUNCATE, truncate, ARG_PTR(0), 0,
                            SET(FILE_TRUNCATE, length, ARG_LONG(1)),
                            SET(FILE_TRUNCATE, dirfd, AT_FDCWD_VALUE)))
PLAIN_SYSCALL(ftruncate, SAVE(FILE_TRUNCATE, ftruncate, 0, 0,
                              SET(FILE_TRUNCATE, length, ARG_LONG(1)),
                              SET(FILE_TRUNCATE, fd, ARG_UINT(0))))
#endif

#if KIND_ON(K_MEMFD_CREATE)
PATH_SYSCALL(memfd_create, SAVE(MEMFD_CREATE, memfd_create, ARG_PTR(0), 0,
                                SET(MEMFD_CREATE, flags, ARG_UINT(1))))
#endif

/* dup2/dup3 onto stdin, stdout or stderr only. */
#if KIND_ON(K_DUP)
SAVE_ENTER(dup2, if (ARG_UINT(1) <= 2) SAVE(DUP, dup2, 0, 0, SET(DUP, fd, ARG_UINT(0))))
PLAIN_EXIT(dup2)
SAVE_ENTER(dup3, if (ARG_UINT(1) <= 2) SAVE(DUP, dup3, 0, 0,
                                            SET(DUP, flags, ARG_INT(2)),
                                            SET(DUP, fd, ARG_UINT(0))))
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

/* With no path, utimensat and futimesat change the file dirfd refers to. */
#if KIND_ON(K_FILE_UTIME)
UTIME_SYSCALL(utimensat, SAVE(FILE_UTIME, utimensat, ARG_PTR(1), ARG_PTR(2),
                              SET(FILE_UTIME, flags, ARG_INT(3)),
                              SET(FILE_UTIME, dirfd, ARG_INT(0)),
                              SET(FILE_UTIME, fd, ARG_PTR(1) ? -1 : ARG_INT(0))))
UTIME_SYSCALL(futimesat, SAVE(FILE_UTIME, futimesat, ARG_PTR(1), ARG_PTR(2),
                              SET(FILE_UTIME, dirfd, ARG_INT(0)),
                              SET(FILE_UTIME, fd, ARG_PTR(1) ? -1 : ARG_INT(0))))
UTIME_SYSCALL(utimes, SAVE(FILE_UTIME, utimes, ARG_PTR(0), ARG_PTR(1),
                           SET(FILE_UTIME, dirfd, AT_FDCWD_VALUE),
                           SET(FILE_UTIME, fd, -1)))
UTIME_SYSCALL(utime, SAVE(FILE_UTIME, utime, ARG_PTR(0), ARG_PTR(1),
                          SET(FILE_UTIME, dirfd, AT_FDCWD_VALUE),
                          SET(FILE_UTIME, fd, -1)))
#endif
