"""Running signatures over a recording (or over sample events) and building findings.

One run reads the recording once: the rows of every event kind any selected signature
reads (plus the lifecycle kinds ``processes`` is built from) are copied into a locked
in-memory :class:`Sandbox`, sorted by kind. Each signature's SQL then runs there, so
forty signatures cost one filtered scan of the Parquet files plus forty in-memory queries
that skip straight to their kinds, rather than forty scans.

Findings get their process fields (pid, comm, exe, container, pod) from the query's own
columns when it returns them, else from ``processes``; ancestry (the exe of the parent,
grandparent, ... up to the root) always comes from ``processes``.
"""

from __future__ import annotations

import gc
import math
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from tracee_py.query.dataset import open_dataset, parquet_view_sql
from tracee_py.query.times import format_ns
from tracee_py.signatures.correlation import MAX_DEPTH, correlate, with_building_blocks
from tracee_py.signatures.model import Finding, Signature
from tracee_py.signatures.sandbox import LoadPlan, Sandbox, SandboxError, plan_for
from tracee_py.signatures.sqlcheck import PROCESS_FIELDS, result_column_problems

DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MAX_FINDINGS = 10_000  # per signature; more is noise, and is said so in a warning
MAX_ANCESTRY = 64
_TEMPLATE = re.compile(r"\{\{|\}\}|\{([a-z_][a-z0-9_]*)\}")


@dataclass
class SignatureRun:
    """What one signature produced in one run."""

    signature: Signature
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None  # the signature failed; the others still ran
    truncated: bool = False  # more than max_findings matched


@dataclass
class RunResult:
    runs: list[SignatureRun]
    warnings: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    load_seconds: float = 0.0
    load_steps: dict[str, float] = field(default_factory=dict)  # seconds per loading step
    # wall seconds of the run's phases after loading: "queries" (the signatures' SQL,
    # several at a time), "findings" (process lookups), "correlations"
    phase_seconds: dict[str, float] = field(default_factory=dict)
    dataset_problems: int = 0  # damaged files and manifest problems of the recording

    @property
    def findings(self) -> list[Finding]:
        out = [f for run in self.runs for f in run.findings]
        out.sort(key=lambda f: (f.time_ns, f.signature_id, f.process_id or 0))
        return out

    @property
    def errors(self) -> list[SignatureRun]:
        return [run for run in self.runs if run.error]


class RunObserver:
    """Progress hooks for a front end; the defaults do nothing."""

    def loading(self, kinds: tuple[str, ...] | None) -> None:
        """The rows are being read into the sandbox."""

    def loaded(self, rows: int) -> None:
        """The sandbox holds ``rows`` events."""

    def started(self, signature: Signature, index: int, total: int) -> None:
        """``signature`` is about to run."""

    def finished(self, run: SignatureRun) -> None:
        """``run`` is done."""


def load_plan(signatures: Sequence[Signature]) -> LoadPlan:
    """The rows and columns ``signatures`` can read (see :func:`plan_for`)."""
    return plan_for((s.event_kinds, s.reads) for s in with_building_blocks(signatures))


def run_on_dataset(
    root: str | Path,
    signatures: Sequence[Signature],
    *,
    observer: RunObserver | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
    nodes: Sequence[str] | None = None,
) -> RunResult:
    """Run ``signatures`` over the recording at ``root``."""
    obs = observer or RunObserver()
    plan = load_plan(signatures)
    started = time.perf_counter()
    with open_dataset(
        root, nodes=nodes, time_from_ns=time_from_ns, time_to_ns=time_to_ns
    ) as dataset:
        obs.loading(plan.kinds)

        def load() -> Sandbox:
            if dataset.remote:
                # Object storage needs DuckDB's httpfs, which the sandbox never loads: read
                # through the dataset's own connection and hand the rows over as Arrow.
                reader = dataset.con.sql("SELECT * FROM events").to_arrow_reader()
                return Sandbox.load(reader, plan=plan)
            if dataset.files:
                view = parquet_view_sql(
                    "_source",
                    [str(Path(dataset.root) / f.path) for f in dataset.files],
                    nodes=dataset.nodes,
                    time_from_ns=time_from_ns,
                    time_to_ns=time_to_ns,
                )
                return Sandbox.load(plan=plan, parquet_view=view)
            return Sandbox.load(None, plan=plan)

        # A file damaged past its footer is found while loading: left out, named, and the
        # rest loaded again.
        sandbox = dataset.retrying(load)
        warnings = list(dataset.warnings)
        dataset_problems = dataset.problems
    load_seconds = time.perf_counter() - started
    with sandbox:
        result = run_in(sandbox, signatures, obs, timeout, max_findings)
    result.load_seconds = load_seconds
    result.load_steps = dict(sandbox.timings)
    result.warnings[:0] = warnings
    result.dataset_problems = dataset_problems
    return result


