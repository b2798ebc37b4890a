"""Building event tables from plain rows (fixtures, samples, the synthetic generator)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa

from tracee_py.schema import EVENT_COLUMNS, EVENT_SCHEMA

_TIME_COLUMNS = ("time", "start_time")
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
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_COLUMNS}
    # The recorder's lifecycle rows come through here: (name, list) pairs and a set made
    # once, not per row.
    plain = [(name, columns[name]) for name in EVENT_COLUMNS if name not in _TIME_COLUMNS]
    timed = [(name, columns[name]) for name in EVENT_COLUMNS if name in _TIME_COLUMNS]
    for i, row in enumerate(rows):
        if not _COLUMN_SET.issuperset(row):
            unknown = set(row) - _COLUMN_SET
            raise ValueError(f"row {i}: unknown column(s) {sorted(unknown)}")
        get = row.get
        for name, values in plain:
            values.append(get(name))
        for name, values in timed:
            values.append(_to_ns(get(name)))
    arrays = []
    for f in EVENT_SCHEMA:
        values = columns[f.name]
        if pa.types.is_timestamp(f.type):
            arrays.append(pa.array(values, type=pa.int64()).cast(f.type))
        else:
            arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)
