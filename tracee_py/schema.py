"""The event schema: the one place that defines columns, event kinds and their numbers.

Everything else follows this module: the BPF programs receive the kind and syscall numbers
as ``-D`` compiler flags built from the tables below, the decoder builds Arrow columns in
this order, fixtures and docs are generated from it. Column names are a contract with other
tools; add columns, never rename them.
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

    @property
    def label(self) -> str:
        """The value stored in the ``event`` column, for example ``file_open``."""
        return self.name.lower()


class AuxRecord(IntEnum):
    """Wire records that carry extra data for the next event of the same thread.

    They never become rows of their own: the decoder folds them into the event they belong
    to (argv and environment into ``process_exec``, the second path into rename and link).
    """

    EXEC_ARG = 100
    EXEC_ENV = 101
    PATH2 = 102


EVENT_KINDS: tuple[str, ...] = tuple(k.label for k in EventKind)
KIND_BY_LABEL: dict[str, EventKind] = {k.label: k for k in EventKind}

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
)
SYSCALL_NUMBER: dict[str, int] = {name: i for i, name in enumerate(SYSCALLS) if name}

# Capture caps, documented in docs/schema.md. Reaching one sets the ``truncated`` column.
STR_MAX = 256  # bytes of one path or one argv entry, including the NUL
ARGV_MAX = 32  # argv entries per exec
ENV_SCAN_MAX = 64  # environment entries inspected per exec
ENV_PREFIXES: tuple[str, ...] = ("LD_",)  # environment entries kept (LD_PRELOAD, ...)

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
    ],
    metadata={SCHEMA_METADATA_KEY: str(SCHEMA_VERSION).encode()},
)

EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_SCHEMA.names)

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
