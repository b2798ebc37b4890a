"""``query`` reads the recording and never changes it.

A recording is evidence, and DuckDB can write: ``COPY ... TO`` into a partition adds forged
events, ``COPY ... (PARTITION_BY ..., OVERWRITE)`` deletes real files, ``EXPORT DATABASE``,
``ATTACH`` and ``CREATE`` write elsewhere. So an investigator's SQL must be one read-only
statement (``SELECT`` in any of its forms, ``DESCRIBE``, ``SUMMARIZE``, ``SHOW`` and
``EXPLAIN`` of a ``SELECT``), and results reach a file only through ``query --save FILE``,
which refuses any place inside the data directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracee_py.errors import QueryError, UsageError
from tracee_py.lazy import duckdb

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?", re.IGNORECASE)
HINT = "query only reads the recording; to keep the rows, use --save FILE or redirect stdout"


def check_read_only(sql: str) -> None:
    """Raise :class:`QueryError` unless ``sql`` is exactly one read-only statement."""
    statements = _statements(sql)
    if len(statements) != 1:
        raise QueryError(f"give exactly one statement, not {len(statements)}: {HINT}")
    statement = statements[0]
    kind = statement.type
    if kind == duckdb.StatementType.EXPLAIN:
        inner = _statements(_EXPLAIN.sub("", statement.query, count=1))
        if len(inner) == 1 and inner[0].type == duckdb.StatementType.SELECT:
            return
        raise QueryError(f"EXPLAIN only of a SELECT: {HINT}")
    if kind != duckdb.StatementType.SELECT:
        raise QueryError(f"{kind.name} statements are not allowed: {HINT}")


def _statements(sql: str) -> list[duckdb.Statement]:
    try:
        return list(duckdb.extract_statements(sql))
    except duckdb.Error as exc:
        raise QueryError(error_text(str(exc))) from exc


def error_text(message: str) -> str:
    """DuckDB's message on one line, without the caret drawing under the SQL."""
    lines = [ln.strip() for ln in message.splitlines()]
    return " ".join(ln for ln in lines if ln and not set(ln) <= {"^", " "})


def check_outside(target: Path, root: str | Path) -> Path:
    """``target`` (resolved) unless it lies inside the data directory ``root``."""
    resolved = Path(os.path.realpath(target))
    data = Path(os.path.realpath(root))
    if resolved == data or data in resolved.parents:
        raise UsageError(f"{target} is inside the data directory {root}: recordings are evidence")
    return resolved
