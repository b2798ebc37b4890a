"""What the running kernel offers, probed at start from the kernel itself.

Nothing here is inferred from a version number: tracepoint formats are read from tracefs,
functions and struct layouts from the kernel's BTF, and helpers, map types and program
types by loading the smallest program that answers (``bpfsys``). The result decides how
the BPF programs are built (``-D`` flags), is shown in the status line, and is written
into the dataset as ``capability`` rows of ``stats`` so that ``info`` can say, for each
recording, how it was made and what the kernel could not give.
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from tracee_py.capture import bpfsys
from tracee_py.capture.btf import Btf
from tracee_py.capture.headers import own_headers_available
from tracee_py.errors import CaptureError, UsageError
from tracee_py.schema import NAMED_ONLY_SYSCALLS, SYSCALLS

HELPER_KTIME_GET_BOOT_NS = 125
HELPER_TASK_STORAGE_GET = 156
HELPER_GET_CURRENT_TASK_BTF = 158
HELPER_TASK_PT_REGS = 175

# Syscalls some kernels lack (no CONFIG_MODULES, older kernels): compiled only when present.
OPTIONAL_SYSCALLS = ("fchmodat2", "init_module", "finit_module", "delete_module")
TRACEFS_CANDIDATES = (Path("/sys/kernel/tracing"), Path("/sys/kernel/debug/tracing"))
# The kernel function behind syscall NAME on x86_64 (pt_regs wrappers since 4.17).
SYSCALL_FUNCTION = "__x64_sys_{}"
# With fentry/fexit, these are read from the parent's registers at sched_process_fork
# (bpf/process.bpf.c): their functions need not be in BTF (fork and vfork never are).
FORK_SYSCALLS = frozenset({"clone", "clone3", "fork", "vfork"})
# The function the trampoline probe attaches to (an empty program, for an instant).
_PROBE_FUNCTION = "__x64_sys_openat"


class Hooks(StrEnum):
    """How syscalls are hooked. Process lifecycle stays on sched tracepoints either way."""

    TRACEPOINT = "tracepoint"  # syscalls:sys_enter_*/sys_exit_*: every kernel, slow path on
    FAST = "fast"  # fentry/fexit on the syscall functions: the syscall fast path stays on
    AUTO = "auto"  # fast where the kernel allows it, else tracepoints


class GroupDead(StrEnum):
    """Where ``sched_process_exit`` learns that a whole thread group died."""

    TRACEPOINT = "tracepoint"  # the tracepoint's group_dead field (kernels from 6.16)
    BTF = "btf"  # task->signal->live read at offsets taken from the kernel's BTF
    HEADERS = "headers"  # the same read, with offsets from the running kernel's headers


# Where listen's local address and accept's peer live when the call itself does not say:
# the socket behind the fd, reached as task->files->fdt->fd[fd]->private_data (a struct
# socket)->sk. Offsets from the kernel's BTF; -D name -> (struct, member).
SOCKET_MEMBERS: dict[str, tuple[str, str]] = {
    "OFF_TASK_FILES": ("task_struct", "files"),
    "OFF_FILES_FDT": ("files_struct", "fdt"),
    "OFF_FDT_MAX_FDS": ("fdtable", "max_fds"),
    "OFF_FDT_FD": ("fdtable", "fd"),
    "OFF_FILE_PRIVATE": ("file", "private_data"),
    "OFF_SOCKET_SK": ("socket", "sk"),
    "OFF_SK_COMMON": ("sock", "__sk_common"),
    "OFF_SKC_FAMILY": ("sock_common", "skc_family"),
    "OFF_SKC_NUM": ("sock_common", "skc_num"),
    "OFF_SKC_DPORT": ("sock_common", "skc_dport"),
    "OFF_SKC_DADDR": ("sock_common", "skc_daddr"),
    "OFF_SKC_RCV_SADDR": ("sock_common", "skc_rcv_saddr"),
    "OFF_SKC_V6_DADDR": ("sock_common", "skc_v6_daddr"),
    "OFF_SKC_V6_RCV_SADDR": ("sock_common", "skc_v6_rcv_saddr"),
}


def socket_offsets(btf: Btf | None) -> tuple[tuple[tuple[str, int], ...], str]:
    """(-D name, offset) for every member of SOCKET_MEMBERS, or () and why not."""
    if btf is None:
        return (), "no kernel BTF"
    found = []
    for define, (struct_name, member) in SOCKET_MEMBERS.items():
        offset = btf.member_offset(struct_name, member)
        if offset is None:
            return (), f"no {struct_name}.{member} in BTF"
        found.append((define, offset))
    return tuple(found), ""


@dataclass(frozen=True)
class SyscallArgs:
    """Where a syscall tracepoint's arguments start in its record (from the format file)."""

    first_offset: int = 16


