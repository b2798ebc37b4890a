"""Every event of a process (and optionally its descendants) in time order, each with a
one-line summary that says what happened in the terms of its kind."""

from __future__ import annotations

import errno
import os
import shlex
import signal as signals
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from tracee_py.proctree.index import NO_END
from tracee_py.proctree.tree import process_index
from tracee_py.query.dataset import Dataset
from tracee_py.query.times import format_ns

TIMELINE_COLUMNS = ("time", "node", "pid", "tid", "process_id", "comm", "event", "summary")
_FIELDS = (
    "node, pid, tid, process_id, parent_process_id, ppid, comm, event, syscall, retval, exe, "
    "path, path2, flags, mode, fd, argv, family, addr, port, target_pid, signal, exit_code, "
    "new_uid, new_gid, length"
)


@dataclass(frozen=True)
class TimelineEvent:
    time_ns: int
    node: str
    pid: int | None
    tid: int | None
    process_id: int | None
    comm: str | None
    event: str
    summary: str

    def row(self) -> tuple[Any, ...]:
        """Values in :data:`TIMELINE_COLUMNS` order, the time as ISO-8601."""
        return (
            format_ns(self.time_ns),
            self.node,
            self.pid,
            self.tid,
            self.process_id,
            self.comm,
            self.event,
            self.summary,
        )


def timeline(
    ds: Dataset,
    process_id: int,
    *,
    descendants: bool = False,
    from_ns: int | None = None,
    to_ns: int | None = None,
    kinds: list[str] | None = None,
    batch_rows: int = 8192,
) -> Iterator[TimelineEvent]:
    """Events of the process (and its descendants), oldest first, streamed in batches.

    Besides its own events, a process's timeline shows the forks of its children. Only the
    nodes and the time span the processes lived in are read.
    """
    index = process_index(ds)
    row = index.require(process_id)
    rows = [row, *(index.descendants(row) if descendants else [])]
    ids = pa.table({"process_id": pa.array(index.ids[rows], type=pa.uint64())})
    first = int(index.start_ns[rows].min())
    ends = index.end_ns[rows]
    last = None if (ends == NO_END).any() else int(ends.max())
    lo = first if from_ns is None else max(first, from_ns)
    hi = last if to_ns is None else (to_ns if last is None else min(last, to_ns))
    nodes = sorted({index.node_names[c] for c in np.unique(index.node_code[rows])})

    params: dict[str, Any] = {"lo": lo}
    where = ["time >= make_timestamp_ns($lo)::TIMESTAMPTZ_NS"]
    if hi is not None:
        params["hi"] = hi
        where.append("time <= make_timestamp_ns($hi)::TIMESTAMPTZ_NS")
    node_params = []
    for i, name in enumerate(nodes):
        params[f"node{i}"] = name
        node_params.append(f"$node{i}")
    where.append(f"node IN ({', '.join(node_params)})")
    if kinds:
        params["kinds"] = list(kinds)
        where.append("list_contains($kinds, event)")
    name = f"_timeline_ids_{id(ids)}"
    ds.con.register(name, ids)
    try:
        sql = (
            f"SELECT epoch_ns(time) AS time_ns, {_FIELDS} FROM events "
            f"WHERE {' AND '.join(where)} AND ("
            f"process_id IN (SELECT process_id FROM {name}) OR "
            f"(event = 'process_fork' AND parent_process_id IN (SELECT process_id FROM {name})))"
            " ORDER BY time, process_id"
        )
        own = {int(i) for i in index.ids[rows]}
        for batch in ds.stream(sql, params, batch_rows) or ():
            for r in batch.to_pylist():
                yield TimelineEvent(
                    time_ns=r["time_ns"],
                    node=r["node"],
                    pid=r["pid"],
                    tid=r["tid"],
                    process_id=r["process_id"],
                    comm=r["comm"],
                    event=r["event"],
                    summary=describe(r, own=r["process_id"] in own),
                )
    finally:
        ds.con.unregister(name)


# -- one line per event ---------------------------------------------------------------------------

_OPEN_FLAGS = (
    ("O_WRONLY", os.O_WRONLY),
    ("O_RDWR", os.O_RDWR),
    ("O_CREAT", os.O_CREAT),
    ("O_EXCL", os.O_EXCL),
    ("O_TRUNC", os.O_TRUNC),
    ("O_APPEND", os.O_APPEND),
    ("O_DIRECTORY", os.O_DIRECTORY),
    ("O_NOFOLLOW", os.O_NOFOLLOW),
    ("O_CLOEXEC", os.O_CLOEXEC),
)


def open_flags(flags: int | None) -> str:
    if flags is None:
        return ""
    names = [name for name, bit in _OPEN_FLAGS if flags & bit]
    if not flags & (os.O_WRONLY | os.O_RDWR):
        names.insert(0, "O_RDONLY")
    return "|".join(names)


