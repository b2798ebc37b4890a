"""Fixtures for the signature tests: the built-in catalog, signature folders written on the
fly, and recordings written with the real Parquet writer.

``positives_recording`` is one recording made of every catalog signature's positive samples
(each sample's process ids moved to their own range so they cannot collide), written by
:class:`EventWriter` and read back through the query layer like any recording:
running the whole catalog over it must give each signature exactly its expected findings.
``negatives_recording`` does the same with the benign look-alikes, which must give none.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tracee_py.signatures import SignatureSet, builtin_catalog, load_signatures
from tracee_py.signatures.samples import expected_count, read_sample_file
from tracee_py.store.rows import events_from_rows
from tracee_py.store.writer import EventWriter

NODE = "node-a"
TRACEE = str(Path(sys.executable).with_name("tracee-py"))
ID_STRIDE = 1_000_000
# How many signatures the built-in catalog holds, counted from its folders (not the loader).
CATALOG_SIZE = sum(1 for d in builtin_catalog().iterdir() if (d / "rule.yaml").is_file())


@pytest.fixture(scope="session")
def catalog() -> SignatureSet:
    return load_signatures([builtin_catalog()])


def write_recording(root: Path, rows: Iterable[Mapping[str, Any]], node: str = NODE) -> Path:
    """Write ``rows`` (event dicts) as one recording of ``node`` under ``root``."""
    ordered = sorted((dict(r) for r in rows), key=lambda r: _ns(r["time"]))
    for r in ordered:
        r["node"] = node
        r.setdefault("boot_id", "boot-1")
    writer = EventWriter(root, node, run_id="test")
    writer.write(events_from_rows(ordered))
    writer.close()
    return root


def _ns(value: int | str) -> int:
    if isinstance(value, int):
        return value
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000


def shifted(rows: Iterable[Mapping[str, Any]], offset: int) -> list[dict[str, Any]]:
    """Sample rows with their process ids moved by ``offset`` (pids are left alone)."""
    out = []
    for row in rows:
        r = dict(row)
        for key in ("process_id", "parent_process_id"):
            if r.get(key) is not None:
                r[key] = int(r[key]) + offset
        out.append(r)
    return out


def _combined(catalog: SignatureSet, which: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rows: list[dict[str, Any]] = []
    expected: dict[str, int] = {}
    for i, sig in enumerate(catalog.signatures, start=1):
        if which == "negative" and sig.correlation is not None:
            # A correlation's look-alikes are made of its building blocks (a package's
            # maintainer script runs uname and id), which fire there by design; `sig test`
            # checks that the correlation itself stays silent on them.
            continue
        path = sig.positive_file if which == "positive" else sig.negative_file
        sample = read_sample_file(path)
        assert not sample.problems, sample.problems
        rows += shifted(sample.rows, i * ID_STRIDE)
        if which == "positive":
            count, problems = expected_count(sig, sample)
            assert not problems and count is not None
            expected[sig.id] = count
    return rows, expected


@pytest.fixture(scope="session")
def positives_recording(
    tmp_path_factory: pytest.TempPathFactory, catalog: SignatureSet
) -> tuple[Path, dict[str, int]]:
    rows, expected = _combined(catalog, "positive")
    root = write_recording(tmp_path_factory.mktemp("positives") / "data", rows)
    return root, expected


@pytest.fixture(scope="session")
def negatives_recording(tmp_path_factory: pytest.TempPathFactory, catalog: SignatureSet) -> Path:
    rows, _ = _combined(catalog, "negative")
    return write_recording(tmp_path_factory.mktemp("negatives") / "data", rows)


# -- signature folders written by tests ---------------------------------------------------------

GOOD_RULE = """\
id: {id}
name: Test signature {id}
description: Finds every read of /etc/motd; used by the tests.
severity: {severity}
mitre:
  tactic: {{id: TA0007, name: Discovery}}
  technique: {{id: T1082, name: System Information Discovery}}
tags: [test]
requires:
  events: [file_open]
detail: "{{comm}} read {{path}}"
sql: |
  SELECT time, process_id, pid, comm, exe, path
  FROM events
  WHERE event = 'file_open' AND path = '/etc/motd'
"""

MOTD_ROWS = [
    {
        "time": "2026-03-14T22:00:00Z",
        "event": "process_snapshot",
        "pid": 10,
        "ppid": 1,
        "process_id": 100,
        "parent_process_id": 1,
        "comm": "bash",
        "exe": "/usr/bin/bash",
    },
    {
        "time": "2026-03-14T22:00:01Z",
        "event": "file_open",
        "pid": 10,
        "ppid": 1,
        "process_id": 100,
        "parent_process_id": 1,
        "comm": "bash",
        "exe": "/usr/bin/bash",
        "path": "/etc/motd",
        "flags": 0,
        "retval": 3,
        "_finding": True,
    },
]
MOTD_NEGATIVE = [
    {
        "time": "2026-03-14T22:00:01Z",
        "event": "file_open",
        "pid": 10,
        "process_id": 100,
        "comm": "bash",
        "exe": "/usr/bin/bash",
        "path": "/etc/hostname",
        "flags": 0,
        "retval": 3,
    },
]


def jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(dict(r)) + "\n" for r in rows)


def write_signature(
    parent: Path,
    sig_id: str,
    rule: str | None = None,
    *,
    positive: str | None = None,
    negative: str | None = None,
    severity: str = "low",
) -> Path:
    """A signature folder; defaults to a working /etc/motd signature with good samples."""
    folder = parent / sig_id
    folder.mkdir(parents=True, exist_ok=True)
    text = rule if rule is not None else GOOD_RULE.format(id=sig_id, severity=severity)
    (folder / "rule.yaml").write_text(textwrap.dedent(text))
    (folder / "positive.jsonl").write_text(positive if positive is not None else jsonl(MOTD_ROWS))
    (folder / "negative.jsonl").write_text(
        negative if negative is not None else jsonl(MOTD_NEGATIVE)
    )
    return folder


def rule_with_sql(sig_id: str, sql: str, extra: str = "") -> str:
    """A valid rule whose SQL is ``sql`` (for the sandbox tests)."""
    body = textwrap.indent(textwrap.dedent(sql).strip(), "  ")
    return (
        f"id: {sig_id}\nname: Hostile {sig_id}\ndescription: A hostile query.\n"
        "severity: high\nmitre:\n  tactic: {id: TA0007, name: Discovery}\n"
        "  technique: {id: T1082, name: System Information Discovery}\n"
        f'detail: "x"\n{extra}sql: |\n{body}\n'
    )
