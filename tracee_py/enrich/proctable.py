"""The process table: what the recorder knows about every live process.

It gives each event its process identity (``process_id``, parent), image (``exe``),
working directory and container/pod, and it writes the lifecycle rows (snapshot, fork,
exec, exit). Parents come from fork records and the start-of-recording snapshot, never
from whatever ppid a process shows later: reparenting to init must not rewrite history.
"""

from __future__ import annotations

import os
import posixpath
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from tracee_py.enrich.hashing import ExeHasher
from tracee_py.enrich.identity import NS_PER_TICK, process_id, start_ticks_from_ns
from tracee_py.enrich.procfs import ProcSnapshot, list_processes, read_process
from tracee_py.schema import CONTAINER_COLUMNS

CONTAINER_FIELDS = CONTAINER_COLUMNS  # what ContainerLookup.fields returns, in this order
HOST_RECHECK_S = 1.0
NO_CONTAINER: tuple[str | None, ...] = (None,) * len(CONTAINER_FIELDS)


class ContainerLookup(Protocol):
    """Container/pod enrichment (tracee_py.enrich.workload.WorkloadLookup): what the table
    asks of it (fields, forget_pid, generation) and what the recorder does with it."""

    def fields(self, cgroup_id: int, pid: int) -> tuple[str | None, ...]: ...

    def forget_pid(self, pid: int) -> None: ...

    @property
    def generation(self) -> int: ...

    def api_status(self) -> tuple[bool, str] | None:
        """Whether the Kubernetes API answers (and why not); None without Kubernetes."""
        ...

    def close(self) -> None: ...


@dataclass
class ProcInfo:
    pid: int
    process_id: int
    ppid: int
    parent_process_id: int | None
    start_ns: int  # wall clock, ns
    comm: str
    exe: str | None
    cwd: str | None
    uid: int | None = None
    gid: int | None = None
    cgroup_id: int | None = None
    container: tuple[str | None, ...] = field(default=NO_CONTAINER)
    container_generation: int = -1
    container_checked: float = 0.0  # time.monotonic() of the last lookup


def resolve_path(path: str | None, cwd: str | None) -> str | None:
    """Absolute path for ``path`` relative to ``cwd`` when it can be known."""
    if not path or path.startswith("/") or not cwd or not cwd.startswith("/"):
        return path
    return posixpath.normpath(posixpath.join(cwd, path))


