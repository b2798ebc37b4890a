"""The shared row renderer (``-o table|json|jsonl|csv``)."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pytest
from rich.console import Console

from tracee_py.cli.output import fit_widths, plain_column, render_arrow, render_rows
from tracee_py.errors import UsageError

COLUMNS = ["pid", "argv", "note"]
ROWS = [(1, ["a", "b"], None), {"pid": 2, "argv": [], "note": 'say "hi"'}]


def test_json_jsonl_csv() -> None:
    out = io.StringIO()
    assert render_rows(COLUMNS, ROWS, "json", out=out) == 2
    assert json.loads(out.getvalue()) == [
        {"pid": 1, "argv": ["a", "b"], "note": None},
        {"pid": 2, "argv": [], "note": 'say "hi"'},
    ]
    out = io.StringIO()
    render_rows(COLUMNS, ROWS, "jsonl", out=out)
    assert out.getvalue() == (
        '{"pid": 1, "argv": ["a", "b"], "note": null}\n'
        '{"pid": 2, "argv": [], "note": "say \\"hi\\""}\n'
    )
    out = io.StringIO()
    render_rows(COLUMNS, ROWS, "csv", out=out)
    assert out.getvalue() == 'pid,argv,note\n1,"[""a"", ""b""]",\n2,[],"say ""hi"""\n'


def test_empty_json_is_an_empty_array() -> None:
    out = io.StringIO()
    assert render_rows(COLUMNS, [], "json", out=out) == 0
    assert json.loads(out.getvalue()) == []


def test_table_cuts_rows_and_cells_and_says_so() -> None:
    console = Console(file=io.StringIO(), width=60, color_system=None)
    rows = [(i, "x" * 80, None) for i in range(5)]
    assert render_rows(COLUMNS, rows, "table", max_rows=3, max_width=20, console=console) == 3
    text = console.file.getvalue()  # type: ignore[attr-defined]
    lines = text.splitlines()
    body = [ln for ln in lines if ln.strip()[:1].isdigit()]
    assert [ln.split()[0] for ln in body] == ["0", "1", "2"]
    assert ("x" * 19 + "…") in body[0]
    assert "… first 3 rows shown; use -o csv or -o jsonl for all rows" in text


def test_unknown_format() -> None:
    with pytest.raises(UsageError):
        render_rows(COLUMNS, ROWS, "yaml")


def test_fit_widths_shrinks_the_widest_first() -> None:
    assert fit_widths([7, 5, 60, 40], 80, [4, 3, 4, 4]) == [7, 5, 34, 34]
    assert fit_widths([7, 5, 60, 40], 200, [4, 3, 4, 4]) == [7, 5, 60, 40]
    assert fit_widths([30, 30], 10, [8, 8]) == [8, 8]


def test_times_become_iso_strings_even_nested() -> None:
    ts = pa.timestamp("ns", tz="UTC")
    t = pa.array([1_773_482_400_000_000_007], pa.int64()).cast(ts)
    nested = pa.array(
        [[{"time": 1_773_482_400_000_000_001, "path": "/x"}], None],
        pa.list_(pa.struct([("time", pa.int64()), ("path", pa.string())])),
    ).cast(pa.list_(pa.struct([("time", ts), ("path", pa.string())])))
    assert plain_column(t).to_pylist() == ["2026-03-14T10:00:00.000000007Z"]
    assert plain_column(nested).to_pylist() == [
        [{"time": "2026-03-14T10:00:00.000000001Z", "path": "/x"}],
        None,
    ]
    sliced = plain_column(nested.slice(1, 1))
    assert sliced.to_pylist() == [None]
    batch = pa.record_batch([t], names=["time"])
    out = io.StringIO()
    render_arrow([batch], "jsonl", columns=["time"], out=out)
    assert out.getvalue() == '{"time": "2026-03-14T10:00:00.000000007Z"}\n'
