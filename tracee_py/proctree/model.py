"""What process-tree questions return: plain dataclasses, no rendering."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tracee_py.errors import UsageError
from tracee_py.query.times import format_ns


@dataclass(frozen=True)
class ExecRecord:
    """One successful exec of a process."""

    time_ns: int
    path: str | None
    argv: list[str] | None
    exe_sha256: str | None
    retval: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": format_ns(self.time_ns),
            "path": self.path,
            "argv": self.argv,
            "exe_sha256": self.exe_sha256,
            "retval": self.retval,
        }


@dataclass
class ProcessNode:
    """One process lifetime (one ``process_id``), with its children when part of a tree."""

    process_id: int
    node: str
    boot_id: str | None
    pid: int
    ppid: int | None
    parent_process_id: int | None
    start_ns: int | None
    exit_ns: int | None
    exit_code: int | None
    exit_signal: int | None
    uid: int | None
    comm: str | None
    exe: str | None
    argv: list[str] | None
    execs: list[ExecRecord]
    container_id: str | None
    container_name: str | None
    container_image: str | None
    pod_name: str | None
    pod_namespace: str | None
    pod_uid: str | None
    source: str
    events: int = 0
    file_events: int = 0
    net_events: int = 0
    parent_exe: str | None = None
    children: list[ProcessNode] = field(default_factory=list)

    def to_dict(self, *, children: bool = True) -> dict[str, Any]:
        """JSON-ready: times as ISO-8601 strings, children nested when asked."""
        out: dict[str, Any] = {
            "process_id": self.process_id,
            "node": self.node,
            "boot_id": self.boot_id,
            "pid": self.pid,
            "ppid": self.ppid,
            "parent_process_id": self.parent_process_id,
            "start_time": _iso(self.start_ns),
            "exit_time": _iso(self.exit_ns),
            "exit_code": self.exit_code,
            "exit_signal": self.exit_signal,
            "uid": self.uid,
            "comm": self.comm,
            "exe": self.exe,
            "argv": self.argv,
            "execs": [e.to_dict() for e in self.execs],
            "container_id": self.container_id,
            "container_name": self.container_name,
            "container_image": self.container_image,
            "pod_name": self.pod_name,
            "pod_namespace": self.pod_namespace,
            "pod_uid": self.pod_uid,
            "source": self.source,
            "events": self.events,
            "file_events": self.file_events,
            "net_events": self.net_events,
        }
        if children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


def _iso(ns: int | None) -> str | None:
    return None if ns is None else format_ns(ns)


@dataclass
class ProcessTree:
    """A forest of processes. ``focus`` is the process the tree was asked about, if any."""

    roots: list[ProcessNode]
    focus: int | None = None
    title: str = ""

    def walk(self) -> Iterator[tuple[int, ProcessNode]]:
        """Every node with its depth, parents before children, in start order."""
        stack = [(0, r) for r in reversed(self.roots)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, c) for c in reversed(node.children))

    def find(self, process_id: int) -> ProcessNode | None:
        return next((n for _, n in self.walk() if n.process_id == process_id), None)

    def __len__(self) -> int:
        return sum(1 for _ in self.walk())

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "focus_process_id": self.focus,
            "roots": [r.to_dict() for r in self.roots],
        }


class AmbiguousProcessError(UsageError):
    """A pid that names more than one process; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list[ProcessNode]) -> None:
        super().__init__(message)
        self.candidates = candidates