@dataclass(frozen=True)
class KernelFeatures:
    release: str
    tracefs: Path
    btf: bool
    task_storage: bool
    group_dead: GroupDead
    task_signal_offset: int = -1
    signal_live_offset: int = -1
    syscall_args: SyscallArgs = SyscallArgs()
    optional_syscalls: frozenset[str] = frozenset()
    syscall_functions: frozenset[str] = frozenset()  # syscalls with an fexit-able function
    trampolines: str = ""  # '' when fentry/fexit attach, else why not
    task_pt_regs: bool = False  # bpf_task_pt_regs (the fast path reads clone's registers)
    kprobes: bool = False
    bpf_lsm: bool = False
    modules: bool = False
    socket_offsets: tuple[tuple[str, int], ...] = ()  # SOCKET_MEMBERS; () when not found
    socket_offsets_missing: str = ""  # why socket_offsets is empty
    notes: tuple[str, ...] = field(default=())

    @property
    def compiled_syscalls(self) -> frozenset[str]:
        """The syscalls the programs hook here: all of ours, optional ones where present."""
        absent = set(OPTIONAL_SYSCALLS) - self.optional_syscalls
        return frozenset(
            n for n in SYSCALLS if n and n not in absent and n not in NAMED_ONLY_SYSCALLS
        )

    def fast_possible(self) -> str:
        """'' when every compiled syscall can be hooked with fentry/fexit, else why not.

        All or nothing: one attached syscall tracepoint puts every syscall of the node on
        the slow path, so a partly fast recorder would cost as much as a slow one.
        """
        if self.trampolines:
            return f"fentry/fexit: {self.trampolines}"
        if not self.task_pt_regs:
            return "no bpf_task_pt_regs helper"
        missing = sorted(self.compiled_syscalls - self.syscall_functions - FORK_SYSCALLS)
        if missing:
            return "no kernel function for " + ", ".join(missing[:5])
        return ""

    def capabilities(self, hooks: Hooks) -> list[tuple[str, int, str]]:
        """(name, 1 or 0, detail) rows for the dataset and for ``info``."""
        return [
            ("kernel", 1, self.release),
            ("syscall_hooks", 1, str(hooks)),
            ("btf", int(self.btf), "/sys/kernel/btf/vmlinux" if self.btf else "absent"),
            ("task_storage", int(self.task_storage), "" if self.task_storage else "hash map"),
            ("exit_group_dead", 1, str(self.group_dead)),
            ("trampolines", int(not self.trampolines), self.trampolines),
            ("kprobes", int(self.kprobes), ""),
            ("bpf_lsm", int(self.bpf_lsm), ""),
            ("modules", int(self.modules), "" if self.modules else "no module syscalls"),
            ("socket_addresses", int(bool(self.socket_offsets)), self.socket_offsets_missing),
            *(
                (f"syscall:{name}", int(name in self.optional_syscalls), "")
                for name in OPTIONAL_SYSCALLS
            ),
        ]


def tracefs_root() -> Path | None:
    for path in TRACEFS_CANDIDATES:
        if (path / "events" / "syscalls").is_dir():
            return path
    return None


def tracepoint_fields(tracefs: Path, category: str, event: str) -> dict[str, int]:
    """Field name -> offset, from a tracepoint's format file (empty when it is absent)."""
    try:
        text = (tracefs / "events" / category / event / "format").read_text()
    except OSError:
        return {}
    out = {}
    for m in re.finditer(r"field:[^;]*?(\w+)(?:\[[^\]]*\])?;\s*offset:(\d+);", text):
        out[m.group(1)] = int(m.group(2))
    return out


def _syscall_args(tracefs: Path) -> SyscallArgs:
    fields = tracepoint_fields(tracefs, "syscalls", "sys_enter_openat")
    if "dfd" not in fields:
        raise CaptureError(
            "this kernel's syscalls:sys_enter_openat tracepoint has an unexpected format "
            f"(fields: {', '.join(fields) or 'none'})"
        )
    return SyscallArgs(first_offset=fields["dfd"])


