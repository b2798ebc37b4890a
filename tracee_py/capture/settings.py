"""Capture settings and the ``-D`` compiler flags built from them.

Every value that reaches the BPF compiler is an integer validated here; no text is ever
substituted into C source.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from tracee_py.capture.kernel import OPTIONAL_SYSCALLS, GroupDead, Hooks, KernelFeatures
from tracee_py.capture.wire import SLOT_SIZE
from tracee_py.errors import UsageError
from tracee_py.schema import (
    ARGV_MAX,
    ENV_PREFIX_MAX,
    ENV_PREFIXES,
    ENV_SCAN_MAX,
    LIFECYCLE_KINDS,
    SLOT_NUMBERS,
    STR_MAX,
    SYSCALL_NUMBER,
    TIME_MIN,
    TIME_NOW,
    TIME_OMIT,
    AuxRecord,
    EventKind,
)

# Environment prefixes the kernel side can compare (ENV_PREFIX_n in bpf/process.bpf.c).
ENV_PREFIX_SLOTS = 4
MIN_RINGBUF_MB = 1
MAX_RINGBUF_MB = 1024
# 32 MiB holds about 89k records: a 1M-event burst on 2 cores loses nothing even at 16 MiB
# (benchmarks/README.md). The whole ring counts in the recorder's resident memory.
DEFAULT_RINGBUF_MB = 32


@dataclass(frozen=True)
class CaptureSettings:
    self_tgid: int = field(default_factory=os.getpid)
    kinds: frozenset[EventKind] = frozenset(EventKind)
    uid: int | None = None
    cgroup_id: int | None = None
    comm: str | None = None
    follow: bool = False
    ringbuf_mb: int = DEFAULT_RINGBUF_MB
    pending_max: int = 16384
    follow_max: int = 65536
    hooks: Hooks = Hooks.AUTO

    def __post_init__(self) -> None:
        if self.uid is not None and not 0 <= self.uid < 2**32 - 1:
            raise UsageError(f"--uid must be between 0 and 4294967294, got {self.uid}")
        if self.cgroup_id is not None and not 0 < self.cgroup_id < 2**64:
            raise UsageError(f"cgroup id must be a positive 64-bit integer, got {self.cgroup_id}")
        if self.comm is not None and not 0 < len(self.comm.encode()) <= 15:
            raise UsageError("--comm must be 1 to 15 bytes (the kernel's comm length)")
        mb = self.ringbuf_mb
        if not MIN_RINGBUF_MB <= mb <= MAX_RINGBUF_MB or mb & (mb - 1):
            raise UsageError(
                f"--ringbuf-mb must be a power of two between {MIN_RINGBUF_MB} and "
                f"{MAX_RINGBUF_MB}, got {mb}"
            )

    @property
    def ringbuf_pages(self) -> int:
        return self.ringbuf_mb * 1024 * 1024 // os.sysconf("SC_PAGE_SIZE")

    @property
    def wake_every(self) -> int:
        """Records a CPU submits between two wake-ups it forces on the drain thread.

        The drain thread sleeps on the ring buffer between reads; records are submitted
        without waking it, but every ``wake_every``-th record of a CPU does. A power of two
        (a mask in the kernel), small enough that all CPUs together fill at most a quarter
        of the ring before one of them wakes the reader.
        """
        records = self.ringbuf_mb * 1024 * 1024 // SLOT_SIZE
        share = max(1, records // (4 * (os.cpu_count() or 1)))
        return 1 << (share.bit_length() - 1)

    def effective_kinds(self) -> frozenset[EventKind]:
        return self.kinds | LIFECYCLE_KINDS


def env_prefix_words(prefixes: tuple[str, ...] = ENV_PREFIXES) -> list[tuple[int, int]]:
    """(little-endian word, mask) per prefix slot: what the kernel compares the first bytes
    of each environment entry with. Unused slots are (0, 0)."""
    if len(prefixes) > ENV_PREFIX_SLOTS:
        raise ValueError(f"at most {ENV_PREFIX_SLOTS} environment prefixes")
    words = []
    for prefix in prefixes:
        raw = prefix.encode()
        if not 0 < len(raw) <= ENV_PREFIX_MAX or b"\0" in raw:
            raise ValueError(f"environment prefix {prefix!r}: 1 to {ENV_PREFIX_MAX} bytes, no NUL")
        words.append((int.from_bytes(raw, "little"), (1 << (8 * len(raw))) - 1))
    return words + [(0, 0)] * (ENV_PREFIX_SLOTS - len(words))


def parse_kinds(text: str | None) -> frozenset[EventKind]:
    """``--events file_open,net_connect`` or family names ``file,net,process,system``."""
    if not text:
        return frozenset(EventKind)
    families = {
        "process": [k for k in EventKind if k.label.startswith("process_")]
        + [EventKind.CHDIR, EventKind.COMM_CHANGE],
        "file": [k for k in EventKind if k.label.startswith("file_")]
        + [EventKind.MEMFD_CREATE, EventKind.DUP],
        "net": [k for k in EventKind if k.label.startswith("net_")],
    }
    families["system"] = [k for k in EventKind if not any(k in v for v in families.values())]
    chosen: set[EventKind] = set()
    for word in (w.strip() for w in text.split(",")):
        if not word:
            continue
        if word in families:
            chosen.update(families[word])
            continue
        try:
            chosen.add(EventKind[word.upper()])
        except KeyError:
            known = ", ".join(sorted(families)) + ", " + ", ".join(k.label for k in EventKind)
            raise UsageError(f"unknown event kind {word!r}; known: {known}") from None
    return frozenset(chosen)


def build_cflags(settings: CaptureSettings, kernel: KernelFeatures, hooks: Hooks) -> list[str]:
    """The complete list of ``-D`` flags; every value is an int formatted by us.

    ``kernel`` is what the running kernel was probed to offer and ``hooks`` the syscall
    hooks chosen from it (:func:`tracee_py.capture.kernel.choose_hooks`).
    """
    if hooks is Hooks.AUTO:
        raise ValueError("choose the hooks before building flags")
    mask = 0
    for kind in settings.effective_kinds():
        mask |= 1 << int(kind)
    defines: dict[str, int] = {
        "STR_MAX": STR_MAX,
        "ARGV_MAX": ARGV_MAX,
        "ENV_SCAN_MAX": ENV_SCAN_MAX,
        "SELF_TGID": settings.self_tgid,
        "FILTER_UID": -1 if settings.uid is None else settings.uid,
        "FILTER_CGROUP": settings.cgroup_id or 0,
        "FILTER_COMM": 1 if settings.comm else 0,
        "FILTER_FOLLOW": 1 if settings.follow else 0,
        "RINGBUF_PAGES": settings.ringbuf_pages,
        "WAKE_EVERY": settings.wake_every,
        "PENDING_MAX": settings.pending_max,
        "FOLLOW_MAX": settings.follow_max,
        "KIND_MASK": mask,
        "HOOKS_FAST": 1 if hooks is Hooks.FAST else 0,
        "HAVE_TASK_STORAGE": 1 if kernel.task_storage else 0,
        "SYS_ARGS_OFFSET": kernel.syscall_args.first_offset,
        "GROUP_DEAD_FROM_TRACEPOINT": 1 if kernel.group_dead is GroupDead.TRACEPOINT else 0,
        "GROUP_DEAD_FROM_HEADERS": 1 if kernel.group_dead is GroupDead.HEADERS else 0,
    }
    defines["HAVE_TASK_PT_REGS"] = 1 if kernel.task_pt_regs else 0
    defines["HAVE_SOCKET_OFFSETS"] = 1 if kernel.socket_offsets else 0
    for name, offset in kernel.socket_offsets:
        defines[name] = offset
    defines["TIME_NOW_NS"] = TIME_NOW
    defines["TIME_OMIT_NS"] = TIME_OMIT
    defines["TIME_MIN_NS"] = TIME_MIN
    if kernel.group_dead is GroupDead.BTF:
        defines["TASK_SIGNAL_OFFSET"] = kernel.task_signal_offset
        defines["SIGNAL_LIVE_OFFSET"] = kernel.signal_live_offset
    for kind in EventKind:
        defines[f"K_{kind.name}"] = int(kind)
    for aux in AuxRecord:
        defines[f"K_AUX_{aux.name}"] = int(aux)
    for name, number in SYSCALL_NUMBER.items():
        defines[f"SC_{name}"] = number
    defines.update(SLOT_NUMBERS)  # which of a0..a3 holds each named value, per kind
    for name in OPTIONAL_SYSCALLS:
        defines[f"HAVE_{name}"] = 1 if name in kernel.optional_syscalls else 0
    unsigned = {"KIND_MASK", "FILTER_CGROUP"}
    for i, (word, mask) in enumerate(env_prefix_words()):
        defines[f"ENV_PREFIX_{i}"] = word
        defines[f"ENV_MASK_{i}"] = mask
        unsigned |= {f"ENV_PREFIX_{i}", f"ENV_MASK_{i}"}
    flags = []
    for name, value in defines.items():
        if not isinstance(value, int):
            raise TypeError(f"{name} must be an int")
        suffix = "ULL" if name in unsigned else ""
        flags.append(f"-D{name}={int(value)}{suffix}")
    return flags
