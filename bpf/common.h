/* Shared by every tracee-py BPF program: the wire record, maps, filters and helpers.
 *
 * Every setting arrives as a -D flag built by tracee_py/capture/settings.py from validated
 * integers: the event kind numbers (K_*), our syscall numbers (SC_*), which argument slot
 * holds each named value of a kind (SLOT_<KIND>_<name>), the string caps, the
 * environment prefixes kept at exec (ENV_PREFIX_n, ENV_MASK_n), the filters, the
 * ring-buffer size and what tracee_py/capture/kernel.py probed in the running kernel
 * (HAVE_*, HOOKS_FAST, GROUP_DEAD_*, offsets). Kernel structs are read only where a
 * kernel lacks a tracepoint field, at offsets taken from the kernel's own BTF, so any
 * recent kernel-headers package is good enough for bcc to compile against.
 */
#ifndef TRACEE_PY_COMMON_H
#define TRACEE_PY_COMMON_H

#ifndef K_PROCESS_EXEC
#error "event kind numbers must be passed as -D flags (see tracee_py/capture/settings.py)"
#endif
#ifndef SLOT_PROCESS_FORK_pid
#error "slot numbers must be passed as -D flags (see tracee_py/capture/settings.py)"
#endif

#include <linux/capability.h>
#if HOOKS_FAST || HAVE_TASK_PT_REGS
#include <uapi/linux/ptrace.h> /* struct pt_regs */
#endif
#if GROUP_DEAD_FROM_HEADERS
/* No BTF: the running kernel's own headers (kernel.py checked they are there) say where
 * the members lie. */
#include <linux/sched/signal.h>
#define TASK_SIGNAL_OFFSET offsetof(struct task_struct, signal)
#define SIGNAL_LIVE_OFFSET offsetof(struct signal_struct, live)
#endif

#define KIND_ON(k) ((KIND_MASK >> (k)) & 1)

#define F_STR_TRUNCATED 1   /* str hit STR_MAX */
#define F_ARGV_TRUNCATED 2  /* more than ARGV_MAX argv entries */
#define F_EXIT_UNKNOWN 4    /* process_exit without a known code */
#define F_STR_UNREADABLE 8  /* str could not be read from user memory: unknown, not empty */
#define F_NO_STR 16         /* the call named no string (a NULL path): null, not empty */

#define CLONE_THREAD_FLAG 0x00010000ULL
#define AT_FDCWD_VALUE -100

/* The wire record. The Python decoder views the ring buffer as an array of these (after
 * the 8-byte ring-buffer header). tests/test_wire_contract.py checks this declaration,
 * the F_* bits and the lost map against tracee_py/capture/wire.py and schema.py offline;
 * test_wire_layout_matches_clang (tests/capture/test_record_node.py) checks the layout
 * clang produces. a0..a3 are reached by name only, through SET and ARG_SLOT below. */
struct event {
    u64 ts;          /* bpf_ktime_get_boot_ns() */
    u64 cgroup_id;
    s64 retval;
    s64 a0, a1, a2, a3;
    u32 kind;
    u32 pid;         /* tgid */
    u32 tid;
    u32 uid;
    u32 gid;
    u16 syscall;     /* SC_* */
    u16 flags;       /* F_* */
    char comm[16];
    u8 addr[16];     /* IPv4 (first 4 bytes) or IPv6 address */
    char str[STR_MAX];
};

/* The argument slots a0..a3 by name. What a slot holds, per event kind and syscall, is
 * WIRE_TABLE in tracee_py/schema.py, and nowhere else: it reaches this program as
 * SLOT_<KIND>_<name> = the slot's number, so a value the table does not list for a kind
 * has no slot to go to and does not compile.
 *
 * - SLOTS(SET(KIND, name, value), ...): the four slots, each one named set (others 0).
 * - ARG_SLOT(p, KIND, name): the slot holding name, in a record or saved arguments p.
 * - SLOT(KIND, name): its number, for code shared by several kinds (ARG_SLOT_N). */
struct slots {
    s64 a[4];
};
#define SLOT(KIND, name) SLOT_##KIND##_##name
#define SET(KIND, name, value) [SLOT_##KIND##_##name] = (value)
#define SLOTS(...) ((struct slots){.a = {__VA_ARGS__}})
#define ARG_SLOT_N(p, n) \
    (*((n) == 0 ? &(p)->a0 : (n) == 1 ? &(p)->a1 : (n) == 2 ? &(p)->a2 : &(p)->a3))
#define ARG_SLOT(p, KIND, name) ARG_SLOT_N(p, SLOT_##KIND##_##name)

/* Arguments saved at sys_enter, consumed at sys_exit. */
struct pending {
    s64 a0, a1, a2, a3;
    u64 p0, p1;      /* user pointers (paths, sockaddr) read at exit */
    u32 kind;
    u16 syscall;
    u16 flags;
};

