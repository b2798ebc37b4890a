"""Sample events: each signature proves itself on ``positive.jsonl`` and ``negative.jsonl``.

A sample file holds one event row per line (columns of :data:`tracee_py.schema.EVENT_SCHEMA`;
``node`` and ``boot_id`` default to ``sample-node`` and ``sample-boot``). Blank lines and
lines starting with ``#`` are comments. How many findings ``positive.jsonl`` must yield
comes from, in order: rows marked ``"_finding": true`` (then each finding must also be *at*
a marked row: same ``process_id`` and ``time``), the rule's ``expect``, or a first line
``{"expect": N}``. ``negative.jsonl`` holds benign look-alikes and must yield nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from tracee_py.safeio import UnsafeFile, read_regular
from tracee_py.schema import EVENT_COLUMNS, EVENT_KINDS
from tracee_py.signatures.engine import DEFAULT_TIMEOUT_S, run_on_table, timestamps_ns
from tracee_py.signatures.model import Finding, Problem, Signature, SourceLocation
from tracee_py.store.rows import events_from_rows

SAMPLE_DEFAULTS = {"node": "sample-node", "boot_id": "sample-boot"}
MARK = "_finding"
MAX_SAMPLE_BYTES = 16 << 20
MAX_JSON_DEPTH = 8  # an event row is an object of scalars and lists of strings
_TOO_DEEP = object()


@dataclass
class SampleFile:
    path: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # file line of each row
    marked: list[int] = field(default_factory=list)  # indexes of rows marked _finding
    expect: int | None = None  # from a {"expect": N} first line
    expect_line: int = 0
    problems: list[Problem] = field(default_factory=list)

    def table(self) -> pa.Table:
        return events_from_rows(self.rows)


def read_sample_file(path: Path) -> SampleFile:
    """Parse a JSONL sample file; every bad line becomes a problem with its line number."""
    sample = SampleFile(path)
    try:
        text = read_regular(path, MAX_SAMPLE_BYTES).decode("utf-8")
    except FileNotFoundError:
        sample.problems.append(Problem(SourceLocation(path), "sample file is missing"))
        return sample
    except (OSError, UnicodeDecodeError, UnsafeFile) as exc:
        sample.problems.append(Problem(SourceLocation(path), f"cannot read: {exc}"))
        return sample
    first = True
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = SourceLocation(path, number)
        try:
            row = json.loads(stripped)
        except json.JSONDecodeError as exc:
            sample.problems.append(Problem(where, f"not JSON: {exc.msg} (column {exc.colno})"))
            first = False
            continue
        except RecursionError:
            row = _TOO_DEEP  # nested deeper than the decoder goes
        if row is _TOO_DEEP or json_depth(row) > MAX_JSON_DEPTH:
            sample.problems.append(
                Problem(where, f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
            )
            first = False
            continue
        if not isinstance(row, dict):
            sample.problems.append(Problem(where, "each line must be a JSON object"))
            first = False
            continue
        if first and set(row) == {"expect"}:
            first = False
            if isinstance(row["expect"], int) and row["expect"] >= 1:
                sample.expect, sample.expect_line = row["expect"], number
            else:
                sample.problems.append(Problem(where, "expect must be a whole number >= 1"))
            continue
        first = False
        marked = row.pop(MARK, False)
        if marked not in (True, False):
            sample.problems.append(Problem(where, f"{MARK} must be true or false"))
        row_problems = _row_problems(row)
        if row_problems:
            sample.problems.extend(Problem(where, p) for p in row_problems)
            continue
        for key, value in SAMPLE_DEFAULTS.items():
            row.setdefault(key, value)
        if marked is True:
            sample.marked.append(len(sample.rows))
        sample.rows.append(row)
        sample.lines.append(number)
    return sample


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _row_problems(row: dict[str, Any]) -> list[str]:
    problems = []
    unknown = sorted(set(row) - set(EVENT_COLUMNS))
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if "time" not in row:
        problems.append("row has no time")
    event = row.get("event")
    if event not in EVENT_KINDS:
        problems.append(f"unknown event kind {event!r}")
    if not problems:
        try:
            events_from_rows([{**SAMPLE_DEFAULTS, **row}])
        except (TypeError, ValueError, OverflowError, pa.ArrowException) as exc:
            problems.append(f"bad value: {' '.join(str(exc).split())}")
    return problems


def expected_count(sig: Signature, positive: SampleFile) -> tuple[int | None, list[Problem]]:
    """How many findings the positive samples must yield, and any disagreement about it."""
    problems = []
    counts = []
    if positive.marked:
        counts.append(("rows marked _finding", len(positive.marked), positive.path, 0))
    if sig.expect is not None:
        counts.append(("expect in the rule", sig.expect, sig.rule_file, 0))
    if positive.expect is not None:
        counts.append(("expect line", positive.expect, positive.path, positive.expect_line))
    if not counts:
        problems.append(
            Problem(
                SourceLocation(positive.path),
                'no expected count: mark rows with "_finding": true, set expect in the rule, '
                'or start the file with {"expect": N}',
            )
        )
        return None, problems
    first_what, first_n, _, _ = counts[0]
    for what, n, path, line in counts[1:]:
        if n != first_n:
            problems.append(
                Problem(
                    SourceLocation(path, line), f"{what} says {n} but {first_what} says {first_n}"
                )
            )
    return first_n, problems


def check_sample_files(sig: Signature) -> list[Problem]:
    """Problems with a signature's sample files (syntax, columns, expected count)."""
    positive = read_sample_file(sig.positive_file)
    negative = read_sample_file(sig.negative_file)
    problems = positive.problems + negative.problems
    if not positive.problems:
        if not positive.rows:
            problems.append(Problem(SourceLocation(positive.path), "no sample events"))
        problems.extend(expected_count(sig, positive)[1])
    if not negative.problems and not negative.rows:
        problems.append(Problem(SourceLocation(negative.path), "no sample events"))
    if negative.marked:
        problems.append(
            Problem(SourceLocation(negative.path), f"negative samples cannot mark {MARK}")
        )
    return problems


