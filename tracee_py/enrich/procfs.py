"""Reading processes from /proc: the start-of-recording snapshot and late discoveries."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcSnapshot:
    pid: int
    ppid: int
    start_ticks: int  # /proc/PID/stat field 22: clock ticks since boot
    comm: str
    exe: str | None
    cwd: str | None
    argv: list[str]
    uid: int | None
    gid: int | None


def _readlink(path: Path) -> str | None:
    try:
        target = os.readlink(path)
    except OSError:
        return None
    # A deleted executable reads as "/path (deleted)": keep it, it is evidence.
    return target


def read_process(pid: int, proc: Path = Path("/proc")) -> ProcSnapshot | None:
    """One process, or None when it is gone (or is a thread id, not a process)."""
    base = proc / str(pid)
    try:
        stat = (base / "stat").read_bytes()
        status = (base / "status").read_text(errors="replace")
    except OSError:
        return None
    # comm may contain spaces and parentheses: split at the last ')'.
    close = stat.rfind(b")")
    comm = stat[stat.find(b"(") + 1 : close].decode(errors="replace")
    fields = stat[close + 2 :].split()
    ppid = int(fields[1])
    start_ticks = int(fields[19])
    uid = gid = tgid = None
    for line in status.splitlines():
        if line.startswith("Uid:"):
            uid = int(line.split()[1])
        elif line.startswith("Gid:"):
            gid = int(line.split()[1])
        elif line.startswith("Tgid:"):
            tgid = int(line.split()[1])
    if tgid is not None and tgid != pid:
        return None
    try:
        raw = (base / "cmdline").read_bytes()
    except OSError:
        raw = b""
    argv = [a.decode(errors="backslashreplace") for a in raw.split(b"\0")[:-1]] if raw else []
    return ProcSnapshot(
        pid=pid,
        ppid=ppid,
        start_ticks=start_ticks,
        comm=comm,
        exe=_readlink(base / "exe"),
        cwd=_readlink(base / "cwd"),
        argv=argv,
        uid=uid,
        gid=gid,
    )


def list_processes(proc: Path = Path("/proc")) -> list[ProcSnapshot]:
    """Every process alive now, parents before children where the pids allow."""
    out = []
    for entry in os.listdir(proc):
        if entry.isdigit():
            snap = read_process(int(entry), proc)
            if snap is not None:
                out.append(snap)
    out.sort(key=lambda s: (s.start_ticks, s.pid))
    return out


def boot_id() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