struct exit_info {
    s32 group_code;
    s32 thread_code;
    s32 sig;
    u32 have;        /* bit 0 group_code, bit 1 thread_code, bit 2 sig, bit 3 sig dequeued
                      * by the dying thread itself */
};

/* Arguments saved at syscall entry live in task-local storage: one slot per thread, reached
 * through the task itself. That is much cheaper than a hash map keyed by thread id (update
 * at enter, lookup and delete at exit): see benchmarks/README.md. The slot is reused, so a
 * consumed slot is marked free with kind = 0 rather than deleted. Kernels whose tracing
 * programs may not call bpf_task_storage_get and bpf_get_current_task_btf (probed at start,
 * HAVE_TASK_STORAGE) keep the hash map. */
#define PENDING_IN_TASK_STORAGE HAVE_TASK_STORAGE

/* How syscalls are hooked, for every syscall below (kernel.py chooses, settings.py says):
 *
 * - tracepoints (HOOKS_FAST = 0): syscalls:sys_enter_NAME and sys_exit_NAME. Every kernel
 *   has them, but while any syscall tracepoint is attached every syscall of every task
 *   takes the kernel's slow path.
 * - fentry/fexit (HOOKS_FAST = 1) on the kernel's __x64_sys_NAME(struct pt_regs *): the
 *   same arguments (the user registers) and the same return value, through trampolines,
 *   so syscalls stay on the fast path.
 *
 * SYS_ENTER(name) and SYS_EXIT(name) open a program; inside, SYS_ARG(n) is argument n as
 * the task passed it (a u64, cast by the caller to the syscall's declared type) and SYS_RET
 * the return value. Both ways produce the same records: tests compare them row by row. */
#if HOOKS_FAST
#define SYS_ENTER(name) KFUNC_PROBE(__x64_sys_##name, const struct pt_regs *regs)
#define SYS_EXIT(name) KRETFUNC_PROBE(__x64_sys_##name, const struct pt_regs *regs, long ret)
#define SYS_REG_0 di
#define SYS_REG_1 si
#define SYS_REG_2 dx
#define SYS_REG_3 r10
#define SYS_REG_4 r8
#define SYS_REG_5 r9
#define SYS_ARG_(reg) ((u64)regs->reg)
#define SYS_ARG_X(reg) SYS_ARG_(reg)
#define SYS_ARG(n) SYS_ARG_X(SYS_REG_##n)
#define SYS_RET ret
#else
#define SYS_ENTER(name) TRACEPOINT_PROBE(syscalls, sys_enter_##name)
#define SYS_EXIT(name) TRACEPOINT_PROBE(syscalls, sys_exit_##name)
/* Arguments follow the syscall number, one unsigned long each, from the offset the
 * tracepoint's format file gives (SYS_ARGS_OFFSET, read at start). */
#define SYS_ARG(n) (*(const u64 *)((const char *)args + SYS_ARGS_OFFSET + 8 * (n)))
#define SYS_RET args->ret
#endif
/* Argument n converted to the syscall's declared C type, as the kernel converts it. */
#define ARG_LONG(n) ((s64)SYS_ARG(n))
#define ARG_INT(n) ((s32)SYS_ARG(n))
#define ARG_UINT(n) ((u32)SYS_ARG(n))
#define ARG_MODE(n) ((u16)SYS_ARG(n)) /* umode_t */
#define ARG_PTR(n) ((const void *)SYS_ARG(n))

BPF_RINGBUF_OUTPUT(events, RINGBUF_PAGES);
BPF_PERCPU_ARRAY(lost, u64, 128);              /* per kind (aux kinds 100..102 too) */
BPF_PERCPU_ARRAY(submitted, u64, 1);           /* records per CPU, for WAKE_EVERY */
#if PENDING_IN_TASK_STORAGE
BPF_TASK_STORAGE(pending_args, struct pending);
#else
BPF_HASH(pending_args, u32, struct pending, PENDING_MAX);
#endif
BPF_HASH(exit_infos, u32, struct exit_info, PENDING_MAX);
#if !GROUP_DEAD_FROM_TRACEPOINT
BPF_TABLE("lru_hash", u32, u8, exit_emitted, PENDING_MAX);  /* tgids whose exit was emitted */
#endif
/* The last signal sent to a process whose default action kills it (see signal_generate). */
BPF_TABLE("lru_hash", u32, int, fatal_sent, PENDING_MAX);
BPF_HASH(followed, u32, u8, FOLLOW_MAX);       /* tgids recorded in follow mode */
BPF_ARRAY(comm_filter, struct { char c[16]; }, 1);
BPF_ARRAY(layout_probe, struct event, 1);      /* never written: exposes the layout */

