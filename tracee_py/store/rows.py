"""Building event tables from plain rows (fixtures, samples, the synthetic generator)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa

from tracee_py.schema import EVENT_COLUMNS, EVENT_SCHEMA

_COLUMN_SET = frozenset(EVENT_COLUMNS)


def _to_ns(value: Any) -> Any:
    """Accept ns integers, datetimes and ISO-8601 strings for time columns."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return int(value.timestamp() * 1_000_000) * 1000
    if isinstance(value, str):
        text = value.replace("Z", "+00:00")
        dt = datetime.fromisoformat(text)
        return int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000
    raise TypeError(f"cannot use {value!r} as a time")


def events_from_rows(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A table in :data:`EVENT_SCHEMA` from dicts; missing columns are null.

    Unknown keys are an error, so a typo in a fixture or a sample cannot pass silently.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    n = len(rows)
    # Only the keys a row has are visited (the recorder's lifecycle rows set about half
    # the columns), and a column no row sets is one null array.
    columns: dict[str, list[Any]] = {}
    for i, row in enumerate(rows):
        for name, value in row.items():
            values = columns.get(name)
            if values is None:
                if name not in _COLUMN_SET:
                    unknown = set(row) - _COLUMN_SET
                    raise ValueError(f"row {i}: unknown column(s) {sorted(unknown)}")
                values = columns[name] = [None] * n
            values[i] = value
    arrays = []
    for f in EVENT_SCHEMA:
        values = columns.get(f.name)
        if values is None:
            arrays.append(pa.nulls(n, f.type))
        elif pa.types.is_timestamp(f.type):
            ns = [_to_ns(v) for v in values]
            arrays.append(pa.array(ns, type=pa.int64()).cast(f.type))
        else:
            arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)
