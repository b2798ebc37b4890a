"""The events of the report's subject: the summarised tables and the per-process timelines.

Every query reads ``events`` restricted to the subject's processes (a registered Arrow table
of process ids) and, when given, to the time window; values are bound parameters. Tables
are declared in :data:`TABLES`: their SQL groups rows (one per file, action and process; one
per endpoint, ...) so that big recordings give summaries, not event dumps.
"""

from __future__ import annotations

import errno
import os
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tracee_py.proctree.timeline import describe
from tracee_py.query.dataset import Dataset
from tracee_py.query.times import format_ns
from tracee_py.report.model import Table, Timeline, TimelineLine

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC
FILE_CHANGE_KINDS = (
    "file_open", "file_unlink", "file_rename", "file_link", "file_mkdir", "file_chmod",
    "file_chown", "file_truncate", "memfd_create",
)  # fmt: skip
NET_KINDS = ("net_connect", "net_accept", "net_bind", "net_listen")
PRIVILEGE_KINDS = (
    "cred_change", "ptrace", "process_vm_write", "module_load", "module_unload", "bpf",
    "mount", "umount", "unshare", "setns",
)  # fmt: skip
OK = "coalesce(retval, 0) >= 0"
# Everything but a file opened for reading only.
WRITE = f"(event <> 'file_open' OR (coalesce(flags, 0) & {WRITE_FLAGS}) <> 0)"
EVENT_FIELDS = (
    "node, pid, tid, process_id, parent_process_id, ppid, uid, comm, event, syscall, retval, "
    "exe, path, path2, flags, mode, fd, argv, family, addr, port, target_pid, signal, "
    "exit_code, new_uid, new_gid, length"
)
SUBJECT = "{subject}"  # where a table's SQL puts the subject's condition
FIRST = "strftime(min(time), '%Y-%m-%d %H:%M:%S.%g') AS first"
Row = dict[str, Any]


@dataclass(frozen=True)
class TableQuery:
    """One table of the report: its SQL (rows carry ``process_id``) and how rows show."""

    key: str
    title: str
    columns: tuple[str, ...]
    sql: str
    note: str
    shape: Callable[[Row], list[Any]] | None = None  # default: the columns of those names


def _failed_exec_row(r: Row) -> list[Any]:
    error = f"{r['error']} ({errno.errorcode.get(-int(r['error']), 'error')})"
    return [r["path"], error, r["attempts"], r["processes"], r["first"]]


def _privilege_row(r: Row) -> list[Any]:
    return [
        format_ns(r["time_ns"], digits=6),
        r["event"],
        r["pid"],
        r["comm"],
        r["uid"],
        describe(r),
    ]


TABLES: tuple[TableQuery, ...] = (
    TableQuery(
        "files",
        "Files written",
        ("path", "action", "times", "pid", "comm", "first"),
        f"""
        SELECT coalesce(path, '?') AS path,
               CASE WHEN event = 'file_open' AND (flags & {os.O_CREAT}) <> 0 THEN 'create/write'
                    WHEN event = 'file_open' THEN 'write'
                    WHEN event = 'file_rename' THEN 'rename to ' || coalesce(path2, '?')
                    WHEN event = 'file_link' THEN 'link to ' || coalesce(path2, '?')
                    ELSE replace(event, 'file_', '') END AS action,
               count(*) AS times, any_value(pid) AS pid, any_value(comm) AS comm, {FIRST},
               process_id
        FROM events
        WHERE {SUBJECT} AND event IN {FILE_CHANGE_KINDS!r} AND {OK} AND {WRITE}
        GROUP BY ALL ORDER BY first, path
        """,
        "successful writes, creations, renames, links, deletions and mode or owner changes, "
        "one row per file, action and process",
    ),
    TableQuery(
        "executed",
        "Files executed",
        ("path", "execs", "processes", "first_command", "sha256", "first"),
        f"""
        SELECT coalesce(path, '?') AS path, count(*) AS execs,
               count(DISTINCT process_id) AS processes,
               arg_min(argv, time) AS first_command, any_value(exe_sha256) AS sha256, {FIRST},
               arg_min(process_id, time) AS process_id
        FROM events
        WHERE {SUBJECT} AND event = 'process_exec' AND {OK}
        GROUP BY path ORDER BY first, path
        """,
        "successful execs only (failed attempts are listed apart), one row per file; "
        "the process is the first that ran it",
    ),
    TableQuery(
        "failed_execs",
        "Failed exec attempts",
        ("path", "error", "attempts", "processes", "first"),
        f"""
        SELECT coalesce(path, '?') AS path, retval AS error, count(*) AS attempts,
               count(DISTINCT process_id) AS processes, {FIRST},
               arg_min(process_id, time) AS process_id
        FROM events
        WHERE {SUBJECT} AND event = 'process_exec' AND NOT {OK}
        GROUP BY ALL ORDER BY first, path
        """,
        "execs that returned an error (mostly PATH lookups: ENOENT); nothing ran",
        _failed_exec_row,
    ),
    TableQuery(
        "network",
        "Network endpoints",
        ("action", "endpoint", "family", "result", "times", "pid", "comm", "first"),
        f"""
        SELECT replace(event, 'net_', '') AS action,
               CASE WHEN family = 'unix' THEN 'unix:' || coalesce(path, '?')
                    WHEN port IS NULL THEN coalesce(addr, '?')
                    WHEN contains(coalesce(addr, ''), ':') THEN '[' || addr || ']:' || port
                    ELSE coalesce(addr, '?') || ':' || port END AS endpoint,
               coalesce(family, '?') AS family,
               CASE WHEN {OK} THEN 'ok' ELSE 'error ' || retval END AS result,
               count(*) AS times, any_value(pid) AS pid, any_value(comm) AS comm, {FIRST},
               process_id
        FROM events
        WHERE {SUBJECT} AND event IN {NET_KINDS!r}
        GROUP BY ALL ORDER BY first, endpoint
        """,
        "connect and accept show the remote end, bind the local one; one row per endpoint, "
        "action, result and process",
    ),
    TableQuery(
        "privilege",
        "Privilege changes",
        ("time", "kind", "pid", "comm", "uid before", "what"),
        f"""
        SELECT epoch_ns(time) AS time_ns, {EVENT_FIELDS}
        FROM events WHERE {SUBJECT} AND event IN {PRIVILEGE_KINDS!r}
        ORDER BY time, process_id
        """,
        "credential changes, ptrace, memory writes into other processes, kernel modules, "
        "BPF, mounts and namespaces, in time order",
        _privilege_row,
    ),
)


