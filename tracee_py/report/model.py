"""What a report is made of: plain dataclasses, filled by :mod:`.collect`, drawn by
:mod:`.render`. Nothing here reads a recording or writes HTML."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_MAX_BYTES = 10 << 20  # the size a report stays under unless told otherwise


@dataclass(frozen=True)
class ReportSubject:
    """Which processes the report is about; at most one of these is given.

    Nothing given: every process of the recording (or of the window ``from_ns``/``to_ns``).
    """

    pid: int | None = None
    process_id: int | None = None
    finding: str | None = None  # a finding id shown in a report, or a signature id
    from_ns: int | None = None
    to_ns: int | None = None
    at_ns: int | None = None  # picks the process when a pid was reused


@dataclass(frozen=True)
class Limits:
    """How much of each part goes into the file; smaller limits make a smaller file."""

    tree_nodes: int = 20_000
    table_rows: int = 2_000
    timeline_per_process: int = 200
    timeline_total: int = 40_000
    evidence_chars: int = 2_000

    def scaled(self, factor: float) -> Limits:
        """Every limit times ``factor`` (at least 1, timelines may drop to 0)."""
        return replace(
            self,
            tree_nodes=max(1, int(self.tree_nodes * factor)),
            table_rows=max(1, int(self.table_rows * factor)),
            timeline_per_process=max(1, int(self.timeline_per_process * factor)),
            timeline_total=int(self.timeline_total * factor),
            evidence_chars=max(80, int(self.evidence_chars * factor)),
        )


@dataclass(frozen=True)
class NodeLine:
    node: str
    boot_ids: int
    first: str | None
    last: str | None
    events: int
    files: int


@dataclass(frozen=True)
class KindLine:
    kind: str
    events: int
    lost: int


@dataclass
class RecordingSummary:
    """The top of the report: what was recorded and whether it can be trusted."""

    root: str
    nodes: list[NodeLine]
    kinds: list[KindLine]
    events: int
    lost: int
    first: str | None
    last: str | None
    span: str
    files: int
    integrity: str  # "verified", "not verified" or "problems"
    integrity_text: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportFinding:
    id: str  # stable: the same finding in the same recording has the same id
    signature_id: str
    name: str
    severity: str
    severity_rank: int
    confidence: str
    tactic: str
    technique_id: str
    technique: str
    time: str
    process_id: int | None
    pid: int | None
    comm: str | None
    detail: str
    ancestry: str
    evidence: list[tuple[str, str]]


@dataclass
class ReportProcess:
    """One process of the subject, as the tree and the detail panel show it."""

    process_id: int
    parent_process_id: int | None
    pid: int
    node: str
    command: str
    user: str
    where: str  # container and pod, or ""
    start: str
    ending: str
    files: int
    net: int
    failed_execs: int
    children: list[int] = field(default_factory=list)  # process_ids, in start order
    findings: list[str] = field(default_factory=list)  # ReportFinding ids


@dataclass(frozen=True)
class TimelineLine:
    time: str
    kind: str
    summary: str
    failed: bool
    read: bool  # a read of a file: the first thing cut when a timeline is too long


@dataclass
class Timeline:
    events: list[TimelineLine]
    total: int  # events of the process (of the timeline kinds), before any cut


@dataclass
class Table:
    """A sortable table: rows already summarised (grouped), ``total`` before any cut."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    total: int
    note: str = ""


@dataclass
class ReportData:
    """Everything the report shows, at the largest size asked for."""

    title: str  # what the report is about
    generated: str
    recording: RecordingSummary
    findings: list[ReportFinding]
    findings_elsewhere: int  # findings of processes outside the subject
    signature_problems: list[str]
    processes: dict[int, ReportProcess]
    roots: list[int]
    focus: int | None
    order: list[int]  # process_ids, parents before children, in start order
    timelines: dict[int, Timeline]
    timeline_cap: int  # events per process gathered for the timelines
    tables: list[Table]
    failed_exec_attempts: int


@dataclass(frozen=True)
class ReportSummary:
    """What :func:`tracee_py.report.write_report` wrote."""

    path: str
    bytes: int
    max_bytes: int
    processes: int
    processes_shown: int
    findings: int
    trimmed: bool
    limits: Limits
    warnings: list[str]  # damaged files, signatures that failed: also shown on the page
    integrity_problems: int = 0  # damaged, unlisted or mismatched files: what --strict refuses