def run_on_table(
    events: pa.Table,
    signatures: Sequence[Signature],
    *,
    observer: RunObserver | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    max_findings: int = DEFAULT_MAX_FINDINGS,
) -> RunResult:
    """Run ``signatures`` over an in-memory events table (sample events, fixtures).

    The rows go through the same load plan as a recording, so a signature that forgets a
    kind in ``requires.events`` misses it here as it would in a real run.
    """
    obs = observer or RunObserver()
    plan = load_plan(signatures)
    obs.loading(plan.kinds)
    with Sandbox.load(events, plan=plan) as sandbox:
        return run_in(sandbox, signatures, obs, timeout, max_findings)


class SignatureHost(Protocol):
    """Where signature SQL runs: :class:`Sandbox` (DuckDB) or the Spark sandbox."""

    def query(
        self, sql: str, *, timeout: float | None = None, max_rows: int | None = None
    ) -> pa.Table: ...

    def query_each(
        self,
        sqls: Sequence[str],
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
    ) -> Iterator[tuple[pa.Table | SandboxError, float]]: ...

    def event_count(self) -> int: ...

    def ancestry_rows(
        self, process_ids: Sequence[int], max_depth: int, fields: Sequence[str]
    ) -> list[dict[str, Any]]: ...

    def ancestor_images(
        self, process_ids: Sequence[int], max_depth: int
    ) -> dict[int, list[str]]: ...


def run_in(
    sandbox: SignatureHost,
    signatures: Sequence[Signature],
    obs: RunObserver,
    timeout: float | None,
    max_findings: int,
) -> RunResult:
    with _cycle_collection_paused():
        return _run_in(sandbox, signatures, obs, timeout, max_findings)


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector off while findings are built.

    A run makes millions of small objects (result rows, findings, their evidence) that hold
    no reference cycles, so reference counting frees them all; while they pile up, the
    collector would walk every one of them again and again (about a third of the time
    spent building findings). It is turned back on however the run ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_in(
    sandbox: SignatureHost,
    signatures: Sequence[Signature],
    obs: RunObserver,
    timeout: float | None,
    max_findings: int,
) -> RunResult:
    rows = sandbox.event_count()
    obs.loaded(rows)
    # Correlations run after everything else: their building blocks run even when they
    # are not selected themselves (their findings are then not shown).
    ordinary = [s for s in with_building_blocks(signatures) if s.correlation is None]
    correlations = [s for s in signatures if s.correlation is not None]
    total = len(ordinary) + len(correlations)
    runs: list[SignatureRun] = []
    raw: list[tuple[SignatureRun, list[dict[str, Any]]]] = []
    phases: dict[str, float] = {}
    clock = time.perf_counter()
    outcomes = sandbox.query_each(
        [sig.sql for sig in ordinary], timeout=timeout, max_rows=max_findings + 1
    )
    for index, (sig, (outcome, seconds)) in enumerate(zip(ordinary, outcomes, strict=True)):
        obs.started(sig, index, total)
        run = SignatureRun(sig)
        started = time.perf_counter()
        try:
            if isinstance(outcome, SandboxError):
                raise outcome
            problems = result_column_problems(outcome.schema)
            if problems:
                raise SandboxError("; ".join(problems))
            if outcome.num_rows > max_findings:
                run.truncated = True
                outcome = outcome.slice(0, max_findings)
            raw.append((run, table_records(outcome)))
        except SandboxError as exc:
            run.error = str(exc)
        except RecursionError:  # values nested deeper than Python converts them
            run.error = "the query returned values nested too deeply to report"
        run.seconds = seconds + time.perf_counter() - started
        runs.append(run)
        obs.finished(run)

    phases["queries"] = time.perf_counter() - clock
    clock = time.perf_counter()
    process_ids = {r["process_id"] for _, records in raw for r in records if r.get("process_id")}
    lookup = _process_lookup(sandbox, sorted(process_ids))
    for run, records in raw:
        run.findings = [_finding(run.signature, r, lookup) for r in records]
    phases["findings"] = time.perf_counter() - clock
    clock = time.perf_counter()
    for offset, sig in enumerate(correlations, len(ordinary)):
        obs.started(sig, offset, total)
        run = _correlation_run(sandbox, sig, runs, max_findings)
        runs.append(run)
        obs.finished(run)
    phases["correlations"] = time.perf_counter() - clock
    order = {s.id: i for i, s in enumerate(signatures)}  # as selected, correlations included
    runs = sorted((r for r in runs if r.signature.id in order), key=lambda r: order[r.signature.id])
    result = RunResult(runs, rows_loaded=rows, phase_seconds=phases)
    for run in runs:
        if run.error:
            result.warnings.append(f"signature {run.signature.id} failed: {run.error}")
        if run.truncated:
            result.warnings.append(
                f"signature {run.signature.id} matched more than {max_findings} times; "
                f"only the first {max_findings} are reported"
            )
    return result