class SubjectEvents:
    """Questions about the events of the subject's processes, inside the window."""

    def __init__(self, ds: Dataset, condition: str, params: dict[str, Any]) -> None:
        self.ds = ds
        self.condition = condition
        self.params = params

    @classmethod
    @contextmanager
    def of(
        cls, ds: Dataset, process_ids: list[int], window: tuple[int | None, int | None]
    ) -> Iterator[SubjectEvents]:
        table = pa.table({"process_id": pa.array(process_ids, type=pa.uint64())})
        name = f"_report_ids_{id(table)}"
        parts = [f"process_id IN (SELECT process_id FROM {name})"]
        params: dict[str, Any] = {}
        if window[0] is not None:
            parts.append("time >= make_timestamp_ns($lo)::TIMESTAMPTZ_NS")
            params["lo"] = window[0]
        if window[1] is not None:
            parts.append("time <= make_timestamp_ns($hi)::TIMESTAMPTZ_NS")
            params["hi"] = window[1]
        ds.con.register(name, table)
        try:
            yield cls(ds, " AND ".join(parts), params)
        finally:
            ds.con.unregister(name)

    def rows(self, sql: str, **params: Any) -> list[Row]:
        """``sql`` with the subject's condition put in for ``{subject}``."""
        text = sql.replace(SUBJECT, f"({self.condition})")
        bound = {**self.params, **params}

        def run() -> list[Row]:
            return self.ds.con.sql(text, params=bound).to_arrow_table().to_pylist()

        return self.ds.retrying(run)

    def failed_exec_counts(self) -> dict[int, int]:
        sql = (
            f"SELECT process_id, count(*) AS n FROM events WHERE {SUBJECT} "
            f"AND event = 'process_exec' AND NOT {OK} GROUP BY process_id"
        )
        return {r["process_id"]: r["n"] for r in self.rows(sql)}

    def timelines(self, per_process: int) -> dict[int, Timeline]:
        """Per process: its events, at most ``per_process``; reads of files come last.

        Forks are left out (the tree shows the children), and so are ``dup`` calls.
        """
        sql = f"""
            SELECT * FROM (
                SELECT epoch_ns(time) AS time_ns, {EVENT_FIELDS},
                       row_number() OVER (
                           PARTITION BY process_id ORDER BY (NOT {WRITE}), time) AS rank,
                       count(*) OVER (PARTITION BY process_id) AS total,
                       NOT {WRITE} AS is_read
                FROM events
                WHERE {SUBJECT} AND event NOT IN ('process_fork', 'dup')
            ) WHERE rank <= $cap
            ORDER BY process_id, time_ns
        """
        out: dict[int, Timeline] = {}
        for r in self.rows(sql, cap=per_process):
            line = TimelineLine(
                time=format_ns(r["time_ns"], digits=6),
                kind=r["event"],
                summary=describe(r),
                failed=(r["retval"] or 0) < 0,
                read=r["is_read"],
            )
            out.setdefault(r["process_id"], Timeline([], r["total"])).events.append(line)
        return out

    def table(self, query: TableQuery, limit: int) -> Table:
        """The first ``limit`` rows of ``query``, each with its ``process_id`` last;
        ``total`` counts them all."""
        wrapped = f"SELECT *, count(*) OVER () AS _total FROM ({query.sql}) LIMIT $limit"
        records = self.rows(wrapped, limit=limit)
        rows = [
            [cell(v) for v in (query.shape(r) if query.shape else [r[c] for c in query.columns])]
            + [cell(r.get("process_id"))]
            for r in records
        ]
        total = records[0]["_total"] if records else 0
        return Table(query.key, query.title, list(query.columns), rows, total, query.note)


def cell(value: Any) -> Any:
    """A value as the page's script reads it."""
    if value is None or isinstance(value, (int, float, str)):
        # process ids pass 2**53: JavaScript numbers cannot hold them exactly
        return str(value) if isinstance(value, int) and abs(value) >= 1 << 53 else value
    if isinstance(value, list):
        return shlex.join(str(v) for v in value)
    return str(value)