@dataclass
class SampleOutcome:
    """The result of running one signature on its samples."""

    signature: Signature
    expected: int | None = None
    positive: list[Finding] = field(default_factory=list)
    negative: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # expected findings that did not come
    extra: list[str] = field(default_factory=list)  # findings that should not be there
    problems: list[str] = field(default_factory=list)  # samples unreadable, query failed

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.problems)


def verify_samples(sig: Signature, *, timeout: float | None = DEFAULT_TIMEOUT_S) -> SampleOutcome:
    """Run ``sig`` on its positive and negative samples and compare with what it must find."""
    outcome = SampleOutcome(sig)
    positive = read_sample_file(sig.positive_file)
    negative = read_sample_file(sig.negative_file)
    for sample in (positive, negative):
        outcome.problems.extend(str(p) for p in sample.problems)
    expected, count_problems = expected_count(sig, positive)
    outcome.problems.extend(str(p) for p in count_problems)
    outcome.expected = expected
    if outcome.problems:
        return outcome

    pos_table = positive.table()
    pos_run = run_on_table(pos_table, [sig], timeout=timeout).runs[0]
    neg_run = run_on_table(negative.table(), [sig], timeout=timeout).runs[0]
    for run in (pos_run, neg_run):
        if run.error:
            outcome.problems.append(f"query failed: {run.error}")
    outcome.positive, outcome.negative = pos_run.findings, neg_run.findings

    for f in neg_run.findings:
        outcome.extra.append(f"{sig.negative_file.name}: {_describe(f)}")
    if positive.marked:
        times = timestamps_ns(pos_table.column("time"))
        ids = pos_table.column("process_id").to_pylist()
        wanted = {(ids[i], times[i]): positive.lines[i] for i in positive.marked}
        found: set[tuple[int | None, int | None]] = set()
        for f in pos_run.findings:
            got = (f.process_id, f.time_ns)
            if got in wanted and got not in found:
                found.add(got)
            else:
                outcome.extra.append(f"{sig.positive_file.name}: {_describe(f)}")
        for key, line in sorted(wanted.items(), key=lambda kv: kv[1]):
            if key not in found:
                outcome.missing.append(
                    f"{sig.positive_file.name}:{line}: no finding for process_id {key[0]} "
                    "at this row's time"
                )
    elif expected is not None:
        count = len(pos_run.findings)
        if count < expected:
            outcome.missing.append(
                f"{sig.positive_file.name}: expected {expected} finding(s), got {count}"
            )
        elif count > expected:
            outcome.extra.append(
                f"{sig.positive_file.name}: expected {expected} finding(s), got {count}: "
                + "; ".join(_describe(f) for f in pos_run.findings)
            )
    return outcome


def verify_all_samples(
    signatures: Sequence[Signature],
    on_done: Callable[[SampleOutcome], None] | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT_S,
) -> list[SampleOutcome]:
    outcomes = []
    for sig in signatures:
        outcome = verify_samples(sig, timeout=timeout)
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return outcomes


def _describe(f: Finding) -> str:
    return f"{f.time} pid {f.pid} process_id {f.process_id}: {f.detail}"