def _correlation_run(
    sandbox: SignatureHost, sig: Signature, runs: list[SignatureRun], max_findings: int
) -> SignatureRun:
    """Findings of a correlation rule from its building blocks' findings in ``runs``."""
    assert sig.correlation is not None
    run = SignatureRun(sig)
    started = time.perf_counter()
    blocks = {b.id for b in sig.correlation.blocks}
    block_runs = [r for r in runs if r.signature.id in blocks]
    failed = [r for r in block_runs if r.error]
    if failed:
        run.error = f"building block {failed[0].signature.id} failed: {failed[0].error}"
        run.seconds = time.perf_counter() - started
        return run
    findings = [f for r in block_runs for f in r.findings]
    ids = sorted({f.process_id for f in findings if f.process_id is not None})
    chains: dict[int, list[dict[str, Any]]] = {}
    if ids:
        fields = ("process_id", "exe", "comm", "argv")
        for row in sandbox.ancestry_rows(ids, MAX_DEPTH, fields):
            chains.setdefault(int(row["start_id"]), []).append(row)
        for chain in chains.values():
            chain.sort(key=lambda r: int(r["depth"]))
    records = correlate(sig, findings, chains)
    if len(records) > max_findings:
        run.truncated = True
        records = records[:max_findings]
    for record in records:
        record["time"] = format_ns(record["_time_ns"])
    groups = sorted({r["process_id"] for r in records})
    lookup = _process_lookup(sandbox, groups)
    run.findings = [_finding(sig, r, lookup) for r in records]
    run.seconds = time.perf_counter() - started
    return run


_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def timestamps_ns(column: pa.ChunkedArray | pa.Array) -> list[int | None]:
    """A timestamp column as integer nanoseconds since the epoch."""
    unit = _UNIT_NS[column.type.unit]
    # A view of the same buffers as integers: a cast would load pyarrow's compute
    # kernels (about a tenth of a second of a command's start-up) for nothing.
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    return [
        None if v is None else v * unit
        for chunk in chunks
        for v in chunk.view(pa.int64()).to_pylist()
    ]


def table_records(table: pa.Table) -> list[dict[str, Any]]:
    """Rows as dicts of JSON-ready values; ``_time_ns`` holds the exact ``time``.

    Timestamps become ISO-8601 text with all nine digits (Python datetimes stop at
    microseconds, and pyarrow refuses to drop the rest).
    """
    columns: dict[str, list[Any]] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(column.type):
            ns = timestamps_ns(column)
            if name == "time":
                columns["_time_ns"] = ns
            columns[name] = [None if v is None else format_ns(v) for v in ns]
        elif _json_ready(column.type):
            columns[name] = _pylist(column)
        else:
            columns[name] = [jsonable(v) for v in _pylist(column)]
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _json_ready(kind: pa.DataType) -> bool:
    """Whether every value of a column of this type is JSON as Python gives it (text,
    integers, booleans), so :func:`jsonable` has nothing to do."""
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_boolean(kind)
    )


def _pylist(column: pa.ChunkedArray) -> list[Any]:
    try:
        return column.to_pylist()
    except ValueError:  # nanosecond timestamps nested in lists or structs
        return column.cast(_microseconds(column.type), safe=False).to_pylist()