def signal_name(sig: int | None) -> str:
    if sig is None:
        return "?"
    try:
        return signals.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def _result(retval: int | None) -> str:
    if retval is None or retval >= 0:
        return ""
    return f" = {retval} ({errno.errorcode.get(-retval, 'error')})"


def _endpoint(r: Mapping[str, Any]) -> str:
    if r.get("family") == "unix":  # the socket path is in `path` (abstract ones start '@')
        return f"unix:{r.get('path') or '?'}"
    addr = r.get("addr") or "?"
    port = r.get("port")
    if port is None:
        return str(addr)
    return f"[{addr}]:{port}" if ":" in str(addr) else f"{addr}:{port}"


def _argv(argv: list[str] | None) -> str:
    return shlex.join(argv) if argv else ""


def describe(r: Mapping[str, Any], *, own: bool = True) -> str:
    """A readable line for one event row (a dict of event columns)."""
    kind = r.get("event")
    path = r.get("path") or "?"
    retval = r.get("retval")
    fail = _result(retval)
    if kind == "process_snapshot":
        return (
            f"running when recording started: {r.get('exe') or '?'} {_argv(r.get('argv'))}".rstrip()
        )
    if kind == "process_fork":
        if own:
            return f"started, forked by pid {r.get('ppid')}"
        return f"forked child pid {r.get('pid')} (process_id {r.get('process_id')})"
    if kind == "process_exec":
        head = f"exec {path} {_argv(r.get('argv'))}".rstrip()
        return f"{head} FAILED{fail}" if fail else head
    if kind == "process_exit":
        sig = r.get("signal")
        if sig:
            return f"killed by {signal_name(sig)}"
        return f"exited with code {r.get('exit_code')}"
    if kind == "file_open":
        flags = open_flags(r.get("flags"))
        out = f"open {path} {flags}".rstrip()
        return out + (fail or (f" -> fd {retval}" if retval is not None else ""))
    two_paths = {"file_rename": "rename", "file_link": "link"}
    if kind in two_paths:
        return f"{two_paths[kind]} {path} -> {r.get('path2') or '?'}{fail}"
    if kind == "file_mkdir":
        return f"mkdir {path}{_mode(r)}{fail}"
    if kind == "file_chmod":
        return f"chmod {path}{_mode(r)}{fail}"
    if kind == "file_chown":
        return f"chown {path} {r.get('new_uid')}:{r.get('new_gid')}{fail}"
    if kind == "file_truncate":
        return f"truncate {path} to {r.get('length')} bytes{fail}"
    if kind == "net_connect":
        return f"connect {_endpoint(r)}{fail}"
    if kind == "net_accept":
        return f"accept from {_endpoint(r)}{fail or (f' -> fd {retval}' if retval else '')}"
    if kind == "net_bind":
        return f"bind {_endpoint(r)}{fail}"
    if kind == "net_listen":
        return f"listen on fd {r.get('fd')}{fail}"
    if kind == "dup":
        return f"dup fd {r.get('fd')} -> {retval}" if not fail else f"dup fd {r.get('fd')}{fail}"
    if kind == "cred_change":
        return (
            f"{r.get('syscall') or 'set ids'} uid {r.get('new_uid')} gid {r.get('new_gid')}{fail}"
        )
    if kind == "kill":
        return f"kill pid {r.get('target_pid')} with {signal_name(r.get('signal'))}{fail}"
    if kind in ("ptrace", "process_vm_write"):
        verb = "ptrace" if kind == "ptrace" else "write memory of"
        req = (
            f" request {r.get('flags')}" if kind == "ptrace" and r.get("flags") is not None else ""
        )
        return f"{verb} pid {r.get('target_pid')}{req}{fail}"
    if kind in ("unshare", "setns"):
        ns_flags = r.get("flags")
        return f"{kind} flags {ns_flags:#x}{fail}" if ns_flags is not None else f"{kind}{fail}"
    if kind == "mount":
        target = f" on {r.get('path2')}" if r.get("path2") else ""
        return f"mount {path}{target}{fail}"
    words = {
        "file_unlink": "unlink",
        "chdir": "chdir",
        "memfd_create": "memfd_create",
        "umount": "umount",
        "module_load": "load kernel module",
        "module_unload": "unload kernel module",
    }
    if kind in words:
        return f"{words[kind]} {path}{fail}"
    if kind == "mprotect_exec":
        return f"made memory executable (mprotect PROT_EXEC){fail}"
    if kind == "bpf":
        return f"bpf command {r.get('flags')}{fail}"
    return f"{kind} {r.get('path') or ''}".rstrip() + fail


def _mode(r: Mapping[str, Any]) -> str:
    mode = r.get("mode")
    return f" mode {mode:04o}" if mode is not None else ""
