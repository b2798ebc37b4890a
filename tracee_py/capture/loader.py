"""Compiling and attaching the BPF programs with bcc.

bcc is Debian's ``python3-bpfcc`` (not on PyPI), imported lazily so that everything that
does not capture (queries, signatures) works without it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracee_py.capture.headers import kernel_source_for_bcc
from tracee_py.capture.kernel import Hooks, KernelFeatures, choose_hooks, probe_kernel
from tracee_py.capture.settings import CaptureSettings, build_cflags
from tracee_py.errors import CaptureError
from tracee_py.schema import AuxRecord, EventKind

BPF_DIR = Path(__file__).resolve().parent.parent.parent / "bpf"
MAIN_SOURCE = "tracee.bpf.c"
# bcc rewrites map calls and generates tracepoint argument structs only in its main
# translation unit, so the shared header and the family files are joined, in this order,
# into one text instead of being #included.
PROGRAM_SOURCES = ("common.h", "process.bpf.c", "file.bpf.c", "net.bpf.c", "system.bpf.c")
# Warnings that recent kernel headers raise under bcc's clang and that say nothing about
# our programs; without these flags every start prints them.
QUIET_HEADER_WARNINGS = ("-Wno-ignored-attributes", "-Wno-duplicate-decl-specifier")


def program_text(src: Path) -> str:
    parts = []
    for name in PROGRAM_SOURCES:
        parts.append(f"/* ---- {name} ---- */\n")
        parts.append((src / name).read_text())
    return "".join(parts)


def bpf_source_dir() -> Path:
    """The bpf/ directory: next to the package in a checkout, or installed data."""
    override = os.environ.get("TRACEE_PY_BPF_DIR")
    path = Path(override) if override else BPF_DIR
    if not (path / MAIN_SOURCE).is_file():
        raise CaptureError(f"BPF sources not found in {path} (set TRACEE_PY_BPF_DIR)")
    return path


def check_privileges() -> None:
    """Fail early, with one clear sentence, when this process may not load BPF."""
    if os.geteuid() != 0:
        raise CaptureError("recording needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)")


@dataclass(frozen=True)
class ProgramPlan:
    """What will be compiled, and why: the probed kernel, the hooks chosen, the flags."""

    kernel: KernelFeatures
    hooks: Hooks
    source_dir: Path
    cflags: list[str]

    @property
    def text(self) -> str:
        """The exact program text handed to bcc."""
        return program_text(self.source_dir)

    def describe(self) -> str:
        """One line for the status: how syscalls are hooked and what the kernel lacks."""
        k = self.kernel
        hooks = (
            "fentry/fexit (syscall fast path kept)"
            if self.hooks is Hooks.FAST
            else "syscall tracepoints"
        )
        lacks = [n for n, ok, _ in k.capabilities(self.hooks) if not ok]
        text = f"kernel {k.release}, hooks: {hooks}, exits: {k.group_dead}"
        return text + (f"; lacks {', '.join(lacks)}" if lacks else "")

    def dump(self) -> str:
        """How the kernel was read, the ``-D`` flags and the program text, exactly as
        :class:`LoadedProgram` hands them to bcc (bcc adds include paths of its own)."""
        return f"/* {self.describe()} */\n/* cflags: {' '.join(self.cflags)} */\n{self.text}"


def plan_program(settings: CaptureSettings) -> ProgramPlan:
    """Probe the kernel and decide how to build the programs (no compiling yet)."""
    check_privileges()
    kernel = probe_kernel()
    hooks = choose_hooks(settings.hooks, kernel)
    src = bpf_source_dir()
    return ProgramPlan(
        kernel,
        hooks,
        src,
        [*build_cflags(settings, kernel, hooks), f"-I{src}", *QUIET_HEADER_WARNINGS],
    )


@contextlib.contextmanager
def _bcc_kernel_source(path: Path | None) -> Iterator[None]:
    """bcc reads BCC_KERNEL_SOURCE while it compiles; set it for that long only."""
    if path is None or os.environ.get("BCC_KERNEL_SOURCE") == str(path):
        yield
        return
    os.environ["BCC_KERNEL_SOURCE"] = str(path)
    try:
        yield
    finally:
        del os.environ["BCC_KERNEL_SOURCE"]


def dump_program(settings: CaptureSettings) -> str:
    """What ``record --dump-bpf`` shows: :meth:`ProgramPlan.dump` of the plan a recording
    with these settings compiles (SELF_TGID is this process's)."""
    return plan_program(settings).dump()


def import_bcc() -> Any:
    try:
        import bcc  # type: ignore[import-not-found]
    except ImportError as exc:
        raise CaptureError(
            "bcc is not importable: apt-get install python3-bpfcc, and use a Python that "
            "sees Debian's dist-packages (a venv made with --system-site-packages)"
        ) from exc
    return bcc


@dataclass
class CompileInfo:
    plan: ProgramPlan
    kernel_source: Path | None
    seconds: float


class LoadedProgram:
    """The attached programs and the maps user space talks to."""

    def __init__(self, settings: CaptureSettings, plan: ProgramPlan | None = None) -> None:
        plan = plan or plan_program(settings)
        bcc = import_bcc()
        self.settings = settings
        kernel_source = kernel_source_for_bcc()
        t0 = time.monotonic()
        try:
            with _bcc_kernel_source(kernel_source):
                self.bpf = bcc.BPF(text=plan.text.encode(), cflags=plan.cflags)
        except Exception as exc:  # bcc raises bare Exception on compile/load/attach errors
            raise CaptureError(f"loading the BPF programs failed: {exc}") from exc
        self.info = CompileInfo(plan, kernel_source, time.monotonic() - t0)
        self.ring = self.bpf[b"events"]
        self.ring_size = settings.ringbuf_pages * os.sysconf("SC_PAGE_SIZE")
        self._lost = self.bpf[b"lost"]
        if settings.comm:
            table = self.bpf[b"comm_filter"]
            value = table.Leaf()
            raw = settings.comm.encode()[:15]
            ctypes.memmove(ctypes.addressof(value), raw, len(raw))
            table[ctypes.c_int(0)] = value

    @property
    def ring_fd(self) -> int:
        return int(self.ring.map_fd)

    def follow(self, tgid: int) -> None:
        """Record this process and (in the kernel) every descendant it forks."""
        table = self.bpf[b"followed"]
        table[ctypes.c_uint32(tgid)] = ctypes.c_uint8(1)

    def lost_counts(self) -> dict[int, int]:
        """Total reservations that failed, per wire kind (all CPUs summed)."""
        out: dict[int, int] = {}
        for key, values in self._lost.items():
            total = sum(int(v) for v in values)
            if total:
                out[int(key.value)] = total
        return out

    def close(self) -> None:
        self.bpf.cleanup()


def lost_by_label(lost: dict[int, int]) -> dict[str, int]:
    """Wire kinds to labels; aux records count against the event they belong to."""
    out: dict[str, int] = {}
    for kind, n in lost.items():
        if kind in EventKind._value2member_map_:
            label = EventKind(kind).label
        elif kind in (AuxRecord.EXEC_ARG, AuxRecord.EXEC_ENV):
            label = "process_exec"
        elif kind == AuxRecord.PATH2:
            label = "path2"
        else:
            label = f"kind_{kind}"
        out[label] = out.get(label, 0) + n
    return out
