"""Gathering what a report shows, from the library that answers the same questions on the
command line: :func:`dataset_info` (the recording and its integrity), the signature engine
(findings), :mod:`tracee_py.proctree` (the subject's processes) and SQL over ``events``
restricted to the subject's processes (tables and timelines).

Everything is gathered once at the largest size the report may have; :mod:`.render` then
cuts it down to fit the size cap without reading the recording again.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shlex
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from tracee_py import proctree
from tracee_py.errors import NotFoundError, UsageError
from tracee_py.proctree.labels import command_line, ending, pod_of
from tracee_py.proctree.model import ProcessNode, ProcessTree
from tracee_py.proctree.timeline import describe
from tracee_py.query.dataset import Dataset
from tracee_py.query.info import dataset_info
from tracee_py.query.times import format_duration_ns, format_ns
from tracee_py.report.model import (
    KindLine,
    Limits,
    NodeLine,
    RecordingSummary,
    ReportData,
    ReportFinding,
    ReportProcess,
    ReportSubject,
    Table,
    Timeline,
    TimelineLine,
)
from tracee_py.signatures.engine import run_on_dataset
from tracee_py.signatures.loader import builtin_catalog, load_signatures
from tracee_py.signatures.model import Finding, Signature
from tracee_py.signatures.report import ancestry_text

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
# Left out of timelines: the tree shows forks, and reads of files are mostly libraries.
_OK = "coalesce(retval, 0) >= 0"
_WRITE = f"(event <> 'file_open' OR (coalesce(flags, 0) & {WRITE_FLAGS}) <> 0)"
_EVENT_FIELDS = (
    "node, pid, tid, process_id, parent_process_id, ppid, uid, comm, event, syscall, retval, exe, "
    "path, path2, flags, mode, fd, argv, family, addr, port, target_pid, signal, exit_code, "
    "new_uid, new_gid, length"
)


def collect(
    ds: Dataset,
    subject: ReportSubject,
    *,
    limits: Limits,
    verify_hashes: bool = True,
    signatures: Sequence[Signature] | None = None,
) -> ReportData:
    """Everything the report shows about ``subject`` in the open dataset ``ds``."""
    sigs = (
        list(signatures)
        if signatures is not None
        else load_signatures([builtin_catalog()], check_samples=False).signatures
    )
    run = run_on_dataset(ds.root, sigs, time_from_ns=subject.from_ns, time_to_ns=subject.to_ns)
    all_findings = [_finding(f, limits.evidence_chars) for f in run.findings]
    recording = recording_summary(ds, verify_hashes=verify_hashes)
    recording.warnings += run.warnings

    tree, title = subject_tree(ds, subject, all_findings)
    processes: dict[int, ReportProcess] = {}
    order: list[int] = []
    for _, n in tree.walk():
        processes[n.process_id] = _process(n)
        order.append(n.process_id)
    findings = [f for f in all_findings if f.process_id in processes]
    for f in findings:
        processes[f.process_id].findings.append(f.id)  # type: ignore[index]

    window = (subject.from_ns, subject.to_ns)
    with _subject_ids(ds, order) as ids:
        for process_id, failed in _failed_exec_counts(ds, ids, window).items():
            if process_id in processes:
                processes[process_id].failed_execs = failed
        share = limits.timeline_total // max(1, len(order))
        per_process = max(20, min(limits.timeline_per_process, share))
        timelines = _timelines(ds, ids, window, per_process)
        tables = [
            _files_written(ds, ids, window, limits.table_rows),
            _executed(ds, ids, window, limits.table_rows),
            _failed_execs(ds, ids, window, limits.table_rows),
            _network(ds, ids, window, limits.table_rows),
            _privilege(ds, ids, window, limits.table_rows),
        ]
    failed_total = next(t.total for t in tables if t.key == "failed_execs")
    attempts = sum(int(r[2]) for r in next(t.rows for t in tables if t.key == "failed_execs"))
    return ReportData(
        title=title,
        subject=title,
        generated=format_ns(int(datetime.now(UTC).timestamp() * 1e9), digits=0),
        recording=recording,
        findings=findings,
        findings_elsewhere=len(all_findings) - len(findings),
        signature_problems=[w for w in run.warnings if w.startswith("signature ")],
        processes=processes,
        roots=[r.process_id for r in tree.roots],
        focus=tree.focus,
        order=order,
        timelines=timelines,
        timeline_cap=per_process,
        tables=tables,
        failed_exec_attempts=attempts if failed_total else 0,
    )


# -- the recording --------------------------------------------------------------------------------


def recording_summary(ds: Dataset, *, verify_hashes: bool) -> RecordingSummary:
    info = dataset_info(ds, verify_hashes=verify_hashes)
    lost_by_kind: dict[str, int] = {}
    events_by_kind: dict[str, int] = {}
    for k in info.kinds:
        events_by_kind[k.kind] = events_by_kind.get(k.kind, 0) + k.events
        lost_by_kind[k.kind] = lost_by_kind.get(k.kind, 0) + k.lost
    kinds = [
        KindLine(kind, events_by_kind[kind], lost_by_kind[kind])
        for kind in sorted(events_by_kind, key=lambda k: (-events_by_kind[k], k))
    ]
    problems = [f"{d.path}: unreadable ({d.reason})" for d in info.damaged]
    problems += [f"{c.file}: {c.status.replace('_', ' ')} ({c.detail})" for c in info.manifest]
    n_files = len(info.files)
    if problems:
        integrity = "problems"
        text = f"{len(problems)} problem(s) among {n_files} files; the report shows the rest"
    elif verify_hashes:
        integrity = "verified"
        text = f"all {n_files} files match their manifest hashes"
    else:
        integrity = "not verified"
        text = f"{n_files} files, all listed in the manifest; hashes not checked (--no-verify)"
    first, last = info.first_ns, info.last_ns
    return RecordingSummary(
        root=info.root,
        nodes=[
            NodeLine(
                n.node,
                len(n.boot_ids),
                _time(n.first_ns),
                _time(n.last_ns),
                n.events,
                n.files,
            )
            for n in info.nodes
        ],
        kinds=kinds,
        events=info.total_events,
        lost=sum(lost_by_kind.values()),
        first=_time(first),
        last=_time(last),
        span=format_duration_ns(last - first) if first is not None and last is not None else "",
        files=n_files,
        integrity=integrity,
        integrity_text=text,
        problems=problems,
        warnings=list(info.warnings),
    )


# -- findings -------------------------------------------------------------------------------------


def finding_id(f: Finding) -> str:
    """``<signature id>-<8 hex>``: the same finding in the same recording keeps its id."""
    key = "\x1f".join([f.signature_id, f.node or "", str(f.process_id), str(f.time_ns)])
    return f"{f.signature_id}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _finding(f: Finding, evidence_chars: int) -> ReportFinding:
    evidence = []
    for key, value in f.evidence.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        evidence.append((key, text[:evidence_chars]))
    return ReportFinding(
        id=finding_id(f),
        signature_id=f.signature_id,
        name=f.name,
        severity=f.severity.label,
        severity_rank=int(f.severity),
        tactic=str(f.mitre_tactic),
        technique_id=f.mitre_technique.id,
        technique=f.mitre_technique.name,
        time=format_ns(f.time_ns, digits=3),
        process_id=f.process_id,
        pid=f.pid,
        comm=f.comm,
        detail=f.detail,
        ancestry=ancestry_text(f),
        evidence=evidence,
    )


# -- the subject ----------------------------------------------------------------------------------


def subject_tree(
    ds: Dataset, subject: ReportSubject, findings: list[ReportFinding]
) -> tuple[ProcessTree, str]:
    """The processes the report is about, as a tree, and a title that says which."""
    chosen = [x for x in (subject.pid, subject.process_id, subject.finding) if x is not None]
    if len(chosen) > 1:
        raise UsageError("give one subject: --pid, --process-id or --finding")
    window = (subject.from_ns, subject.to_ns)
    focus: ProcessNode | None = None
    title = ""
    if subject.finding is not None:
        f = _pick_finding(subject.finding, findings)
        if f.process_id is None:
            raise NotFoundError(f"finding {f.id} names no process")
        focus = proctree.find_process(ds, f.process_id)
        title = f"finding {f.id}: {f.detail}"
    elif subject.process_id is not None:
        focus = proctree.find_process(ds, subject.process_id)
    elif subject.pid is not None:
        focus = proctree.resolve_pid(ds, subject.pid, at_ns=subject.at_ns)
    if focus is not None:
        tree = proctree.process_tree(ds, focus.process_id, from_ns=window[0], to_ns=window[1])
        return tree, title or f"process {focus.pid} ({command_line(focus, 80)}) on {focus.node}"
    index = proctree.process_index(ds)
    if not len(index):
        raise NotFoundError("the recording has no processes")
    start = subject.from_ns if subject.from_ns is not None else int(index.start_ns.min())
    tree = proctree.forest(ds, from_ns=start, to_ns=subject.to_ns)
    if subject.from_ns is None and subject.to_ns is None:
        return tree, f"the whole recording ({len(index):,} processes)"
    return tree, f"{tree.title}"


def _pick_finding(text: str, findings: list[ReportFinding]) -> ReportFinding:
    exact = [f for f in findings if f.id == text]
    if exact:
        return exact[0]
    same_signature = [f for f in findings if f.signature_id == text]
    if len(same_signature) == 1:
        return same_signature[0]
    if same_signature:
        ids = ", ".join(f.id for f in same_signature[:8])
        raise UsageError(f"signature {text} found {len(same_signature)} times; pick one: {ids}")
    raise NotFoundError(f"no finding {text!r} in the recording (finding ids are in the report)")


def _process(n: ProcessNode) -> ReportProcess:
    where = (
        [f"container {n.container_name or (n.container_id or '')[:12]}"]
        if (n.container_name or n.container_id)
        else []
    )
    if pod_of(n):
        where.append(f"pod {pod_of(n)}")
    return ReportProcess(
        process_id=n.process_id,
        parent_process_id=n.parent_process_id,
        pid=n.pid,
        node=n.node,
        command=command_line(n, 300),
        user="?" if n.uid is None else ("root" if n.uid == 0 else f"uid {n.uid}"),
        where=", ".join(where),
        start=_time(n.start_ns) or "?",
        ending=ending(n),
        files=n.file_events,
        net=n.net_events,
        failed_execs=0,
        children=[c.process_id for c in n.children],
    )


# -- events of the subject ------------------------------------------------------------------------


@contextmanager
def _subject_ids(ds: Dataset, process_ids: list[int]) -> Iterator[str]:
    """The subject's process ids as a table the SQL below joins with."""
    table = pa.table({"process_id": pa.array(process_ids, type=pa.uint64())})
    name = f"_report_ids_{id(table)}"
    ds.con.register(name, table)
    try:
        yield name
    finally:
        ds.con.unregister(name)