class ProcessTable:
    def __init__(
        self,
        *,
        node: str,
        boot_id: str,
        boot_wall_ns: int,
        hasher: ExeHasher | None = None,
        containers: ContainerLookup | None = None,
        proc_root: str = "/proc",
    ) -> None:
        self.node = node
        self.boot_id = boot_id
        self.boot_wall_ns = boot_wall_ns  # wall-clock time of boot: boot ns -> wall ns
        self.hasher = hasher or ExeHasher()
        self.containers = containers
        self.proc_root = proc_root
        self._procs: dict[int, ProcInfo] = {}
        self.late_rows: list[dict[str, Any]] = []  # snapshots of processes found late

    def __len__(self) -> int:
        return len(self._procs)

    def __contains__(self, pid: int) -> bool:
        return pid in self._procs

    # -- rows ------------------------------------------------------------------------------

    def _base_row(self, info: ProcInfo, time_ns: int, event: str) -> dict[str, Any]:
        row: dict[str, Any] = {
            "time": time_ns,
            "node": self.node,
            "boot_id": self.boot_id,
            "event": event,
            "pid": info.pid,
            "tid": info.pid,
            "ppid": info.ppid,
            "process_id": info.process_id,
            "parent_process_id": info.parent_process_id,
            "uid": info.uid,
            "gid": info.gid,
            "comm": info.comm,
            "exe": info.exe,
            "cwd": info.cwd,
            "cgroup_id": info.cgroup_id,
            "start_time": info.start_ns,
        }
        row.update(zip(CONTAINER_FIELDS, info.container, strict=True))
        return row

    def _from_snapshot(self, snap: ProcSnapshot) -> ProcInfo:
        parent = self._procs.get(snap.ppid)
        return ProcInfo(
            pid=snap.pid,
            process_id=process_id(self.boot_id, snap.pid, snap.start_ticks),
            ppid=snap.ppid,
            parent_process_id=parent.process_id if parent else None,
            start_ns=self.boot_wall_ns + snap.start_ticks * NS_PER_TICK,
            comm=snap.comm,
            exe=snap.exe,
            cwd=snap.cwd,
            uid=snap.uid,
            gid=snap.gid,
            # Found in /proc, not by an event: the container it is in now (cgroup id 0).
            container=(
                self.containers.fields(0, snap.pid) if self.containers is not None else NO_CONTAINER
            ),
        )

    def _snapshot_row(self, info: ProcInfo, snap: ProcSnapshot, time_ns: int) -> dict[str, Any]:
        row = self._base_row(info, time_ns, "process_snapshot")
        row["argv"] = snap.argv
        row["exe_sha256"] = self.hasher.sha256(_strip_deleted(snap.exe))
        return row

    def snapshot(self, time_ns: int, only: set[int] | None = None) -> list[dict[str, Any]]:
        """Rows for processes alive now (all, or the pids in ``only`` and their ancestors)."""
        snaps = list_processes()
        if only is not None:
            by_pid = {s.pid: s for s in snaps}
            keep: set[int] = set()
            for pid in only:
                while pid in by_pid and pid not in keep:
                    keep.add(pid)
                    pid = by_pid[pid].ppid
            snaps = [s for s in snaps if s.pid in keep]
        rows = []
        for snap in snaps:  # sorted by start time: parents are known before children
            info = self._from_snapshot(snap)
            self._procs[snap.pid] = info
            rows.append(self._snapshot_row(info, snap, time_ns))
        return rows

    def get(self, pid: int, time_ns: int) -> ProcInfo:
        """The process ``pid``; found late in /proc (with a snapshot row) if unknown."""
        info = self._procs.get(pid)
        if info is not None:
            return info
        snap = read_process(pid)
        if snap is None:
            # Gone already: keep what identity we can. Its start time is unknown, so the id
            # is derived from the first time we saw it; the row says so (source inferred).
            info = ProcInfo(
                pid=pid,
                process_id=process_id(self.boot_id, pid, -(time_ns // NS_PER_TICK)),
                ppid=0,
                parent_process_id=None,
                start_ns=time_ns,
                comm="",
                exe=None,
                cwd=None,
            )
            self._procs[pid] = info
            return info
        info = self._from_snapshot(snap)
        self._procs[pid] = info
        self.late_rows.append(self._snapshot_row(info, snap, time_ns))
        return info

    def container_of(self, info: ProcInfo, cgroup_id: int) -> tuple[str | None, ...]:
        if self.containers is None or not cgroup_id:
            return info.container
        generation = self.containers.generation
        now = time.monotonic()
        if info.container[0] is None:
            # On hybrid hosts a runtime may move a process into v1-only container cgroups
            # without changing its v2 cgroup: look again, at most once a second.
            stale = now - info.container_checked >= HOST_RECHECK_S
        else:  # a container whose pod was not known yet: the pod index may know it now
            stale = info.container[3] is None and info.container_generation != generation
        if info.cgroup_id != cgroup_id or info.container_generation < 0 or stale:
            info.cgroup_id = cgroup_id
            info.container = self.containers.fields(cgroup_id, info.pid)
            info.container_generation = generation
            info.container_checked = now
        return info.container

    def fork(
        self,
        *,
        time_ns: int,
        boot_ns: int,
        parent_pid: int,
        child_pid: int,
        clone_flags: int,
        syscall: str | None,
        uid: int,
        gid: int,
        cgroup_id: int,
        comm: str,
    ) -> dict[str, Any]:
        parent = self.get(parent_pid, time_ns)
        info = ProcInfo(
            pid=child_pid,
            process_id=process_id(self.boot_id, child_pid, start_ticks_from_ns(boot_ns)),
            ppid=parent_pid,
            parent_process_id=parent.process_id,
            start_ns=time_ns,
            comm=comm,
            exe=parent.exe,
            cwd=parent.cwd,
            uid=uid,
            gid=gid,
            cgroup_id=parent.cgroup_id,
            container=parent.container,
        )
        self._procs[child_pid] = info
        self.container_of(info, cgroup_id)
        row = self._base_row(info, time_ns, "process_fork")
        row["syscall"] = syscall
        row["flags"] = clone_flags
        row["cgroup_id"] = cgroup_id
        return row

    def exec(
        self,
        *,
        time_ns: int,
        pid: int,
        tid: int,
        filename: str | None,
        retval: int,
        syscall: str | None,
        argv: list[str],
        env: list[str],
        truncated: bool,
        uid: int,
        gid: int,
        cgroup_id: int,
        comm: str,
        at_flags: int,
    ) -> dict[str, Any]:
        info = self.get(pid, time_ns)
        path = resolve_path(filename, info.cwd)
        if retval == 0:
            info.exe = path
            info.comm = comm
        info.uid, info.gid = uid, gid
        self.container_of(info, cgroup_id)
        row = self._base_row(info, time_ns, "process_exec")
        row.update(
            tid=tid,
            syscall=syscall,
            retval=retval,
            path=path,
            argv=argv,
            env=env or None,
            truncated=truncated,
            cgroup_id=cgroup_id,
            comm=comm,
            flags=at_flags,
        )
        if retval == 0:
            row["exe_sha256"] = self.hasher.sha256(path)
        return row

    def exit(
        self,
        *,
        time_ns: int,
        pid: int,
        exit_code: int | None,
        signal: int | None,
        cgroup_id: int,
        comm: str,
    ) -> dict[str, Any]:
        info = self.get(pid, time_ns)
        self.container_of(info, cgroup_id)
        row = self._base_row(info, time_ns, "process_exit")
        row.update(exit_code=exit_code, signal=signal, cgroup_id=cgroup_id, comm=comm)
        del self._procs[pid]
        if self.containers is not None:
            self.containers.forget_pid(pid)
        return row

    def chdir(self, pid: int, time_ns: int, path: str | None, ok: bool) -> str | None:
        """Update the cwd on success; return the absolute path of the request."""
        info = self.get(pid, time_ns)
        resolved = resolve_path(path, info.cwd)
        if ok:
            info.cwd = resolved if path is not None else None  # fchdir: unknown now
        return resolved

    def add_synthetic_fork(
        self, *, time_ns: int, parent_pid: int, child_pid: int
    ) -> dict[str, Any]:
        """A fork the kernel side does not report: the recorder starting the command it
        records (its own activity is filtered in the kernel)."""
        snap = read_process(child_pid)
        parent = self.get(parent_pid, time_ns)
        start_ns = (
            self.boot_wall_ns + snap.start_ticks * NS_PER_TICK if snap is not None else time_ns
        )
        ticks = snap.start_ticks if snap is not None else start_ticks_from_ns(time_ns)
        info = ProcInfo(
            pid=child_pid,
            process_id=process_id(self.boot_id, child_pid, ticks),
            ppid=parent_pid,
            parent_process_id=parent.process_id,
            start_ns=start_ns,
            comm=snap.comm if snap else parent.comm,
            exe=parent.exe,
            cwd=snap.cwd if snap else parent.cwd,
            uid=os.getuid(),
            gid=os.getgid(),
        )
        self._procs[child_pid] = info
        row = self._base_row(info, start_ns, "process_fork")
        return row


def _strip_deleted(exe: str | None) -> str | None:
    if exe and exe.endswith(" (deleted)"):
        return None
    return exe
