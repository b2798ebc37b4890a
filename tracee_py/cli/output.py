"""Rows out: one renderer for every command that prints rows (``-o table|json|jsonl|csv``).

``table`` is for people: a Rich table, cells cut with an ellipsis, at most ``max_rows`` rows
with the cut marked. ``json`` (one array), ``jsonl`` (one object a line) and ``csv`` are for
tools: every row, streamed as it comes, times as ISO-8601 UTC with nanoseconds, lists and
structs as JSON. Only data goes to stdout.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TextIO

import pyarrow as pa
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracee_py.errors import UsageError
from tracee_py.lazy import pc
from tracee_py.printable import printable

FORMATS = ("table", "json", "jsonl", "csv")
TABLE_MAX_ROWS = 1000
CELL_MAX_WIDTH = 60
_ISO = "%Y-%m-%dT%H:%M:%SZ"  # %S carries the fraction for ns timestamps


def data_console() -> Console:
    """The console for tables and trees on stdout: the terminal's width, or a wide page
    (``$COLUMNS``, else 200) when stdout is a file or a pipe, so rows are not squeezed."""
    from tracee_py.cli.console import out_console

    if out_console.is_terminal:
        return out_console
    width = int(os.environ.get("COLUMNS", "0") or 0) or 200
    return Console(file=sys.stdout, width=width, soft_wrap=False, highlight=False)


def check_format(fmt: str) -> str:
    value = fmt.strip().lower()
    if value not in FORMATS:
        raise UsageError(f"unknown output format {fmt!r}: use one of {', '.join(FORMATS)}")
    return value


def render_rows(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    fmt: str,
    *,
    title: str | None = None,
    max_rows: int | None = TABLE_MAX_ROWS,
    max_width: int = CELL_MAX_WIDTH,
    out: TextIO | None = None,
    console: Console | None = None,
) -> int:
    """Print ``rows`` (tuples in ``columns`` order, or dicts keyed by column) in ``fmt``.

    Returns the number of rows printed. ``max_rows`` and ``max_width`` apply to tables only.
    """
    fmt = check_format(fmt)
    stream = out or sys.stdout
    tuples = (_as_tuple(columns, r) for r in rows)
    if fmt == "table":
        return _table(columns, tuples, title, max_rows, max_width, console)
    if fmt == "csv":
        return _csv(columns, tuples, stream)
    return _json(columns, tuples, stream, lines=fmt == "jsonl")


def render_arrow(
    reader: Iterable[pa.RecordBatch],
    fmt: str,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    max_rows: int | None = TABLE_MAX_ROWS,
    max_width: int = CELL_MAX_WIDTH,
    out: TextIO | None = None,
    console: Console | None = None,
) -> int:
    """Like :func:`render_rows` for Arrow record batches (a ``RecordBatchReader``), streamed."""
    names = (
        list(columns)
        if columns is not None
        else list(getattr(reader, "schema", pa.schema([])).names)
    )
    return render_rows(
        names,
        arrow_rows(reader),
        fmt,
        title=title,
        max_rows=max_rows,
        max_width=max_width,
        out=out,
        console=console,
    )


def arrow_rows(reader: Iterable[pa.RecordBatch]) -> Iterator[tuple[Any, ...]]:
    """Python rows from Arrow batches, times turned into ISO-8601 strings first."""
    for batch in reader:
        cols = [plain_column(batch.column(i)).to_pylist() for i in range(batch.num_columns)]
        yield from zip(*cols, strict=True)


def plain_column(arr: pa.Array) -> pa.Array:
    """Timestamps (also inside lists and structs) as ISO-8601 strings with nanoseconds."""
    t = arr.type
    if pa.types.is_timestamp(t):
        utc = arr.cast(pa.timestamp("ns", tz="UTC"))
        return pc.strftime(utc, format=_ISO)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        if not _has_time(t):
            return arr
        values = plain_column(arr.flatten())
        cls = pa.ListArray if pa.types.is_list(t) else pa.LargeListArray
        offsets = pc.subtract(arr.offsets, arr.offsets[0])  # a slice's offsets start anywhere
        return cls.from_arrays(offsets, values, mask=arr.is_null())
    if pa.types.is_struct(t):
        if not _has_time(t):
            return arr
        fields = [plain_column(arr.field(i)) for i in range(t.num_fields)]
        names = [t.field(i).name for i in range(t.num_fields)]
        return pa.StructArray.from_arrays(fields, names=names, mask=arr.is_null())
    return arr


def _has_time(t: pa.DataType) -> bool:
    if pa.types.is_timestamp(t):
        return True
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _has_time(t.value_type)
    if pa.types.is_struct(t):
        return any(_has_time(t.field(i).type) for i in range(t.num_fields))
    return False


def _as_tuple(columns: Sequence[str], row: Sequence[Any] | Mapping[str, Any]) -> tuple[Any, ...]:
    if isinstance(row, Mapping):
        return tuple(row.get(c) for c in columns)
    return tuple(row)


# -- machine formats ------------------------------------------------------------------------------


def json_default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _json(
    columns: Sequence[str], rows: Iterable[tuple[Any, ...]], out: TextIO, *, lines: bool
) -> int:
    n = 0
    if not lines:
        out.write("[")
    for row in rows:
        text = json.dumps(
            dict(zip(columns, row, strict=True)), default=json_default, ensure_ascii=False
        )
        if lines:
            out.write(text + "\n")
        else:
            out.write(("\n" if n == 0 else ",\n") + text)
        n += 1
        if n % 10_000 == 0:
            out.flush()
    if not lines:
        out.write("\n]\n" if n else "]\n")
    out.flush()
    return n


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, default=json_default, ensure_ascii=False)
    return value


def _csv(columns: Sequence[str], rows: Iterable[tuple[Any, ...]], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        n += 1
        if n % 10_000 == 0:
            out.flush()
    out.flush()
    return n


# -- tables for people ----------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A value as a table cell: plain text, control characters escaped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list | dict | tuple):
        return printable(json.dumps(value, default=json_default, ensure_ascii=False))
    return printable(str(value))


def _table(
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    title: str | None,
    max_rows: int | None,
    max_width: int,
    console: Console | None,
) -> int:
    shown: list[tuple[Any, ...]] = []
    more = False
    for row in rows:
        if max_rows is not None and len(shown) >= max_rows:
            more = True
            break
        shown.append(row)
    cells = [[cell_text(v) for v in row] for row in shown]
    target = console or data_console()
    natural = [
        min(max([len(name)] + [len(r[i]) for r in cells]), max_width)
        for i, name in enumerate(columns)
    ]
    # 3 = the padding and separator Rich puts around each column.
    widths = fit_widths(natural, target.width - 3 * len(columns), [len(c) for c in columns])
    table = Table(
        title=Text(printable(title)) if title is not None else None,
        box=box.SIMPLE_HEAD,
        title_justify="left",
        highlight=False,
    )
    for i, name in enumerate(columns):
        numeric = bool(shown) and all(
            isinstance(r[i], int | float) and not isinstance(r[i], bool)
            for r in shown
            if r[i] is not None
        )
        table.add_column(
            Text(printable(name)),
            justify="right" if numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=widths[i],
        )
    for row_cells in cells:
        table.add_row(*(Text(c) for c in row_cells))  # Text: never read as markup
    if more:
        note = f"… first {len(shown)} rows shown; use -o csv or -o jsonl for all rows"
    elif not shown:
        note = "(no rows)"
    else:
        note = f"{len(shown)} row{'s' if len(shown) != 1 else ''}"
    target.print(table)
    target.print(note, soft_wrap=True, style="dim", highlight=False)
    return len(shown)


def fit_widths(natural: list[int], available: int, headers: list[int]) -> list[int]:
    """Column widths that fit ``available``: the widest columns give way first, and no
    column shrinks below its header (or 4), so short columns such as pids stay whole."""
    widths = list(natural)
    floor = [min(w, max(h, 4)) for w, h in zip(natural, headers, strict=True)]
    excess = sum(widths) - max(available, sum(floor))
    while excess > 0:
        top = max(w for w, f in zip(widths, floor, strict=True) if w > f)
        at_top = [i for i, w in enumerate(widths) if w == top and w > floor[i]]
        below = max([w for w in widths if w < top] + [max(floor[i] for i in at_top)])
        step = min(top - below, -(-excess // len(at_top)))
        for i in at_top:
            cut = min(step, widths[i] - floor[i], excess)
            widths[i] -= cut
            excess -= cut
            if excess <= 0:
                break
    return widths