def _group_dead(tracefs: Path, btf: Btf | None) -> tuple[GroupDead, int, int]:
    if "group_dead" in tracepoint_fields(tracefs, "sched", "sched_process_exit"):
        return GroupDead.TRACEPOINT, -1, -1
    if btf is not None:
        signal = btf.member_offset("task_struct", "signal")
        live = btf.member_offset("signal_struct", "live")
        if signal is not None and live is not None:
            return GroupDead.BTF, signal, live
    if own_headers_available():
        return GroupDead.HEADERS, -1, -1
    raise CaptureError(
        "cannot tell a process's last thread from its others on this kernel: "
        "sched_process_exit has no group_dead field, and there is neither BTF "
        "(/sys/kernel/btf/vmlinux) nor the running kernel's headers; install "
        f"linux-headers-{platform.release()} or use a kernel built with CONFIG_DEBUG_INFO_BTF"
    )


def _bpf_lsm() -> bool:
    try:
        return "bpf" in Path("/sys/kernel/security/lsm").read_text().split(",")
    except OSError:
        return False


def probe_kernel() -> KernelFeatures:
    """Probe the running kernel. Raises CaptureError naming what a hard requirement lacks."""
    if not Path("/proc/sys/kernel/bpf_stats_enabled").exists() and not Path("/sys/fs/bpf").exists():
        raise CaptureError("this kernel has no BPF support (no /proc/sys/kernel/bpf_*)")
    tracefs = tracefs_root()
    if tracefs is None:
        raise CaptureError(
            "tracefs is not mounted (or the kernel has no syscall tracepoints): "
            "mount -t tracefs nodev /sys/kernel/tracing"
        )
    ok, why = bpfsys.ringbuf_supported()
    if not ok:
        raise CaptureError(
            f"this kernel has no BPF ring buffer ({why}); tracee-py needs Linux 5.8 or later"
        )
    if not bpfsys.helper_supported(HELPER_KTIME_GET_BOOT_NS):
        raise CaptureError("this kernel lacks bpf_ktime_get_boot_ns; tracee-py needs Linux 5.8+")
    btf = Btf.vmlinux()
    events = tracefs / "events" / "syscalls"
    optional = frozenset(n for n in OPTIONAL_SYSCALLS if (events / f"sys_enter_{n}").is_dir())
    group_dead, signal_off, live_off = _group_dead(tracefs, btf)
    functions: frozenset[str] = frozenset()
    tramp = "no kernel BTF"
    if btf is not None:
        functions = frozenset(n for n in SYSCALLS if n and btf.has_func(SYSCALL_FUNCTION.format(n)))
        probe_id = btf.func_id(_PROBE_FUNCTION)
        tramp = (
            bpfsys.trampoline_attachable(probe_id)
            if probe_id is not None
            else f"no {_PROBE_FUNCTION} in BTF"
        )
    sock_offsets, sock_missing = socket_offsets(btf)
    task_storage = btf is not None and all(
        bpfsys.helper_supported(h) for h in (HELPER_TASK_STORAGE_GET, HELPER_GET_CURRENT_TASK_BTF)
    )
    return KernelFeatures(
        release=platform.release(),
        tracefs=tracefs,
        btf=btf is not None,
        task_storage=task_storage,
        group_dead=group_dead,
        task_signal_offset=signal_off,
        signal_live_offset=live_off,
        syscall_args=_syscall_args(tracefs),
        optional_syscalls=optional,
        syscall_functions=functions,
        trampolines=tramp,
        task_pt_regs=btf is not None
        and all(
            bpfsys.helper_supported(h) for h in (HELPER_TASK_PT_REGS, HELPER_GET_CURRENT_TASK_BTF)
        ),
        kprobes=(tracefs / "kprobe_events").exists(),
        bpf_lsm=_bpf_lsm(),
        modules="finit_module" in optional,
        socket_offsets=sock_offsets,
        socket_offsets_missing=sock_missing,
    )


def choose_hooks(requested: Hooks, features: KernelFeatures) -> Hooks:
    """The hooks to use. ``fast`` on a kernel that cannot is an error; ``auto`` falls back."""
    if requested is Hooks.TRACEPOINT:
        return Hooks.TRACEPOINT
    why = features.fast_possible()
    if not why:
        return Hooks.FAST
    if requested is Hooks.FAST:
        raise UsageError(f"--hooks fast is not possible on this kernel: {why}")
    return Hooks.TRACEPOINT
