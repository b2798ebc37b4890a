"""The event schema: the one place that defines columns, event kinds and their numbers.

Everything else follows this module: the BPF programs receive the kind and syscall numbers,
and which wire slot holds what (:data:`SLOT_NUMBERS`), as ``-D`` compiler flags built from
the tables below; the decoder builds Arrow columns in this order and fills them as
:data:`WIRE_TABLE` says; fixtures and docs are generated from it. Column names are a
contract with other tools; add columns, never rename them.
"""

from __future__ import annotations

from enum import IntEnum

import pyarrow as pa

SCHEMA_VERSION = 1
SCHEMA_METADATA_KEY = b"tracee_py.schema_version"


class EventKind(IntEnum):
    """Normalized event kinds. The numbers are the wire numbers used by the BPF programs."""

    PROCESS_SNAPSHOT = 1
    PROCESS_FORK = 2
    PROCESS_EXEC = 3
    PROCESS_EXIT = 4
    FILE_OPEN = 5
    FILE_UNLINK = 6
    FILE_RENAME = 7
    FILE_LINK = 8
    FILE_MKDIR = 9
    FILE_CHMOD = 10
    FILE_CHOWN = 11
    FILE_TRUNCATE = 12
    MEMFD_CREATE = 13
    CHDIR = 14
    DUP = 15
    NET_CONNECT = 16
    NET_ACCEPT = 17
    NET_BIND = 18
    NET_LISTEN = 19
    CRED_CHANGE = 20
    PTRACE = 21
    PROCESS_VM_WRITE = 22
    MODULE_LOAD = 23
    MODULE_UNLOAD = 24
    BPF = 25
    MOUNT = 26
    UMOUNT = 27
    UNSHARE = 28
    SETNS = 29
    KILL = 30
    MPROTECT_EXEC = 31
    NET_SOCKET = 32
    FILE_UTIME = 33
    COMM_CHANGE = 34

    @property
    def label(self) -> str:
        """The value stored in the ``event`` column, for example ``file_open``."""
        return self.name.lower()


class AuxRecord(IntEnum):
    """Wire records that carry extra data for the next event of the same thread.

    They never become rows of their own: the decoder folds them into the event they belong
    to (argv and environment into ``process_exec``, the second path into rename and link).
    What their slots hold: :data:`AUX_SLOTS`.
    """

    EXEC_ARG = 100
    EXEC_ENV = 101
    PATH2 = 102


EVENT_KINDS: tuple[str, ...] = tuple(k.label for k in EventKind)

# Kinds that change the process table (fork, exec, exit) and are recorded whatever
# ``--events`` says: without them there is no process tree. The snapshot is not a kernel
# kind; chdir is not lifecycle but changes the cwd later rows resolve against.
LIFECYCLE_KINDS: frozenset[EventKind] = frozenset(
    {EventKind.PROCESS_FORK, EventKind.PROCESS_EXEC, EventKind.PROCESS_EXIT}
)

# Syscalls that produce events, numbered for the wire (our own numbering, not the kernel's,
# so a recording means the same thing on every architecture). Index 0 means "no syscall"
# (scheduler tracepoints). Optional syscalls are compiled only where the kernel has them.
SYSCALLS: tuple[str, ...] = (
    "",
    "execve",
    "execveat",
    "clone",
    "clone3",
    "fork",
    "vfork",
    "exit",
    "exit_group",
    "open",
    "openat",
    "openat2",
    "creat",
    "unlink",
    "unlinkat",
    "rmdir",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "mkdir",
    "mkdirat",
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "lchown",
    "fchown",
    "fchownat",
    "truncate",
    "ftruncate",
    "memfd_create",
    "chdir",
    "fchdir",
    "dup2",
    "dup3",
    "connect",
    "accept",
    "accept4",
    "bind",
    "listen",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setfsuid",
    "setfsgid",
    "capset",
    "ptrace",
    "process_vm_writev",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "mount",
    "umount",
    "unshare",
    "setns",
    "kill",
    "tkill",
    "tgkill",
    "mprotect",
    "socket",
    "utimensat",
    "futimesat",
    "utimes",
    "utime",
    # Not hooked: named in the ``syscall`` column of comm_change, read from the task's
    # registers (NAMED_ONLY_SYSCALLS).
    "prctl",
    "write",
    "writev",
    "pwrite64",
    "pwritev",
    "pwritev2",
)
# Syscalls that only name where an event came from; no program hooks them.
NAMED_ONLY_SYSCALLS: frozenset[str] = frozenset(
    {"prctl", "write", "writev", "pwrite64", "pwritev", "pwritev2"}
)
SYSCALL_NUMBER: dict[str, int] = {name: i for i, name in enumerate(SYSCALLS) if name}

