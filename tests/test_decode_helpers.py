"""The decoder's bulk helpers give exactly what their one-row-at-a-time definitions give.

``cstrings`` (NUL-terminated fields -> Arrow strings through a binary view array),
``_absolute`` (relative paths made absolute in bulk) and ``events_from_rows`` are checked
against plain Python on generated inputs, edge cases included. The real capture tests
(tests/capture) check the decoder end to end on recorded events.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracee_py.capture.decode import _absolute, cstrings
from tracee_py.enrich.proctable import resolve_path
from tracee_py.schema import EVENT_COLUMNS
from tracee_py.store.rows import events_from_rows


def _one_by_one(raw: np.ndarray) -> list[str]:
    return [bytes(row).split(b"\0", 1)[0].decode("utf-8", "backslashreplace") for row in raw]


def _rows(values: list[bytes], width: int) -> np.ndarray:
    raw = np.zeros((len(values), width), dtype=np.uint8)
    for i, value in enumerate(values):
        raw[i, : len(value)] = np.frombuffer(value, dtype=np.uint8)
    return raw


def test_cstrings_at_the_inline_boundary_and_without_a_nul() -> None:
    values = [b"", b"a" * 12, b"b" * 13, b"/usr/lib/x86_64-linux-gnu/libc.so.6", b"c" * 64]
    raw = _rows(values, 64)
    raw[0, 1:] = ord("x")  # bytes after the NUL are garbage in ring records: ignored
    assert cstrings(raw).to_pylist() == ["", "a" * 12, "b" * 13, values[3].decode(), "c" * 64]


def test_cstrings_escape_bytes_that_are_not_utf8() -> None:
    raw = _rows([b"ok", b"/tmp/\xff\xfe.bin", b"caf\xc3\xa9"], 32)
    assert cstrings(raw).to_pylist() == ["ok", "/tmp/\\xff\\xfe.bin", "café"]


def test_cstrings_of_narrow_fields_and_no_rows() -> None:
    assert cstrings(_rows([b"bash", b"12345678"], 8)).to_pylist() == ["bash", "12345678"]
    assert cstrings(np.zeros((0, 16), dtype=np.uint8)).to_pylist() == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(max_size=40), min_size=1, max_size=30),
    st.sampled_from([8, 12, 16, 40, 256]),
)
def test_cstrings_match_one_by_one_decoding(values: list[bytes], width: int) -> None:
    raw = np.frombuffer(
        b"".join(v[:width].ljust(width, b"\x07") for v in values), dtype=np.uint8
    ).reshape(len(values), width)
    assert cstrings(raw).to_pylist() == _one_by_one(raw)


_PART = st.sampled_from(["a", "b.c", ".", "..", "", ".d", "..e", "f..", "g h"])
_RELATIVE = (
    st.lists(_PART, min_size=1, max_size=5)
    .map("/".join)
    .filter(lambda p: p != "" and not p.startswith("/"))
)
_CWD = st.sampled_from(
    ["/", "/home/u", "/home/u/", "/a/../b", "/a/./b", "//net/x", "relative/dir", "", None]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_RELATIVE, st.integers(0, 8)), min_size=1, max_size=20), st.data())
def test_absolute_matches_resolve_path(pairs: list[tuple[str, int]], data: st.DataObject) -> None:
    cwds = data.draw(st.lists(_CWD, min_size=9, max_size=9))
    paths = [p for p, _ in pairs]
    entry = np.array([e for _, e in pairs], dtype=np.int32)
    got = _absolute(pa.array(paths, type=pa.string()), cwds, entry).to_pylist()
    assert got == [resolve_path(p, cwds[e]) for p, e in pairs]


def test_events_from_rows_fills_missing_columns_with_nulls() -> None:
    table = events_from_rows(
        [
            {"time": 5, "event": "process_exec", "pid": 7, "argv": ["sh", "-c"]},
            {"time": "1970-01-01T00:00:01Z", "event": "file_open", "path": "/x"},
        ]
    )
    assert table.column_names == list(EVENT_COLUMNS)
    assert table.column("time").cast(pa.int64()).to_pylist() == [5, 1_000_000_000]
    assert table.column("pid").to_pylist() == [7, None]
    assert table.column("argv").to_pylist() == [["sh", "-c"], None]
    assert table.column("path").to_pylist() == [None, "/x"]
    assert table.column("exe").null_count == 2


def test_events_from_rows_rejects_unknown_columns() -> None:
    with pytest.raises(ValueError, match=r"row 1: unknown column\(s\) \['colour'\]"):
        events_from_rows([{"pid": 1}, {"pid": 2, "colour": "red"}])