def _where(ids: str, window: tuple[int | None, int | None]) -> tuple[str, dict[str, Any]]:
    parts = [f"process_id IN (SELECT process_id FROM {ids})"]
    params: dict[str, Any] = {}
    if window[0] is not None:
        parts.append("time >= make_timestamp_ns($lo)::TIMESTAMPTZ_NS")
        params["lo"] = window[0]
    if window[1] is not None:
        parts.append("time <= make_timestamp_ns($hi)::TIMESTAMPTZ_NS")
        params["hi"] = window[1]
    return " AND ".join(parts), params


def _rows(ds: Dataset, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    def run() -> list[dict[str, Any]]:
        return ds.con.sql(sql, params=params).to_arrow_table().to_pylist()

    return ds.retrying(run)


def _failed_exec_counts(
    ds: Dataset, ids: str, window: tuple[int | None, int | None]
) -> dict[int, int]:
    where, params = _where(ids, window)
    sql = (
        f"SELECT process_id, count(*) AS n FROM events WHERE {where} "
        f"AND event = 'process_exec' AND NOT {_OK} GROUP BY process_id"
    )
    return {r["process_id"]: r["n"] for r in _rows(ds, sql, params)}


def _timelines(
    ds: Dataset, ids: str, window: tuple[int | None, int | None], per_process: int
) -> dict[int, Timeline]:
    """Per process: its events, at most ``per_process``; reads of files come last."""
    where, params = _where(ids, window)
    params["cap"] = per_process
    sql = f"""
        SELECT * FROM (
            SELECT epoch_ns(time) AS time_ns, {_EVENT_FIELDS},
                   row_number() OVER (
                       PARTITION BY process_id ORDER BY (NOT {_WRITE}), time) AS rank,
                   count(*) OVER (PARTITION BY process_id) AS total,
                   NOT {_WRITE} AS is_read
            FROM events
            WHERE {where} AND event NOT IN ('process_fork', 'dup')
        ) WHERE rank <= $cap
        ORDER BY process_id, time_ns
    """
    out: dict[int, Timeline] = {}
    for r in _rows(ds, sql, params):
        line = TimelineLine(
            time=format_ns(r["time_ns"], digits=6),
            kind=r["event"],
            summary=describe(r),
            failed=(r["retval"] or 0) < 0,
            read=r["is_read"],
        )
        tl = out.setdefault(r["process_id"], Timeline([], r["total"]))
        tl.events.append(line)
    return out


def _table(
    ds: Dataset,
    key: str,
    title: str,
    columns: list[str],
    sql: str,
    params: dict[str, Any],
    limit: int,
    note: str = "",
    shape: Callable[[dict[str, Any]], list[Any]] | None = None,
) -> Table:
    """The first ``limit`` rows of ``sql``, each shaped into ``columns`` (by default the
    columns of the same names) plus its ``process_id`` last; ``total`` counts them all."""
    wrapped = f"SELECT *, count(*) OVER () AS _total FROM ({sql}) LIMIT $limit"
    records = _rows(ds, wrapped, {**params, "limit": limit})
    total = records[0]["_total"] if records else 0
    rows = [
        [_cell(v) for v in (shape(r) if shape else [r[c] for c in columns])]
        + [_cell(r.get("process_id"))]
        for r in records
    ]
    return Table(key, title, columns, rows, total, note)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        # process ids pass 2**53: JavaScript numbers cannot hold them exactly
        return str(value) if isinstance(value, int) and abs(value) >= 1 << 53 else value
    if isinstance(value, list):
        return shlex.join(str(v) for v in value)
    return str(value)


def _files_written(
    ds: Dataset, ids: str, window: tuple[int | None, int | None], limit: int
) -> Table:
    where, params = _where(ids, window)
    kinds = ", ".join(f"'{k}'" for k in FILE_CHANGE_KINDS)
    sql = f"""
        SELECT coalesce(path, '?') AS path,
               CASE WHEN event = 'file_open' AND (flags & {os.O_CREAT}) <> 0 THEN 'create/write'
                    WHEN event = 'file_open' THEN 'write'
                    WHEN event = 'file_rename' THEN 'rename to ' || coalesce(path2, '?')
                    WHEN event = 'file_link' THEN 'link to ' || coalesce(path2, '?')
                    ELSE replace(event, 'file_', '') END AS action,
               count(*) AS times, any_value(pid) AS pid, any_value(comm) AS comm,
               strftime(min(time), '%Y-%m-%d %H:%M:%S.%g') AS first, process_id
        FROM events
        WHERE {where} AND event IN ({kinds}) AND {_OK} AND {_WRITE}
        GROUP BY ALL ORDER BY first, path
    """
    return _table(
        ds,
        "files",
        "Files written",
        ["path", "action", "times", "pid", "comm", "first"],
        sql,
        params,
        limit,
        "successful writes, creations, renames, links, deletions and mode or owner changes, "
        "one row per file, action and process",
    )


def _executed(ds: Dataset, ids: str, window: tuple[int | None, int | None], limit: int) -> Table:
    where, params = _where(ids, window)
    sql = f"""
        SELECT coalesce(path, '?') AS path, count(*) AS execs,
               count(DISTINCT process_id) AS processes,
               arg_min(argv, time) AS first_command, any_value(exe_sha256) AS sha256,
               strftime(min(time), '%Y-%m-%d %H:%M:%S.%g') AS first,
               arg_min(process_id, time) AS process_id
        FROM events
        WHERE {where} AND event = 'process_exec' AND {_OK}
        GROUP BY path ORDER BY first, path
    """
    return _table(
        ds,
        "executed",
        "Files executed",
        ["path", "execs", "processes", "first_command", "sha256", "first"],
        sql,
        params,
        limit,
        "successful execs only (failed attempts are listed apart), one row per file; "
        "the process is the first that ran it",
    )


def _failed_execs(
    ds: Dataset, ids: str, window: tuple[int | None, int | None], limit: int
) -> Table:
    where, params = _where(ids, window)
    sql = f"""
        SELECT coalesce(path, '?') AS path, retval AS error, count(*) AS attempts,
               count(DISTINCT process_id) AS processes,
               strftime(min(time), '%Y-%m-%d %H:%M:%S.%g') AS first,
               arg_min(process_id, time) AS process_id
        FROM events
        WHERE {where} AND event = 'process_exec' AND NOT {_OK}
        GROUP BY ALL ORDER BY first, path
    """
    table = _table(
        ds,
        "failed_execs",
        "Failed exec attempts",
        ["path", "error", "attempts", "processes", "first"],
        sql,
        params,
        limit,
        "execs that returned an error (mostly PATH lookups: ENOENT); nothing ran",
    )
    for row in table.rows:
        row[1] = f"{row[1]} ({errno.errorcode.get(-int(row[1]), 'error')})"
    return table


def _network(ds: Dataset, ids: str, window: tuple[int | None, int | None], limit: int) -> Table:
    where, params = _where(ids, window)
    kinds = ", ".join(f"'{k}'" for k in NET_KINDS)
    sql = f"""
        SELECT replace(event, 'net_', '') AS action,
               CASE WHEN family = 'unix' THEN 'unix:' || coalesce(path, '?')
                    WHEN port IS NULL THEN coalesce(addr, '?')
                    WHEN contains(coalesce(addr, ''), ':') THEN '[' || addr || ']:' || port
                    ELSE coalesce(addr, '?') || ':' || port END AS endpoint,
               coalesce(family, '?') AS family,
               CASE WHEN {_OK} THEN 'ok' ELSE 'error ' || retval END AS result,
               count(*) AS times, any_value(pid) AS pid, any_value(comm) AS comm,
               strftime(min(time), '%Y-%m-%d %H:%M:%S.%g') AS first, process_id
        FROM events
        WHERE {where} AND event IN ({kinds})
        GROUP BY ALL ORDER BY first, endpoint
    """
    return _table(
        ds,
        "network",
        "Network endpoints",
        ["action", "endpoint", "family", "result", "times", "pid", "comm", "first"],
        sql,
        params,
        limit,
        "connect and accept show the remote end, bind the local one; one row per endpoint, "
        "action, result and process",
    )


def _privilege(ds: Dataset, ids: str, window: tuple[int | None, int | None], limit: int) -> Table:
    where, params = _where(ids, window)
    kinds = ", ".join(f"'{k}'" for k in PRIVILEGE_KINDS)
    sql = f"""
        SELECT epoch_ns(time) AS time_ns, {_EVENT_FIELDS}
        FROM events WHERE {where} AND event IN ({kinds})
        ORDER BY time, process_id
    """
    return _table(
        ds,
        "privilege",
        "Privilege changes",
        ["time", "kind", "pid", "comm", "uid before", "what"],
        sql,
        params,
        limit,
        "credential changes, ptrace, memory writes into other processes, kernel modules, "
        "BPF, mounts and namespaces, in time order",
        shape=lambda r: [
            format_ns(r["time_ns"], digits=6),
            r["event"],
            r["pid"],
            r["comm"],
            r["uid"],
            describe(r),
        ],
    )


def _time(ns: int | None) -> str | None:
    return None if ns is None else format_ns(ns, digits=3)