static __always_inline void count_lost(u32 kind) {
    u64 *v = lost.lookup(&kind);
    if (v)
        (*v)++;
}

static __always_inline int comm_matches(void) {
#if FILTER_COMM
    char comm[16] = {};
    bpf_get_current_comm(comm, sizeof(comm));
    int zero = 0;
    char *want = (char *)comm_filter.lookup(&zero);
    if (!want)
        return 0;
#pragma unroll
    for (int i = 0; i < 16; i++) {
        if (comm[i] != want[i])
            return 0;
        if (comm[i] == 0)
            break;
    }
#endif
    return 1;
}

/* 1 when the current task must not be recorded. Applied where an event starts. */
static __always_inline int skip_current(void) {
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    if (tgid == SELF_TGID)
        return 1;
#if FILTER_UID >= 0
    if ((u32)bpf_get_current_uid_gid() != (u32)FILTER_UID)
        return 1;
#endif
#if FILTER_CGROUP
    if (bpf_get_current_cgroup_id() != FILTER_CGROUP)
        return 1;
#endif
#if FILTER_FOLLOW
    if (!followed.lookup(&tgid))
        return 1;
#endif
    return !comm_matches();
}

/* Reserve a record and fill the common part; NULL (counted as lost) when the ring is full. */
static __always_inline struct event *begin_event(u32 kind, u16 syscall) {
    struct event *e = events.ringbuf_reserve(sizeof(struct event));
    if (!e) {
        count_lost(kind);
        return 0;
    }
    u64 pt = bpf_get_current_pid_tgid();
    u64 ug = bpf_get_current_uid_gid();
    e->ts = bpf_ktime_get_boot_ns();
    e->cgroup_id = bpf_get_current_cgroup_id();
    e->retval = 0;
    e->a0 = 0;
    e->a1 = 0;
    e->a2 = 0;
    e->a3 = 0;
    e->kind = kind;
    e->pid = pt >> 32;
    e->tid = (u32)pt;
    e->uid = (u32)ug;
    e->gid = ug >> 32;
    e->syscall = syscall;
    e->flags = 0;
    bpf_get_current_comm(e->comm, sizeof(e->comm));
    __builtin_memset(e->addr, 0, sizeof(e->addr));
    e->str[0] = 0;
    return e;
}

/* Records go in without waking the reader, which sleeps between reads; every WAKE_EVERY-th
 * record of a CPU wakes it early, so a burst cannot fill the ring while it sleeps. */
static __always_inline void submit_event(struct event *e) {
    u64 flags = BPF_RB_NO_WAKEUP;
    int zero = 0;
    u64 *n = submitted.lookup(&zero);
    if (n && ((++*n) & (WAKE_EVERY - 1)) == 0)
        flags = BPF_RB_FORCE_WAKEUP;
    events.ringbuf_submit(e, flags);
}

static __always_inline void read_user_str(struct event *e, const void *ptr) {
    if (!ptr)
        return;
    long n = bpf_probe_read_user_str(e->str, sizeof(e->str), ptr);
    if (n >= (long)sizeof(e->str))
        e->flags |= F_STR_TRUNCATED;
    if (n < 0) {
        e->str[0] = 0;
        e->flags |= F_STR_UNREADABLE;
    }
}

/* Save arguments at sys_enter: the slots and up to two user pointers read at exit (p0: the
 * record's string; p1: a second path, or what the exit reads through it). Returns 0 when
 * the task is filtered out. SAVE(KIND, name, p0, p1, SET(...), ...) is the usual call. */
static __always_inline int save_args(u32 kind, u16 syscall, const void *p0, const void *p1,
                                     struct slots s) {
    if (skip_current())
        return 0;
#if PENDING_IN_TASK_STORAGE
    struct pending *slot = pending_args.task_storage_get(bpf_get_current_task_btf(), 0,
                                                         BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!slot) {
        count_lost(kind);  /* no memory for the slot */
        return 0;
    }
    slot->a0 = s.a[0];
    slot->a1 = s.a[1];
    slot->a2 = s.a[2];
    slot->a3 = s.a[3];
    slot->p0 = (u64)p0;
    slot->p1 = (u64)p1;
    slot->kind = kind;
    slot->syscall = syscall;
    slot->flags = 0;
#else
    u32 tid = (u32)bpf_get_current_pid_tgid();
    struct pending p = {};
    p.a0 = s.a[0];
    p.a1 = s.a[1];
    p.a2 = s.a[2];
    p.a3 = s.a[3];
    p.p0 = (u64)p0;
    p.p1 = (u64)p1;
    p.kind = kind;
    p.syscall = syscall;
    if (pending_args.update(&tid, &p) != 0) {
        count_lost(kind);  /* too many threads inside syscalls at once */
        return 0;
    }
#endif
    return 1;
}

