"""Retention over files written by the real writer, and the manifest staying true."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tracee_py.errors import UsageError
from tracee_py.store.layout import DatasetLayout
from tracee_py.store.manifest import REMOVED_FILE_NAME, read_manifest, verify
from tracee_py.store.retention import RetentionReport, enforce
from tracee_py.store.rows import events_from_rows
from tracee_py.store.writer import EventWriter, WriterSettings

NODE = "node-a"
S = 1_000_000_000
DAY1 = 1_795_000_000 * S  # 2026-11-18
DAY2 = DAY1 + 86_400 * S


def _record(root: Path, start_ns: int, files: int, step_ns: int = 60 * S) -> list[Path]:
    """Close ``files`` events files, one per batch, with mtimes set to their close time."""
    writer = EventWriter(root, NODE, "run1", WriterSettings(rotate_bytes=1))
    for i in range(files):
        t = start_ns + i * step_ns
        rows = [
            {"time": t + j, "node": NODE, "boot_id": "b", "event": "process_exec", "pid": j}
            for j in range(50)
        ]
        writer.write(events_from_rows(rows))
        writer.flush()
    writer.close()
    paths = [c.path for c in writer.closed_files]
    for c in writer.closed_files:
        os.utime(c.path, ns=(c.last_ns, c.last_ns))
    return paths


def _rel(root: Path, paths: list[Path]) -> list[str]:
    return [str(p.relative_to(root)) for p in paths]


def test_size_limit_removes_oldest_first(tmp_path: Path) -> None:
    paths = _record(tmp_path, DAY1, 5)
    sizes = [p.stat().st_size for p in paths]
    limit = sum(sizes[2:])  # room for the three newest
    report = enforce(tmp_path, NODE, max_bytes=limit, max_age_seconds=None)
    assert report == RetentionReport(2, sizes[0] + sizes[1], _rel(tmp_path, paths[:2]))
    assert [p.exists() for p in paths] == [False, False, True, True, True]
    # Already under the limit: nothing more to do.
    assert enforce(tmp_path, NODE, max_bytes=limit, max_age_seconds=None) == RetentionReport()


def test_age_limit(tmp_path: Path) -> None:
    paths = _record(tmp_path, DAY1, 4, step_ns=3600 * S)  # closed an hour apart
    now = DAY1 + 4 * 3600 * S
    report = enforce(tmp_path, NODE, max_bytes=None, max_age_seconds=2.5 * 3600, now_ns=now)
    assert report.removed == _rel(tmp_path, paths[:2])
    assert [p.exists() for p in paths] == [False, False, True, True]


def test_removals_are_recorded_and_verify_says_removed(tmp_path: Path) -> None:
    paths = _record(tmp_path, DAY1, 3)
    report = enforce(tmp_path, NODE, max_bytes=0, max_age_seconds=None, now_ns=DAY2)
    assert report.files_removed == 2  # the newest file is always kept
    log = tmp_path / "manifest" / f"node={NODE}" / REMOVED_FILE_NAME
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["file"] for line in lines] == report.removed
    assert all(line["removed_at_ns"] == DAY2 for line in lines)
    assert all(line["reason"] == "max_size" for line in lines)
    assert oct(log.stat().st_mode & 0o777) == "0o600"

    layout = DatasetLayout(tmp_path)
    entries, problems = read_manifest(layout)
    assert problems == []  # removed.jsonl is not read as manifest entries
    assert len(entries) == 3
    status = {c.file: c.status for c in verify(layout)}
    assert status == {
        report.removed[0]: "removed",
        report.removed[1]: "removed",
        str(paths[2].relative_to(tmp_path)): "ok",
    }
    # A file that disappears without retention is still "missing".
    paths[2].unlink()
    assert {c.file: c.status for c in verify(layout)}[_rel(tmp_path, paths[2:])[0]] == "missing"


def test_open_files_and_other_nodes_are_never_touched(tmp_path: Path) -> None:
    paths = _record(tmp_path, DAY1, 2)
    part = paths[0].parent
    tmp = part / "20261118T000000.000000000Z-run2-000001.parquet.tmp"
    tmp.write_bytes(b"x" * 10_000_000)  # the writer's open file, large
    other = tmp_path / "events" / "node=node-b" / "date=2026-11-18" / "a.parquet"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"x" * 1000)
    os.utime(other, ns=(DAY1, DAY1))
    report = enforce(tmp_path, NODE, max_bytes=0, max_age_seconds=0.0, now_ns=DAY2)
    assert report.removed == _rel(tmp_path, paths)  # age removes even the newest
    assert tmp.exists()
    assert other.exists()


def test_empty_old_day_partitions_are_removed(tmp_path: Path) -> None:
    old = _record(tmp_path, DAY1, 2)
    new = _record(tmp_path, DAY2, 1)
    enforce(
        tmp_path, NODE, max_bytes=new[0].stat().st_size, max_age_seconds=None, now_ns=DAY2 + 60 * S
    )
    assert not old[0].parent.exists()
    assert new[0].exists()
    # Today's partition stays even when emptied: the writer may be about to use it.
    enforce(tmp_path, NODE, max_bytes=None, max_age_seconds=0.0, now_ns=DAY2 + 3600 * S)
    assert not new[0].exists()
    assert new[0].parent.is_dir()


def test_no_limits_is_a_no_op(tmp_path: Path) -> None:
    _record(tmp_path, DAY1, 2)
    assert enforce(tmp_path, NODE, max_bytes=None, max_age_seconds=None) == RetentionReport()
    assert enforce(tmp_path / "nothing-here", NODE, max_bytes=0, max_age_seconds=0) == (
        RetentionReport()
    )


def test_bad_limits_and_node_names(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        enforce(tmp_path, NODE, max_bytes=-1, max_age_seconds=None)
    with pytest.raises(UsageError):
        enforce(tmp_path, "../etc", max_bytes=1, max_age_seconds=None)
