"""Gathering what a report shows, from the library that answers the same questions on the
command line: :func:`dataset_info` (the recording and its integrity), the signature engine
(findings), :mod:`tracee_py.proctree` (the subject's processes) and SQL over ``events``
restricted to the subject's processes (tables and timelines).

Everything is gathered once at the largest size the report may have; :mod:`.render` then
cuts it down to fit the size cap without reading the recording again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence

from tracee_py import proctree
from tracee_py.errors import NotFoundError, UsageError
from tracee_py.proctree.labels import command_line, ending, pod_of
from tracee_py.proctree.model import ProcessNode, ProcessTree
from tracee_py.query.dataset import Dataset
from tracee_py.query.info import dataset_info
from tracee_py.query.times import format_duration_ns, format_ns
from tracee_py.report.events import TABLES, SubjectEvents
from tracee_py.report.model import (
    KindLine,
    Limits,
    NodeLine,
    RecordingSummary,
    ReportData,
    ReportFinding,
    ReportProcess,
    ReportSubject,
)
from tracee_py.signatures.engine import run_on_dataset
from tracee_py.signatures.loader import builtin_catalog, load_signatures
from tracee_py.signatures.model import Finding, Signature
from tracee_py.signatures.report import ancestry_text

INDEX_NOTICE_ROWS = 1_000_000  # below this, building the index is too quick to mention


def collect(
    ds: Dataset,
    subject: ReportSubject,
    *,
    limits: Limits,
    verify_hashes: bool = True,
    signatures: Sequence[Signature] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> ReportData:
    """Everything the report shows about ``subject`` in the open dataset ``ds``.

    ``progress`` hears what is being done, one short sentence per step.
    """
    sigs = (
        list(signatures)
        if signatures is not None
        else load_signatures([builtin_catalog()], check_samples=False).signatures
    )
    check_subject(subject)
    proctree.process_index(ds, on_build=lambda rows: _indexing(rows, progress))
    # The subject is checked before the slow steps (but a finding needs the findings).
    tree, title = (None, "") if subject.finding else subject_tree(ds, subject)
    progress(f"running {len(sigs)} signatures")
    run = run_on_dataset(ds.root, sigs, time_from_ns=subject.from_ns, time_to_ns=subject.to_ns)
    all_findings = [_finding(f) for f in run.findings]
    if tree is None:
        tree, title = subject_tree(ds, subject, all_findings)
    progress("checking the recording" + (" against its manifest" if verify_hashes else ""))
    recording = recording_summary(ds, verify_hashes=verify_hashes)

    processes: dict[int, ReportProcess] = {}
    order: list[int] = []
    for _, n in tree.walk():
        processes[n.process_id] = _process(n)
        order.append(n.process_id)
    findings = []
    for f in all_findings:
        if f.process_id is not None and f.process_id in processes:
            processes[f.process_id].findings.append(f.id)
            findings.append(f)

    progress(f"summarising the events of {len(order):,} processes")
    window = (subject.from_ns, subject.to_ns)
    with SubjectEvents.of(ds, order, window) as events:
        for process_id, failed in events.failed_exec_counts().items():
            if process_id in processes:
                processes[process_id].failed_execs = failed
        share = limits.timeline_total // max(1, len(order))
        per_process = max(20, min(limits.timeline_per_process, share))
        timelines = events.timelines(per_process)
        tables = [events.table(query, limits.table_rows) for query in TABLES]
    return ReportData(
        title=title,
        generated=format_ns(time.time_ns(), digits=0),
        recording=recording,
        findings=findings,
        findings_elsewhere=len(all_findings) - len(findings),
        signature_problems=[w for w in run.warnings if w not in recording.warnings],
        processes=processes,
        roots=[r.process_id for r in tree.roots],
        focus=tree.focus,
        order=order,
        timelines=timelines,
        timeline_cap=per_process,
        tables=tables,
        failed_exec_attempts=sum(processes[p].failed_execs for p in order),
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
    # The manifest lists the event files (the stats writer's files are not listed).
    n_files = sum(1 for f in info.files if f.path.startswith("events/"))
    if problems:
        integrity = "problems"
        text = f"{len(problems)} problem(s) with the data files; the report shows the rest"
    elif verify_hashes:
        integrity = "verified"
        text = f"all {n_files} event files match their manifest hashes"
    else:
        integrity = "not verified"
        text = f"{n_files} event files, all in the manifest; hashes not checked (--no-verify)"
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


def _finding(f: Finding) -> ReportFinding:
    evidence = []
    for key, value in f.evidence.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        evidence.append((key, text))
    return ReportFinding(
        id=finding_id(f),
        signature_id=f.signature_id,
        name=f.name,
        severity=f.severity.label,
        severity_rank=int(f.severity),
        confidence=f.confidence.label,
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


def check_subject(subject: ReportSubject) -> None:
    chosen = [x for x in (subject.pid, subject.process_id, subject.finding) if x is not None]
    if len(chosen) > 1:
        raise UsageError("give one subject: --pid, --process-id or --finding")
    if subject.at_ns is not None and subject.pid is None:
        raise UsageError("--at picks the process a reused pid named: give it with --pid")
    lo, hi = subject.from_ns, subject.to_ns
    if lo is not None and hi is not None and lo > hi:
        raise UsageError(f"the time window is empty: {format_ns(lo)} is after {format_ns(hi)}")


def subject_tree(
    ds: Dataset, subject: ReportSubject, findings: list[ReportFinding] | None = None
) -> tuple[ProcessTree, str]:
    """The processes the report is about, as a tree, and a title that says which.

    A subject chosen by finding needs the ``findings`` of the recording.
    """
    window = (subject.from_ns, subject.to_ns)
    focus: ProcessNode | None = None
    title = ""
    if subject.finding is not None:
        f = _pick_finding(subject.finding, findings or [])
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


def _indexing(rows: int, progress: Callable[[str], None]) -> None:
    if rows >= INDEX_NOTICE_ROWS:
        progress(f"indexing the processes of {rows:,} events (once per dataset, then cached)")


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


def _time(ns: int | None) -> str | None:
    return None if ns is None else format_ns(ns, digits=3)