# Capture caps, documented in docs/schema.md. Reaching one sets the ``truncated`` column.
STR_MAX = 256  # bytes of one path or one argv entry, including the NUL
ARGV_MAX = 32  # argv entries per exec
ENV_SCAN_MAX = 64  # environment entries inspected per exec
ENV_PREFIXES: tuple[str, ...] = ("LD_",)  # environment entries kept (LD_PRELOAD, ...)
ENV_PREFIX_MAX = 7  # bytes of one prefix: the kernel reads 7 bytes and a NUL as one word

# Column order of the ``events`` table.
EVENT_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("time", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("node", pa.string(), nullable=False),
        pa.field("boot_id", pa.string(), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("syscall", pa.string()),
        pa.field("retval", pa.int64()),
        pa.field("pid", pa.int32()),
        pa.field("tid", pa.int32()),
        pa.field("ppid", pa.int32()),
        pa.field("process_id", pa.uint64()),
        pa.field("parent_process_id", pa.uint64()),
        pa.field("uid", pa.int32()),
        pa.field("gid", pa.int32()),
        pa.field("comm", pa.string()),
        pa.field("exe", pa.string()),
        pa.field("cwd", pa.string()),
        pa.field("cgroup_id", pa.uint64()),
        pa.field("container_id", pa.string()),
        pa.field("container_name", pa.string()),
        pa.field("container_image", pa.string()),
        pa.field("pod_name", pa.string()),
        pa.field("pod_namespace", pa.string()),
        pa.field("pod_uid", pa.string()),
        pa.field("path", pa.string()),
        pa.field("path2", pa.string()),
        pa.field("flags", pa.int64()),
        pa.field("mode", pa.int32()),
        pa.field("fd", pa.int32()),
        pa.field("argv", pa.list_(pa.string())),
        pa.field("env", pa.list_(pa.string())),
        pa.field("exe_sha256", pa.string()),
        pa.field("family", pa.string()),
        pa.field("addr", pa.string()),
        pa.field("port", pa.int32()),
        pa.field("target_pid", pa.int32()),
        pa.field("signal", pa.int32()),
        pa.field("exit_code", pa.int32()),
        # Additions beyond the v1 table of DESIGN.md (allowed: add, never rename).
        pa.field("new_uid", pa.int32()),  # cred_change: requested uid; file_chown: owner
        pa.field("new_gid", pa.int32()),  # cred_change: requested gid; file_chown: group
        pa.field("length", pa.int64()),  # file_truncate: new length
        pa.field("truncated", pa.bool_()),  # a path or argv hit a capture cap
        pa.field("start_time", pa.timestamp("ns", tz="UTC")),  # process start (lifecycle)
        pa.field("real_uid", pa.int32()),  # setreuid/setresuid: requested real uid
        pa.field("saved_uid", pa.int32()),  # setresuid: requested saved uid
        pa.field("real_gid", pa.int32()),  # setregid/setresgid: requested real gid
        pa.field("saved_gid", pa.int32()),  # setresgid: requested saved gid
        pa.field("socket_type", pa.string()),  # net_socket: stream, dgram, raw, packet, ...
        pa.field("protocol", pa.int32()),  # net_socket: IPPROTO_*, or the ethertype (packet)
        pa.field("atime", pa.timestamp("ns", tz="UTC")),  # file_utime: access time set
        pa.field("mtime", pa.timestamp("ns", tz="UTC")),  # file_utime: modification time set
        pa.field("name", pa.string()),  # comm_change: new name; bpf: program or map name
        pa.field("old_name", pa.string()),  # comm_change: the name before
        pa.field("bpf_type", pa.string()),  # bpf: program type (PROG_LOAD), map type (MAP_CREATE)
    ],
    metadata={SCHEMA_METADATA_KEY: str(SCHEMA_VERSION).encode()},
)

EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_SCHEMA.names)
# The container and pod columns, in schema order: null on the host / outside Kubernetes.
CONTAINER_COLUMNS: tuple[str, ...] = (
    "container_id",
    "container_name",
    "container_image",
    "pod_name",
    "pod_namespace",
    "pod_uid",
)

# The ``stats`` dataset: long format, one row per (interval, metric, kind).
STATS_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("interval_start", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("interval_end", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("node", pa.string(), nullable=False),
        pa.field("boot_id", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("metric", pa.string(), nullable=False),
        pa.field("kind", pa.string()),
        pa.field("value", pa.int64(), nullable=False),
        pa.field("detail", pa.string()),
    ],
    metadata={SCHEMA_METADATA_KEY: str(SCHEMA_VERSION).encode()},
)

# Metrics written to ``stats``. ``lost`` rows are per event kind and exact: one per failed
# ring-buffer reservation in the kernel.
STATS_METRICS: tuple[str, ...] = (
    "events",  # rows written, per kind
    "lost",  # events dropped in the kernel, per kind
    "files",  # data files closed in the interval
    "bytes",  # bytes of data files closed in the interval
    "decode_errors",  # wire records that could not be decoded
    "retention_removed_files",  # files removed by --max-size / --max-age
    "retention_removed_bytes",
    "kubernetes_api",  # 1 = reachable, 0 = not; detail says why
    "capability",  # once per run: what the kernel offered (kind = name, 1/0, detail)
    "write_error",  # the writer stopped; detail says why
)

# -- The wire contract: what each slot of a record holds ------------------------------------
#
# A wire record (``struct event`` in bpf/common.h) has generic slots; this table is the one
# place that says, per event kind and syscall, what each of them holds and which column it
# fills. The decoder (tracee_py/capture/decode.py) is driven by it; the BPF programs get
# from it, as ``-D`` flags (SLOT_NUMBERS, passed by capture/settings.py like the kind
# numbers), which of a0..a3 holds each named value, and put values only by those names
# (``SET(KIND, name, value)``, ``ARG_SLOT(e, KIND, name)`` in bpf/common.h), so a value the
# table does not list for a kind does not compile. tests/test_wire_contract.py checks
# offline that each syscall sets only what its own entry lists, and decodes a synthetic
# record of every entry against what it promises.

# ``addr_lo`` and ``addr_hi`` are the 16 bytes of ``addr`` read as two little-endian signed
# 64-bit integers, for records that carry no address but more numbers than a0..a3 hold.
WIRE_SLOTS: tuple[str, ...] = (
    "a0", "a1", "a2", "a3", "retval", "str", "path2", "addr", "addr_lo", "addr_hi",
)  # fmt: skip
INT_SLOTS: tuple[str, ...] = ("a0", "a1", "a2", "a3", "retval", "addr_lo", "addr_hi")
# Integer columns where a negative value means "none" (no fd, id left unchanged): null.
NEGATIVE_IS_NULL: frozenset[str] = frozenset(
    {"fd", "new_uid", "new_gid", "real_uid", "saved_uid", "real_gid", "saved_gid"}
)


class Slot:
    """One slot of one kind of record: the column it fills (None: the decoder may use it
    but stores it nowhere), what it means, and the name the BPF programs know it by (the
    column's, unless given; see :data:`SLOT_NUMBERS`)."""

    __slots__ = ("column", "meaning", "name")

    def __init__(self, column: str | None, meaning: str, name: str | None = None) -> None:
        label = name if name is not None else column
        if label is None:
            raise ValueError(f"a slot that fills no column needs a name: {meaning!r}")
        self.column = column
        self.meaning = meaning
        self.name = label

    def __repr__(self) -> str:
        return f"Slot({self.column!r}, {self.meaning!r}, name={self.name!r})"


# file_utime: a time the call set, in ns since the epoch; two values are not times. The
# kernel side gets them as -D flags (settings.py) and clamps real times to the range above.
TIME_NOW = -(2**63) + 1  # UTIME_NOW, or no times given at all: the file's time becomes now
TIME_OMIT = -(2**63) + 2  # UTIME_OMIT: this time is left as it is
TIME_MIN = -(2**63) + 3  # the earliest time stored (earlier ones are clamped to it)

# Names of the numbers some calls take, for the string columns they fill; a number not
# listed is stored as ``type_N``.
SOCKET_TYPES: dict[int, str] = {
    1: "stream", 2: "dgram", 3: "raw", 4: "rdm", 5: "seqpacket", 6: "dccp", 10: "packet",
}  # fmt: skip
BPF_CMD_MAP_CREATE = 0
BPF_CMD_PROG_LOAD = 5
BPF_PROG_TYPES: tuple[str, ...] = (
    "unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
    "perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops",
    "sk_skb", "cgroup_device", "sk_msg", "raw_tracepoint", "cgroup_sock_addr",
    "lwt_seg6local", "lirc_mode2", "sk_reuseport", "flow_dissector", "cgroup_sysctl",
    "raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops", "ext", "lsm",
    "sk_lookup", "syscall", "netfilter",
)  # fmt: skip
BPF_MAP_TYPES: tuple[str, ...] = (
    "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
    "percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie",
    "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash",
    "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack",
    "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage", "task_storage",
    "bloom_filter", "user_ringbuf", "cgrp_storage", "arena",
)  # fmt: skip

# Slots the decoder reads but does not store.
DIRFD = Slot(None, "directory fd the path is relative to (AT_FDCWD: the cwd)", "dirfd")
DIRFD2 = Slot(None, "directory fd the second path is relative to (AT_FDCWD: the cwd)", "dirfd2")
SOCKLEN = Slot(None, "sockaddr length (bounds a unix socket path)", "socklen")
OLD_TID = Slot(None, "thread id before exec (finds the argv aux records)", "old_tid")

_PATH = Slot("path", "the path the call names")
_FLAGS = Slot("flags", "the call's flags")
_MODE = Slot("mode", "the mode asked for")
_FD = Slot("fd", "the fd argument")
_FD_RET = Slot("fd", "the fd returned")
_SOCKADDR = {
    "a0": Slot("family", "address family (AF_*)"),
    "a1": Slot("port", "port, host order (inet, inet6)"),
    "a2": SOCKLEN,
    "str": Slot("path", "unix socket path (abstract names start with @)"),
    "addr": Slot("addr", "IPv4 (4 bytes) or IPv6 address"),
}

# (kind, its syscalls, slot -> Slot). A kind may have several entries when its syscalls
# fill different slots; every (kind, syscall) appears once.
WIRE_TABLE: tuple[tuple[EventKind, tuple[str, ...], dict[str, Slot]], ...] = (
    (
        EventKind.PROCESS_FORK,
        ("clone", "clone3", "fork", "vfork"),
        {"a0": Slot("flags", "clone flags"), "a1": Slot("pid", "the new process's tgid")},
    ),
    (
        EventKind.PROCESS_EXEC,
        ("execve", "execveat"),
        {
            "a0": Slot("flags", "execveat AT_* flags"),
            "a1": OLD_TID,
            "a2": Slot(None, "directory fd of the path", "dirfd"),
            "retval": Slot("retval", "0, or the negative errno of a failed exec"),
            "str": Slot("path", "the file executed"),
        },
    ),
    (
        EventKind.PROCESS_EXIT,
        ("",),
        {
            "a0": Slot("exit_code", "exit status (low 8 bits kept)"),
            "a1": Slot("signal", "fatal signal (exit_code is then -signal)"),
        },
    ),
    (
        EventKind.FILE_OPEN,
        ("open", "openat", "openat2", "creat"),
        {"a0": _FLAGS, "a1": _MODE, "a2": DIRFD, "retval": _FD_RET, "str": _PATH},
    ),
    (
        EventKind.FILE_UNLINK,
        ("unlink", "unlinkat", "rmdir"),
        {"a0": Slot("flags", "unlinkat flags (AT_REMOVEDIR for rmdir)"), "a2": DIRFD, "str": _PATH},
    ),
    (
        EventKind.FILE_RENAME,
        ("rename", "renameat", "renameat2"),
        {
            "a0": Slot("flags", "renameat2 flags"),
            "a2": DIRFD,
            "a3": DIRFD2,
            "str": Slot("path", "the old name"),
            "path2": Slot("path2", "the new name"),
        },
    ),
    (
        EventKind.FILE_LINK,
        ("link", "linkat"),
        {
            "a0": Slot("flags", "linkat flags"),
            "a2": DIRFD,
            "a3": DIRFD2,
            "str": Slot("path", "the new link"),
            "path2": Slot("path2", "the file linked to"),
        },
    ),
    (
        EventKind.FILE_LINK,
        ("symlink", "symlinkat"),
        {
            "a0": Slot("flags", "always 0"),
            "a2": DIRFD,
            "str": Slot("path", "the new link"),
            "path2": Slot("path2", "the link's target text, as given"),
        },
    ),
    (
        EventKind.FILE_MKDIR,
        ("mkdir", "mkdirat"),
        {"a1": _MODE, "a2": DIRFD, "str": _PATH},
    ),
    (
        EventKind.FILE_CHMOD,
        ("chmod", "fchmodat", "fchmodat2"),
        {"a0": Slot("flags", "fchmodat2 flags"), "a1": _MODE, "a2": DIRFD, "str": _PATH},
    ),
    (
        EventKind.FILE_CHMOD,
        ("fchmod",),
        {"a0": Slot("flags", "always 0"), "a1": _MODE, "a3": _FD},
    ),
    (
        EventKind.FILE_CHOWN,
        ("chown", "lchown", "fchownat"),
        {
            "a0": Slot("new_uid", "new owner (-1: unchanged)"),
            "a1": Slot("new_gid", "new group (-1: unchanged)"),
            "a2": DIRFD,
            "str": _PATH,
        },
    ),
    (
        EventKind.FILE_CHOWN,
        ("fchown",),
        {
            "a0": Slot("new_uid", "new owner (-1: unchanged)"),
            "a1": Slot("new_gid", "new group (-1: unchanged)"),
            "a3": _FD,
        },
    ),
    (
        EventKind.FILE_TRUNCATE,
        ("truncate",),
        {"a0": Slot("length", "new length"), "a2": DIRFD, "str": _PATH},
    ),
    (
        EventKind.FILE_TRUNCATE,
        ("ftruncate",),
        {"a0": Slot("length", "new length"), "a3": _FD},
    ),
    (
        EventKind.MEMFD_CREATE,
        ("memfd_create",),
        {
            "a0": _FLAGS,
            "retval": _FD_RET,
            "str": Slot("path", "the memfd's name, stored as memfd:NAME"),
        },
    ),
    (EventKind.CHDIR, ("chdir",), {"str": Slot("path", "the new cwd, made absolute")}),
    (EventKind.CHDIR, ("fchdir",), {"a3": Slot("fd", "fd of the new cwd")}),
    (
        EventKind.DUP,
        ("dup2", "dup3"),
        {"a0": Slot("flags", "dup3 flags"), "a3": Slot("fd", "the old fd (retval: the new one)")},
    ),
    (EventKind.NET_CONNECT, ("connect",), {**_SOCKADDR, "a3": Slot("fd", "the socket")}),
    (
        EventKind.NET_ACCEPT,
        ("accept", "accept4"),
        {
            **_SOCKADDR,
            "a3": Slot(None, "the listening socket (fd holds the accepted one)", "listen_fd"),
            "retval": Slot("fd", "the accepted socket"),
        },
    ),
    (EventKind.NET_BIND, ("bind",), {**_SOCKADDR, "a3": Slot("fd", "the socket")}),
    (
        EventKind.NET_LISTEN,
        ("listen",),
        {
            "a0": Slot("family", "address family of the socket (AF_*), read from the kernel"),
            "a1": Slot("port", "the local port it listens on (also when bound to port 0)"),
            "a2": Slot(None, "backlog: not stored", "backlog"),
            "a3": Slot("fd", "the socket"),
            "addr": Slot("addr", "the local address it listens on (IPv4 or IPv6)"),
        },
    ),
    (
        EventKind.NET_SOCKET,
        ("socket",),
        {
            "a0": Slot("family", "address family (AF_*)"),
            "a1": Slot("socket_type", "socket type (SOCK_*), named"),
            "a2": Slot("protocol", "protocol (packet sockets: the ethertype, host order)"),
            "a3": Slot("flags", "SOCK_NONBLOCK and SOCK_CLOEXEC as given in the type"),
            "retval": _FD_RET,
        },
    ),
    (
        EventKind.CRED_CHANGE,
        ("setuid", "setfsuid"),
        {"a0": Slot("new_uid", "the uid asked for")},
    ),
    (
        EventKind.CRED_CHANGE,
        ("setgid", "setfsgid"),
        {"a1": Slot("new_gid", "the gid asked for")},
    ),
    (
        EventKind.CRED_CHANGE,
        ("setreuid",),
        {
            "a0": Slot("new_uid", "effective uid (-1: unchanged)"),
            "a2": Slot("real_uid", "real uid (-1: unchanged)"),
        },
    ),
    (
        EventKind.CRED_CHANGE,
        ("setregid",),
        {
            "a1": Slot("new_gid", "effective gid (-1: unchanged)"),
            "a2": Slot("real_gid", "real gid (-1: unchanged)"),
        },
    ),
    (
        EventKind.CRED_CHANGE,
        ("setresuid",),
        {
            "a0": Slot("new_uid", "effective uid (-1: unchanged)"),
            "a2": Slot("real_uid", "real uid (-1: unchanged)"),
            "a3": Slot("saved_uid", "saved uid (-1: unchanged)"),
        },
    ),
    (
        EventKind.CRED_CHANGE,
        ("setresgid",),
        {
            "a1": Slot("new_gid", "effective gid (-1: unchanged)"),
            "a2": Slot("real_gid", "real gid (-1: unchanged)"),
            "a3": Slot("saved_gid", "saved gid (-1: unchanged)"),
        },
    ),
    (
        EventKind.CRED_CHANGE,
        ("capset",),
        {"a0": Slot("flags", "effective capabilities set (64-bit mask)")},
    ),
    (
        EventKind.PTRACE,
        ("ptrace",),
        {"a0": Slot("flags", "ptrace request"), "a1": Slot("target_pid", "the traced pid")},
    ),
    (
        EventKind.PROCESS_VM_WRITE,
        ("process_vm_writev",),
        {"a1": Slot("target_pid", "the process written to")},
    ),
    (
        EventKind.MODULE_LOAD,
        ("init_module", "finit_module"),
        {"a0": Slot("flags", "finit_module flags"), "a3": Slot("fd", "finit_module's file")},
    ),
    (
        EventKind.MODULE_UNLOAD,
        ("delete_module",),
        {"a0": Slot("flags", "O_* flags"), "str": Slot("path", "the module name")},
    ),
    (
        EventKind.BPF,
        ("bpf",),
        {
            "a0": Slot("flags", "bpf command (BPF_*)"),
            "a1": Slot("bpf_type", "PROG_LOAD: the program type; MAP_CREATE: the map type"),
            "a2": Slot("length", "PROG_LOAD: the number of instructions"),
            "str": Slot("name", "PROG_LOAD, MAP_CREATE: the object's name (15 bytes at most)"),
        },
    ),
    (
        EventKind.FILE_UTIME,
        ("utimensat", "futimesat", "utimes", "utime"),
        {
            "a0": Slot("flags", "utimensat flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH)"),
            "a2": DIRFD,
            "a3": Slot("fd", "the file's fd when the call names no path (futimens), else -1"),
            "str": Slot("path", "the file (null when the call names no path)"),
            "addr_lo": Slot("atime", "access time set, ns since the epoch (TIME_NOW, TIME_OMIT)"),
            "addr_hi": Slot("mtime", "modification time set, likewise"),
        },
    ),
    (
        EventKind.COMM_CHANGE,
        ("prctl", "write", "writev", "pwrite64", "pwritev", "pwritev2"),
        {
            "a1": Slot("target_pid", "the thread renamed (its tid)"),
            "str": Slot("name", "the new name"),
            "addr": Slot("old_name", "the name before (16 bytes, NUL-padded)"),
        },
    ),
    (
        EventKind.MOUNT,
        ("mount",),
        {
            "a0": Slot("flags", "mount flags"),
            "a2": DIRFD,
            "str": Slot("path", "the mount point"),
            "path2": Slot("path2", "the source, as given"),
        },
    ),
    (
        EventKind.UMOUNT,
        ("umount",),
        {"a0": Slot("flags", "umount2 flags"), "a2": DIRFD, "str": Slot("path", "the mount point")},
    ),
    (EventKind.UNSHARE, ("unshare",), {"a0": Slot("flags", "CLONE_NEW* flags")}),
    (
        EventKind.SETNS,
        ("setns",),
        {"a0": Slot("flags", "namespace type"), "a3": Slot("fd", "the namespace fd")},
    ),
    (
        EventKind.KILL,
        ("kill",),
        {"a0": Slot("signal", "the signal"), "a1": Slot("target_pid", "the pid signalled")},
    ),
    (
        EventKind.KILL,
        ("tkill", "tgkill"),
        {
            "a0": Slot("signal", "the signal"),
            "a1": Slot("target_pid", "tkill: the thread; tgkill: its thread group"),
            "a2": Slot(None, "the thread signalled: not stored", "tid"),
        },
    ),
    (
        EventKind.MPROTECT_EXEC,
        ("mprotect",),
        {
            "a0": Slot("flags", "the new protection (PROT_EXEC among it)"),
            "a1": Slot(None, "start address: not stored", "start"),
            "a2": Slot(None, "length: not stored", "size"),
        },
    ),
)


# Aux records: what their slots hold (the event they belong to fills the column).
ARG_POSITION = Slot("argv", "position of the entry in argv", "position")
AUX_SLOTS: dict[AuxRecord, dict[str, Slot]] = {
    AuxRecord.EXEC_ARG: {"a0": ARG_POSITION, "str": Slot("argv", "one argv entry")},
    AuxRecord.EXEC_ENV: {"str": Slot("env", "one environment entry kept (ENV_PREFIXES)")},
    AuxRecord.PATH2: {"str": Slot("path2", "the second path of the thread's next event")},
}


def _wire_contract() -> dict[tuple[EventKind, str], dict[str, Slot]]:
    out: dict[tuple[EventKind, str], dict[str, Slot]] = {}
    for kind, syscalls, slots in WIRE_TABLE:
        for name, slot in slots.items():
            if name not in WIRE_SLOTS:
                raise ValueError(f"{kind.label}: unknown wire slot {name!r}")
            if slot.column is not None and slot.column not in EVENT_COLUMNS:
                raise ValueError(f"{kind.label}.{name}: unknown column {slot.column!r}")
        for syscall in syscalls:
            if syscall and syscall not in SYSCALL_NUMBER:
                raise ValueError(f"{kind.label}: unknown syscall {syscall!r}")
            if (kind, syscall) in out:
                raise ValueError(f"{kind.label}/{syscall} is in WIRE_TABLE twice")
            out[(kind, syscall)] = slots
    missing = set(EventKind) - {k for k, _ in out} - {EventKind.PROCESS_SNAPSHOT}
    if missing:
        raise ValueError(f"no wire slots for {sorted(k.label for k in missing)}")
    return out


# (kind, syscall) -> slot -> Slot. Syscall "" is a record made outside a syscall.
WIRE_CONTRACT: dict[tuple[EventKind, str], dict[str, Slot]] = _wire_contract()


# The generic argument slots a0..a3, numbered as the BPF programs index them.
ARG_SLOTS: tuple[str, ...] = ("a0", "a1", "a2", "a3")


def _slot_numbers() -> dict[str, int]:
    """``SLOT_<KIND>_<name>`` -> the argument slot (0..3) that holds ``name`` in records of
    that kind (aux records: ``SLOT_AUX_<NAME>_<name>``). A name must sit in the same slot
    in every syscall of its kind, so that code shared by those syscalls can use it."""
    out: dict[str, int] = {}
    entries = [(kind.name, slots) for kind, _, slots in WIRE_TABLE]
    entries += [(f"AUX_{aux.name}", slots) for aux, slots in AUX_SLOTS.items()]
    for kind_name, slots in entries:
        for slot_name, slot in slots.items():
            if slot_name not in ARG_SLOTS:
                continue
            if not slot.name.isidentifier():
                raise ValueError(f"{kind_name}.{slot_name}: {slot.name!r} is no C name")
            define = f"SLOT_{kind_name}_{slot.name}"
            number = ARG_SLOTS.index(slot_name)
            if out.setdefault(define, number) != number:
                raise ValueError(f"{define} is slot a{out[define]} and {slot_name}")
        names = [s.name for n, s in slots.items() if n in ARG_SLOTS]
        if len(names) != len(set(names)):
            raise ValueError(f"{kind_name}: a name in two slots of one record: {names}")
    return out


# What the BPF programs get as -D flags: which slot holds each named value, per kind.
SLOT_NUMBERS: dict[str, int] = _slot_numbers()
