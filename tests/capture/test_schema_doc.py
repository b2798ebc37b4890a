"""docs/schema.md names every column and every event kind of tracee_py/schema.py, and the
syscalls of each kind as the wire table hooks them."""

from __future__ import annotations

import re
from pathlib import Path

from tracee_py.schema import (
    EVENT_COLUMNS,
    EVENT_KINDS,
    STATS_METRICS,
    SYSCALL_NUMBER,
    WIRE_CONTRACT,
)

DOC = (Path(__file__).resolve().parents[2] / "docs" / "schema.md").read_text()


def test_every_column_is_documented() -> None:
    documented = set(re.findall(r"`([a-z0-9_]+)`", DOC))
    assert [c for c in EVENT_COLUMNS if c not in documented] == []


def test_every_event_kind_is_documented() -> None:
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", DOC, flags=re.MULTILINE))
    assert [k for k in EVENT_KINDS if k not in rows] == []


def test_every_stats_metric_is_documented() -> None:
    assert [m for m in STATS_METRICS if f"`{m}`" not in DOC] == []


def test_each_kind_lists_the_syscalls_of_the_wire_table() -> None:
    """The syscalls column of the kinds table names exactly what WIRE_TABLE hooks."""
    documented: dict[str, set[str]] = {}
    for kind, cell in re.findall(r"^\| `([a-z_]+)` \| ([^|]*) \|", DOC, flags=re.MULTILINE):
        if kind in EVENT_KINDS:
            documented[kind] = set(re.findall(r"[a-z_0-9]+", cell)) & set(SYSCALL_NUMBER)
    hooked: dict[str, set[str]] = {}
    for kind, syscall in WIRE_CONTRACT:
        hooked.setdefault(kind.label, set()).update({syscall} if syscall else set())
    assert {k: v for k, v in documented.items() if k in hooked} == hooked
