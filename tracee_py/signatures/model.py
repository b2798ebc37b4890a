"""What a signature and a finding are: plain dataclasses, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

# A placeholder of a signature's ``detail`` template: ``{column}``.
TEMPLATE_FIELD = re.compile(r"\{([^{}]*)\}")


def template_fields(template: str) -> list[str]:
    """The names of the placeholders in a ``detail`` template, in order."""
    return [m.group(1) for m in TEMPLATE_FIELD.finditer(template)]


class Severity(IntEnum):
    """Ordered so that ``finding.severity >= Severity.HIGH`` reads as it should."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``high`` -> ``Severity.HIGH``; raises ``ValueError`` naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (choose from {', '.join(SEVERITY_LABELS)})"
            ) from None


SEVERITY_LABELS: tuple[str, ...] = tuple(s.label for s in Severity)


class Confidence(IntEnum):
    """How sure a finding is to be the attack and not a benign look-alike; severity says
    how bad it would be. Ordered like :class:`Severity`."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Confidence:
        """``high`` -> ``Confidence.HIGH``; raises ``ValueError`` naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown confidence {text!r} (choose from {', '.join(CONFIDENCE_LABELS)})"
            ) from None


CONFIDENCE_LABELS: tuple[str, ...] = tuple(c.label for c in Confidence)
# What a rule that does not say gets (third-party packs; the catalog always says).
DEFAULT_CONFIDENCE = Confidence.MEDIUM


@dataclass(frozen=True)
class MitreRef:
    """One ATT&CK object: a tactic (``TA0006``) or a technique (``T1003.008``)."""

    id: str
    name: str

    def __str__(self) -> str:
        return f"{self.id} {self.name}".strip()  # Sigma tags give technique ids, no names


@dataclass(frozen=True)
class SourceLocation:
    """Where something was read from; lines and columns start at 1."""

    file: Path
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return str(self.file)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a signature set, reported with the others."""

    where: SourceLocation
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class SqlFacts:
    """What a query's syntax tree says it reads (an over-approximation)."""

    event_kinds: frozenset[str]  # string literals that are event kinds
    columns: frozenset[str]  # column names referenced, qualified or not, lowercased
    tables: frozenset[str]  # tables, views and CTEs referenced, lowercased
    star: bool  # a ``*`` or ``COLUMNS(*)`` over events: any column may be needed
    # a ``*`` that may expand to the columns of ``processes`` (``execs`` included)
    star_over_processes: bool = False


@dataclass(frozen=True)
class Correlation:
    """A rule kind whose findings come from other signatures' findings (see
    :mod:`tracee_py.signatures.correlation`): at least ``distinct`` different building
    blocks from one process tree within ``window_ns``."""

    signatures: tuple[str, ...]  # building block ids named in the rule
    tag: str | None  # and/or every ordinary signature with this tag
    group: str  # how findings are grouped; only "tree" today
    window_ns: int
    window: str  # as written, for the finding's evidence
    distinct: int  # distinct building blocks that make a finding
    unless_ancestor: tuple[str, ...] = ()  # lineage that excuses a building block
    signature_lines: tuple[int, ...] = ()  # rule-file line of each id in ``signatures``
    line: int = 0  # rule-file line of the ``correlation`` key
    blocks: tuple[Signature, ...] = ()  # the resolved building blocks, set by the loader


@dataclass(frozen=True)
class Signature:
    """A behavioural rule: metadata plus the DuckDB SQL that returns one row per finding."""

    id: str
    name: str
    description: str
    severity: Severity
    tactic: MitreRef
    technique: MitreRef
    sql: str
    folder: Path
    confidence: Confidence = DEFAULT_CONFIDENCE
    also: tuple[MitreRef, ...] = ()  # further techniques it detects (mitre.also)
    tags: tuple[str, ...] = ()
    detail: str | None = None  # template with {column} placeholders
    required_events: tuple[str, ...] = ()  # event kinds the SQL reads
    status: str | None = None  # why it cannot fire yet on real recordings
    expect: int | None = None  # findings positive.jsonl must yield
    false_positives: tuple[str, ...] = ()  # known benign look-alikes, for the help text
    references: tuple[str, ...] = ()
    rule_file: Path = field(default_factory=Path)
    sql_line: int = 0  # line of the first SQL line in rule_file
    id_line: int = 0
    detail_line: int = 0
    # Event kinds the query reads: ``requires.events`` plus the kinds its SQL names; None
    # when neither says (the run then copies every kind). Set by the SQL check.
    event_kinds: frozenset[str] | None = None
    reads: SqlFacts | None = None  # what the SQL names; set by the SQL check
    correlation: Correlation | None = None  # set for correlation rules (their sql is empty)

    @property
    def positive_file(self) -> Path:
        return self.folder / "positive.jsonl"

    @property
    def negative_file(self) -> Path:
        return self.folder / "negative.jsonl"

    @property
    def ready(self) -> bool:
        """False when the recorder does not produce the data this signature needs yet."""
        return self.status is None


@dataclass(frozen=True)
class Finding:
    """One match of one signature, with the process it is about and its evidence."""

    signature_id: str
    name: str
    severity: Severity
    confidence: Confidence
    mitre_tactic: MitreRef
    mitre_technique: MitreRef
    mitre_also: tuple[MitreRef, ...]
    time_ns: int
    time: str  # ISO-8601 UTC, nanoseconds
    node: str | None
    process_id: int | None
    pid: int | None
    comm: str | None
    exe: str | None
    container_id: str | None
    container_name: str | None
    container_image: str | None
    pod_name: str | None
    pod_namespace: str | None
    pod_uid: str | None
    detail: str
    ancestry: tuple[str, ...]  # exe of the parent, grandparent, ... up to the root
    evidence: dict[str, Any]  # the other columns the signature returned

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, flat: the record documented in docs/signatures.md."""
        return {
            "signature_id": self.signature_id,
            "name": self.name,
            "severity": self.severity.label,
            "confidence": self.confidence.label,
            "mitre_tactic": str(self.mitre_tactic),
            "mitre_tactic_id": self.mitre_tactic.id,
            "mitre_technique": str(self.mitre_technique),
            "mitre_technique_id": self.mitre_technique.id,
            "mitre_also": [str(ref) for ref in self.mitre_also],
            "mitre_also_ids": [ref.id for ref in self.mitre_also],
            "time": self.time,
            "node": self.node,
            "process_id": self.process_id,
            "pid": self.pid,
            "comm": self.comm,
            "exe": self.exe,
            "container_id": self.container_id,
            "container_name": self.container_name,
            "container_image": self.container_image,
            "pod_name": self.pod_name,
            "pod_namespace": self.pod_namespace,
            "pod_uid": self.pod_uid,
            "detail": self.detail,
            "ancestry": list(self.ancestry),
            "evidence": self.evidence,
        }