def _microseconds(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(kind):
        return pa.timestamp("us", tz=kind.tz)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.list_(_microseconds(kind.value_type))
    if pa.types.is_struct(kind):
        return pa.struct([f.with_type(_microseconds(f.type)) for f in kind])
    return kind


def _datetime_ns(value: datetime) -> int:
    return math.floor(value.timestamp()) * 1_000_000_000 + value.microsecond * 1000


@dataclass(frozen=True)
class _Processes:
    """What findings take from ``processes``, by process_id: the process's own fields, and
    the images of its ancestors (parent first)."""

    fields: dict[int, dict[str, Any]]
    ancestry: dict[int, list[str]]


def _process_lookup(sandbox: SignatureHost, process_ids: list[int]) -> _Processes:
    if not process_ids:
        return _Processes({}, {})
    # Two light asks instead of one wide one: the process's own fields (depth 0 only), then
    # the images of its ancestors, one list per process: every ancestor row carrying every
    # process field made this the costliest step of building findings.
    own = {
        row["start_id"]: {f: row[f] for f in PROCESS_FIELDS}
        for row in sandbox.ancestry_rows(process_ids, 0, PROCESS_FIELDS)
    }
    return _Processes(own, sandbox.ancestor_images(process_ids, MAX_ANCESTRY))


_STANDARD = {"time", "_time_ns", "process_id", *PROCESS_FIELDS}


_PROCESS_FIELD_NAMES = frozenset(PROCESS_FIELDS)
_NO_FIELDS: dict[str, Any] = dict.fromkeys(PROCESS_FIELDS)


def _finding(sig: Signature, record: dict[str, Any], lookup: _Processes) -> Finding:
    process_id = record.get("process_id")
    own = lookup.fields.get(process_id) if process_id is not None else None
    fields = dict(own or _NO_FIELDS)  # every process field, None when unknown
    evidence = {}
    for name, value in record.items():
        if name in _PROCESS_FIELD_NAMES:
            if value is not None:  # the query's own value wins
                fields[name] = value
        elif name not in _STANDARD:
            evidence[name] = value
    time_ns = int(record.get("_time_ns") or 0)
    stamp = record.get("time") if "_time_ns" in record else None  # already formatted
    return Finding(
        signature_id=sig.id,
        name=sig.name,
        severity=sig.severity,
        confidence=sig.confidence,
        mitre_tactic=sig.tactic,
        mitre_technique=sig.technique,
        mitre_also=sig.also,
        time_ns=time_ns,
        time=stamp if isinstance(stamp, str) else format_ns(time_ns),
        node=fields["node"],
        process_id=process_id,
        pid=fields["pid"],
        comm=fields["comm"],
        exe=fields["exe"],
        container_id=fields["container_id"],
        container_name=fields["container_name"],
        container_image=fields["container_image"],
        pod_name=fields["pod_name"],
        pod_namespace=fields["pod_namespace"],
        pod_uid=fields["pod_uid"],
        detail=render_detail(sig.detail or sig.name, {**record, **fields}),
        ancestry=tuple(lookup.ancestry.get(process_id, ())) if process_id is not None else (),
        evidence=evidence,
    )


def render_detail(template: str, values: dict[str, Any]) -> str:
    """Fill ``{column}`` placeholders; ``{{`` and ``}}`` are literal braces.

    Deliberately not ``str.format``: a template from a signature pack gets plain column
    values, never attribute or item access on Python objects.
    """
    head, rest = _template_parts(template)
    pieces = [head]
    for name, literal in rest:
        pieces.append(_display(values.get(name)))
        pieces.append(literal)
    return " ".join("".join(pieces).split())


@lru_cache(maxsize=1024)
def _template_parts(template: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``template`` cut once into its leading text and (placeholder, text after it) pairs
    (a run renders the same few templates for every finding)."""
    names: list[str] = []
    texts: list[list[str]] = [[]]  # the literal text before the first placeholder, after each
    last = 0
    for match in _TEMPLATE.finditer(template):
        texts[-1].append(template[last : match.start()])
        token = match.group(0)
        if token in ("{{", "}}"):
            texts[-1].append(token[0])
        else:
            names.append(match.group(1))
            texts.append([])
        last = match.end()
    texts[-1].append(template[last:])
    head, *after = ("".join(text) for text in texts)
    return head, tuple(zip(names, after, strict=True))


def _display(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None:
        return "?"
    if isinstance(value, list):
        return " ".join(_display(v) for v in value) if value else "[]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_display(v)}" for k, v in value.items())
    return str(value)


def jsonable(value: Any) -> Any:
    """A value from a query result as JSON: times as ISO-8601, bytes as hex (as `query`)."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        return value
    if isinstance(value, datetime):
        return format_ns(_datetime_ns(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)
