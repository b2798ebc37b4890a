"""How much of the Linux ATT&CK matrix the signatures cover, derived, never typed.

Inputs: the matrix (:mod:`.attack`), the signatures (their ``mitre`` technique and
``mitre.also``) and the procedures recorded for real (``tests/detection/procedures/*.sh``,
whose headers say ``# technique:`` and ``# expect:``). A technique is

- ``covered``: a ready signature names it and a procedure that performs it expects one of
  those signatures (the procedure test proves that it fires);
- ``signature only``: a ready signature names it, no procedure shows it firing yet;
- ``not covered``: a host recorder sees it today and no signature names it;
- ``needs new kind``: visible only with an event kind we do not record yet;
- ``not visible``: a host recorder cannot see it.

A ``needs`` technique counts as visible today once every kind it waits for is in the schema,
and a technique a ready signature names counts as visible whatever the file says (the test of
the data file refuses a signature on a technique marked not visible). :func:`coverage_markdown`
writes ``docs/coverage.md``; a test keeps the file equal to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracee_py.errors import UsageError
from tracee_py.schema import EVENT_KINDS
from tracee_py.signatures.attack import AttackMatrix, Technique, load_attack
from tracee_py.signatures.model import Signature

PROCEDURES_DIR = Path(__file__).resolve().parents[2] / "tests" / "detection" / "procedures"
COVERED, SIGNATURE_ONLY, NOT_COVERED = "covered", "signature only", "not covered"
NEEDS_KIND, NOT_VISIBLE = "needs new kind", "not visible"
STATUSES = (COVERED, SIGNATURE_ONLY, NOT_COVERED, NEEDS_KIND, NOT_VISIBLE)
_HEADER = re.compile(r"^#\s*(technique|expect)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class ProcedureRef:
    """What a procedure script's header says: the techniques it performs, the signatures
    that must fire on it."""

    name: str
    techniques: tuple[str, ...]
    expect: tuple[str, ...]


@dataclass(frozen=True)
class TechniqueCoverage:
    technique: Technique
    status: str
    signatures: tuple[str, ...]  # ids of the ready signatures that name it
    procedures: tuple[str, ...]  # procedures that perform it and expect one of them

    @property
    def host_visible(self) -> bool:
        return self.status in (COVERED, SIGNATURE_ONLY, NOT_COVERED)


@dataclass(frozen=True)
class Counts:
    techniques: int = 0
    host_visible: int = 0  # with today's event kinds
    covered: int = 0
    signature_only: int = 0
    needs_kind: int = 0
    not_visible: int = 0

    @property
    def recorder_visible(self) -> int:
        """What a host recorder can see at all: today's kinds plus the ones it waits for.
        The denominator of the coverage goal."""
        return self.host_visible + self.needs_kind

    def to_dict(self) -> dict[str, int]:
        return {
            "techniques": self.techniques,
            "host_visible": self.host_visible,
            "covered": self.covered,
            "signature_only": self.signature_only,
            "not_covered": self.host_visible - self.covered - self.signature_only,
            "needs_new_kind": self.needs_kind,
            "not_visible": self.not_visible,
            "recorder_visible": self.recorder_visible,
        }


@dataclass(frozen=True)
class Coverage:
    matrix: AttackMatrix
    rows: dict[str, TechniqueCoverage]  # by technique id, in id order
    per_tactic: dict[str, Counts]  # by tactic id, in matrix order
    total: Counts
    outside: dict[str, tuple[str, ...]] = field(default_factory=dict)  # technique -> sigs
    procedures: tuple[ProcedureRef, ...] = ()
    signatures: tuple[Signature, ...] = ()  # the catalog, in id order


def catalog_coverage(
    signatures: Iterable[Signature], procedures_dir: Path | None = None
) -> Coverage:
    """The coverage of ``signatures`` over the Linux matrix of ``attack_linux.yaml``, with
    the procedures under ``procedures_dir`` (default: this checkout's tests/detection)."""
    folder = PROCEDURES_DIR if procedures_dir is None else procedures_dir
    if procedures_dir is not None and not folder.is_dir():
        raise UsageError(f"--procedures: {folder} is not a directory")
    return compute_coverage(load_attack(), signatures, read_procedure_headers(folder))


def read_procedure_headers(folder: Path = PROCEDURES_DIR) -> list[ProcedureRef]:
    """The ``# technique:`` and ``# expect:`` lines of every ``*.sh`` in ``folder`` (none when
    the folder does not exist, as in an installed copy)."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.sh")):
        fields: dict[str, tuple[str, ...]] = {}
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("#!"):
                continue
            if not line.startswith("#"):
                break
            match = _HEADER.match(line)
            if match:
                fields[match.group(1)] = tuple(match.group(2).replace(",", " ").split())
        out.append(ProcedureRef(path.stem, fields.get("technique", ()), fields.get("expect", ())))
    return out


def compute_coverage(
    matrix: AttackMatrix, signatures: Iterable[Signature], procedures: Sequence[ProcedureRef]
) -> Coverage:
    signatures = tuple(sorted(signatures, key=lambda s: s.id))
    by_technique: dict[str, list[str]] = {}
    for sig in signatures:
        if not sig.ready:
            continue
        for ref in (sig.technique, *sig.also):
            if ref.id:
                by_technique.setdefault(ref.id, []).append(sig.id)
    recorded = set(EVENT_KINDS)
    rows: dict[str, TechniqueCoverage] = {}
    for tid, technique in matrix.techniques.items():
        sigs = tuple(sorted(set(by_technique.get(tid, ()))))
        procs = tuple(
            sorted(p.name for p in procedures if tid in p.techniques and set(p.expect) & set(sigs))
        )
        visible_now = technique.visible == "host" or (
            technique.visible == "needs" and set(technique.kinds) <= recorded
        )
        if sigs:
            status = COVERED if procs else SIGNATURE_ONLY
        elif visible_now:
            status = NOT_COVERED
        elif technique.visible == "needs":
            status = NEEDS_KIND
        else:
            status = NOT_VISIBLE
        rows[tid] = TechniqueCoverage(technique, status, sigs, procs)
    per_tactic = {
        t.id: _count(r for r in rows.values() if t.shortname in r.technique.tactics)
        for t in matrix.tactics
    }
    outside = {
        tid: tuple(sorted(set(sigs)))
        for tid, sigs in sorted(by_technique.items())
        if tid not in matrix.techniques
    }
    return Coverage(
        matrix, rows, per_tactic, _count(rows.values()), outside, tuple(procedures), signatures
    )


def _count(rows: Iterable[TechniqueCoverage]) -> Counts:
    listed = list(rows)

    def n(*statuses: str) -> int:
        return sum(1 for r in listed if r.status in statuses)

    return Counts(
        techniques=len(listed),
        host_visible=n(COVERED, SIGNATURE_ONLY, NOT_COVERED),
        covered=n(COVERED),
        signature_only=n(SIGNATURE_ONLY),
        needs_kind=n(NEEDS_KIND),
        not_visible=n(NOT_VISIBLE),
    )


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


# -- documents --------------------------------------------------------------------------------


def coverage_dict(cov: Coverage) -> dict[str, Any]:
    """JSON-ready: the counts per tactic and in total, and every technique."""
    return {
        "attack": {"version": cov.matrix.version, "platform": "Linux"},
        "total": cov.total.to_dict(),
        "tactics": [
            {"id": t.id, "name": t.name, **cov.per_tactic[t.id].to_dict()}
            for t in cov.matrix.tactics
        ],
        "techniques": [
            {
                "id": r.technique.id,
                "name": r.technique.name,
                "tactics": [cov.matrix.tactic(s).id for s in r.technique.tactics],
                "status": r.status,
                "signatures": list(r.signatures),
                "procedures": list(r.procedures),
                "needs_kinds": list(r.technique.kinds) if r.status == NEEDS_KIND else [],
                "why_not_visible": r.technique.why if r.status == NOT_VISIBLE else None,
                "note": r.technique.note,
            }
            for r in cov.rows.values()
        ],
        "signatures_outside_matrix": {tid: list(s) for tid, s in cov.outside.items()},
    }


def status_text(row: TechniqueCoverage) -> str:
    if row.status == NEEDS_KIND:
        return f"{NEEDS_KIND}: {', '.join(row.technique.kinds)}"
    if row.status == NOT_VISIBLE:
        return f"{NOT_VISIBLE}: {row.technique.why}"
    return row.status


def coverage_markdown(cov: Coverage) -> str:
    """``docs/coverage.md``."""
    m, total = cov.matrix, cov.total
    lines = [
        "# ATT&CK coverage (Linux)",
        "",
        "<!-- Generated by `tracee-py sig coverage -o markdown > docs/coverage.md` from",
        "     tracee_py/signatures/attack_linux.yaml, the catalog and tests/detection/procedures.",
        "     Do not edit by hand: tests/signatures/test_coverage.py compares. -->",
        "",
        f"Every technique and sub-technique of MITRE ATT&CK Enterprise v{m.version} whose "
        f"platforms include Linux: {total.techniques} (ATT&CK's data lists "
        f"{total.techniques + m.retired} with Linux among their platforms; {m.retired} of "
        "them are revoked or deprecated and left out), and what the built-in catalog does "
        "about it. Each is one of:",
        "",
        "| status | meaning |",
        "|---|---|",
        "| covered | a signature names it (`mitre.technique` or `mitre.also`) and a procedure "
        "in `tests/detection/procedures` performs it, recorded for real, and makes that "
        "signature fire |",
        "| signature only | a signature names it; no procedure recorded for it yet |",
        "| not covered | the recorder sees it with today's event kinds; no signature yet |",
        "| needs new kind | a host recorder could see it with an event kind we do not record "
        "yet (which one is named) |",
        "| not visible | a host recorder cannot see it (why is said: a cloud control plane, "
        "a browser, the network, another host, a person) |",
        "",
        "Whether a host recorder sees a technique is a judgement, written once per technique "
        "in `tracee_py/signatures/attack_linux.yaml` with its reason; covered is derived from "
        "the signatures and the procedures. The goal is stated over what a host recorder can "
        "see at all: host-visible plus needs-new-kind.",
        "",
        f"**Covered: {total.covered} of {total.recorder_visible} techniques a host recorder "
        f"can see ({percent(total.covered, total.recorder_visible)}); "
        f"{total.covered + total.signature_only} have a signature "
        f"({percent(total.covered + total.signature_only, total.recorder_visible)}).** "
        f"{total.host_visible} are visible with today's event kinds, {total.needs_kind} wait "
        f"for a new kind, {total.not_visible} are not visible to a host recorder.",
        "",
        "## Per tactic",
        "",
        "A technique under several tactics counts under each; the total counts it once.",
        "",
        "| tactic | techniques | host-visible | covered | signature only | not covered "
        "| needs new kind | not visible | covered of visible + needs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tactic in m.tactics:
        lines.append(_count_row(f"{tactic.id} {tactic.name}", cov.per_tactic[tactic.id]))
    lines.append(_count_row("**total**", total))
    lines += ["", "## Event kinds the matrix waits for", ""]
    lines += ["| kind | what it would record | techniques |", "|---|---|---|"]
    for kind, what in m.kinds.items():
        waiting = [r.technique.id for r in cov.rows.values() if kind in r.technique.kinds]
        if kind not in EVENT_KINDS and any(cov.rows[t].status == NEEDS_KIND for t in waiting):
            lines.append(f"| `{kind}` | {_cell(what)} | {', '.join(waiting)} |")
    lines += ["", "## Techniques", ""]
    lines.append(
        "Procedures are the scripts in `tests/detection/procedures` (run by "
        "`tests/detection/test_procedures.py`)."
    )
    for tactic in m.tactics:
        lines += ["", f"### {tactic.id} {tactic.name}", ""]
        lines += ["| technique | name | status | signatures | procedures |"]
        lines += ["|---|---|---|---|---|"]
        for row in cov.rows.values():
            if tactic.shortname not in row.technique.tactics:
                continue
            status = status_text(row)
            if row.technique.note:
                status += f" ({row.technique.note})"
            lines.append(
                f"| {row.technique.id} | {_cell(row.technique.name)} | {_cell(status)} "
                f"| {_ids(row.signatures)} | {_ids(row.procedures)} |"
            )
    lines += ["", "## The catalog", ""]
    lines += [
        f"The {len(cov.signatures)} signatures of the catalog (`tracee-py sig list` shows the "
        "same with the data each one needs).",
        "",
        "| id | severity | confidence | tactic | technique | also | name |",
        "|---|---|---|---|---|---|---|",
    ]
    for sig in cov.signatures:
        also = ", ".join(ref.id for ref in sig.also)
        lines.append(
            f"| `{sig.id}` | {sig.severity.label} | {sig.confidence.label} "
            f"| {_cell(sig.tactic.name)} | {_cell(str(sig.technique))} | {also} "
            f"| {_cell(sig.name)} |"
        )
    if cov.outside:
        lines += ["", "## Signatures mapped outside the Linux matrix", ""]
        lines += ["| technique | signatures |", "|---|---|"]
        for tid, sigs in cov.outside.items():
            lines.append(f"| {tid} | {_ids(sigs)} |")
    return "\n".join(lines) + "\n"


def _count_row(label: str, c: Counts) -> str:
    not_covered = c.host_visible - c.covered - c.signature_only
    cells = [
        c.techniques,
        c.host_visible,
        c.covered,
        c.signature_only,
        not_covered,
        c.needs_kind,
        c.not_visible,
    ]
    return (
        f"| {label} | {' | '.join(str(x) for x in cells)} "
        f"| {percent(c.covered, c.recorder_visible)} |"
    )


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
