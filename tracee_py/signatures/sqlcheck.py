"""Static and dry-run checks of signature SQL, reported as problems with file and line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import pyarrow as pa

from tracee_py.schema import CONTAINER_COLUMNS
from tracee_py.signatures.correlation import CORRELATION_COLUMNS
from tracee_py.signatures.model import (
    Problem,
    Signature,
    SourceLocation,
    SqlFacts,
    template_fields,
)
from tracee_py.signatures.sandbox import (
    QueryFailed,
    RejectedStatement,
    Sandbox,
    SandboxError,
    inspect_sql,
)

# Finding fields the engine fills from ``processes`` when the query does not return them.
PROCESS_FIELDS: tuple[str, ...] = (
    "node",
    "pid",
    "comm",
    "exe",
    *CONTAINER_COLUMNS,
)
REQUIRED_COLUMNS: tuple[str, ...] = ("time", "process_id")
# Seconds one query may take on empty tables: a query that scans them does not come close;
# one that does not scan events at all (FROM range(9e18)) is stopped.
CHECK_TIMEOUT_S = 30.0


def result_column_problems(schema: pa.Schema) -> list[str]:
    """What is wrong with the columns a signature query returns: checked on empty tables
    when a signature is loaded, and on every run (a pack may be loaded unchecked)."""
    names = schema.names
    out = [f"sql must return a column named {c!r}" for c in REQUIRED_COLUMNS if c not in names]
    if "time" in names and not pa.types.is_timestamp(schema.field("time").type):
        out.append(f"sql column 'time' must be a timestamp, not {schema.field('time').type}")
    if "process_id" in names and not pa.types.is_integer(schema.field("process_id").type):
        out.append("sql column 'process_id' must be an integer")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        out.append(f"sql returns column(s) {', '.join(duplicates)} more than once")
    return out


def check_signature_sql(
    signatures: Sequence[Signature], *, timeout: float | None = None
) -> Iterator[tuple[Signature, list[Problem]]]:
    """Check each signature's SQL; yields it (with ``event_kinds`` set) and its problems.

    Each query runs on empty tables for at most ``timeout`` seconds (default
    :data:`CHECK_TIMEOUT_S`), several side by side (:meth:`Sandbox.query_each`): planning
    a query is most of what it costs on empty tables, and a catalog has hundreds."""
    with_sql = [sig for sig in signatures if sig.correlation is None]
    with Sandbox.load(None) as empty:
        outcomes = empty.query_each(
            [sig.sql for sig in with_sql], timeout=timeout or CHECK_TIMEOUT_S
        )
        ran = {id(sig): outcome for sig, (outcome, _) in zip(with_sql, outcomes, strict=True)}
    for sig in signatures:
        if sig.correlation is not None:
            yield _check_correlation(sig)
        else:
            yield check_outcome(sig, ran[id(sig)])


def check_outcome(
    sig: Signature, outcome: pa.Table | SandboxError
) -> tuple[Signature, list[Problem]]:
    """The problems of ``sig`` given what its query gave on empty tables (the statement is
    checked there, once, by the sandbox)."""
    problems: list[Problem] = []

    def at_sql(offset: int | None, message: str) -> None:
        line = sig.sql_line + (offset - 1) if offset and sig.sql_line else sig.sql_line
        problems.append(Problem(SourceLocation(sig.rule_file, line), message))

    failure: tuple[int | None, str] | None = None
    if isinstance(outcome, RejectedStatement):
        at_sql(None, f"sql: {outcome}")
        return sig, problems
    if isinstance(outcome, QueryFailed):
        failure = (outcome.sql_line, f"sql: {outcome}")
    elif isinstance(outcome, SandboxError):
        failure = (None, f"sql: {outcome}")

    facts = inspect_sql(sig.sql)
    kinds: frozenset[str] | None = frozenset(sig.required_events)
    if facts is not None:
        unlisted = sorted(facts.event_kinds - set(sig.required_events))
        if sig.required_events and unlisted:
            at_sql(
                None,
                f"sql names event kind(s) {', '.join(unlisted)} missing from requires.events",
            )
        kinds = frozenset(sig.required_events) | facts.event_kinds
    if not kinds:
        kinds = None
    checked = replace(sig, event_kinds=kinds, reads=facts)
    if failure is not None:
        at_sql(*failure)
        return checked, problems

    assert isinstance(outcome, pa.Table)
    schema = outcome.schema
    for message in result_column_problems(schema):
        at_sql(None, message)
    known = set(schema.names) | set(PROCESS_FIELDS)
    for name in template_fields(sig.detail or ""):
        if name not in known:
            problems.append(
                Problem(
                    SourceLocation(sig.rule_file, sig.detail_line),
                    f"detail placeholder {{{name}}} is not a column the sql returns",
                )
            )
    return checked, problems


def _check_correlation(sig: Signature) -> tuple[Signature, list[Problem]]:
    """A correlation rule has no SQL: its detail may name the correlation's columns and the
    process fields. Its event kinds are its building blocks' (set when they are resolved)."""
    problems: list[Problem] = []
    known = set(CORRELATION_COLUMNS) | set(PROCESS_FIELDS)
    for name in template_fields(sig.detail or ""):
        if name not in known:
            problems.append(
                Problem(
                    SourceLocation(sig.rule_file, sig.detail_line),
                    f"detail placeholder {{{name}}} is not a correlation column "
                    f"({', '.join(sorted(known))})",
                )
            )
    nothing = SqlFacts(frozenset(), frozenset(), frozenset(), False)
    return replace(sig, event_kinds=frozenset(), reads=nothing), problems