#define SAVE(KIND, name, p0, p1, ...) \
    save_args(K_##KIND, SC_##name, (p0), (p1), SLOTS(__VA_ARGS__))

/* The current thread's saved arguments, NULL when there are none (map calls cannot sit
 * inside macros in bcc, hence these helpers). */
static __always_inline struct pending *peek_pending(void) {
#if PENDING_IN_TASK_STORAGE
    struct pending *p = pending_args.task_storage_get(bpf_get_current_task_btf(), 0, 0);
    return (p && p->kind) ? p : 0;
#else
    u32 tid = (u32)bpf_get_current_pid_tgid();
    return pending_args.lookup(&tid);
#endif
}

static __always_inline void drop_pending(void) {
#if PENDING_IN_TASK_STORAGE
    struct pending *p = pending_args.task_storage_get(bpf_get_current_task_btf(), 0, 0);
    if (p)
        p->kind = 0;
#else
    u32 tid = (u32)bpf_get_current_pid_tgid();
    pending_args.delete(&tid);
#endif
}

/* At sched_process_exec: the arguments saved by the thread that called execve. With task
 * storage that is the current task (it keeps its task_struct through exec even when it
 * takes over the leader's pid); the hash map knows it by its thread id before exec. */
static __always_inline struct pending *exec_pending(u32 old_tid) {
#if PENDING_IN_TASK_STORAGE
    return peek_pending();
#else
    return pending_args.lookup(&old_tid);
#endif
}

static __always_inline void drop_exec_pending(u32 old_tid) {
#if PENDING_IN_TASK_STORAGE
    drop_pending();
#else
    pending_args.delete(&old_tid);
#endif
}

/* Emit a second path as an aux record just before its main event. */
static __always_inline void emit_path2(const void *ptr, u16 syscall) {
    struct event *e = begin_event(K_AUX_PATH2, syscall);
    if (!e)
        return;
    read_user_str(e, ptr);
    submit_event(e);
}

/* Emit the main event for a paired syscall; the pending entry is removed. */
static __always_inline struct event *finish_args(s64 ret, struct pending **out) {
    struct pending *p = peek_pending();
    if (!p)
        return 0;
    *out = p;
    struct event *e = begin_event(p->kind, p->syscall);
    if (!e) {
        drop_pending();
        return 0;
    }
    e->retval = ret;
    e->a0 = p->a0;
    e->a1 = p->a1;
    e->a2 = p->a2;
    e->a3 = p->a3;
    e->flags |= p->flags;
    return e;
}

/* A syscall whose main event carries one user path (p0). */
#define PATH_EXIT(name)                                                 \
    SYS_EXIT(name) {                                                    \
        struct pending *p = 0;                                          \
        struct event *e = finish_args(SYS_RET, &p);                     \
        if (!e)                                                         \
            return 0;                                                   \
        read_user_str(e, (const void *)p->p0);                          \
        submit_event(e);                                                \
        drop_pending();                                                 \
        return 0;                                                       \
    }

/* A syscall with a second path (p1) emitted first as an aux record. */
#define TWO_PATH_EXIT(name)                                             \
    SYS_EXIT(name) {                                                    \
        struct pending *q = peek_pending();                             \
        if (!q)                                                         \
            return 0;                                                   \
        emit_path2((const void *)q->p1, q->syscall);                    \
        struct pending *p = 0;                                          \
        struct event *e = finish_args(SYS_RET, &p);                     \
        if (!e)                                                         \
            return 0;                                                   \
        read_user_str(e, (const void *)p->p0);                          \
        submit_event(e);                                                \
        drop_pending();                                                 \
        return 0;                                                       \
    }

/* A syscall whose event has no string. */
#define PLAIN_EXIT(name)                                                \
    SYS_EXIT(name) {                                                    \
        struct pending *p = 0;                                          \
        struct event *e = finish_args(SYS_RET, &p);                     \
        if (!e)                                                         \
            return 0;                                                   \
        submit_event(e);                                                \
        drop_pending();                                                 \
        return 0;                                                       \
    }

/* A syscall whose entry only saves arguments: SAVE_ENTER(name, SAVE(...)). */
#define SAVE_ENTER(name, save)                                          \
    SYS_ENTER(name) {                                                   \
        save;                                                           \
        return 0;                                                       \
    }

/* Entry saves, exit emits: the common shapes, one line per syscall. */
#define PATH_SYSCALL(name, save) SAVE_ENTER(name, save) PATH_EXIT(name)
#define TWO_PATH_SYSCALL(name, save) SAVE_ENTER(name, save) TWO_PATH_EXIT(name)
#define PLAIN_SYSCALL(name, save) SAVE_ENTER(name, save) PLAIN_EXIT(name)

#endif /* TRACEE_PY_COMMON_H */
