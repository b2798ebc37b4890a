"""Retention: keep a node's recordings under a size and an age limit.

The oldest closed events files go first (open ``*.tmp`` files are never touched). Every
removal is written, before the file is unlinked, as a JSON line to
``manifest/node=<node>/removed.jsonl``, so the manifest stays true: ``verify`` reports such
files as ``removed``, not ``missing``. The recorder calls :func:`enforce` after each file
closes and writes the report into the stats dataset (``retention_removed_files`` and
``retention_removed_bytes``).

The size limit counts closed events files only; stats and manifest files are small and are
the record of what happened, including what retention removed.

When shipping is on (the data directory has a ship ledger, see :mod:`.ship`), only files a
ledger lists as verified remotely with the manifest's sha256 may be removed: an unshipped
file stays, whatever the limits say, until it is shipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from tracee_py.errors import StoreError, UsageError
from tracee_py.store.layout import (
    FILE_MODE,
    DatasetLayout,
    day_of,
    make_private_dirs,
    validate_node_name,
)
from tracee_py.store.manifest import REMOVED_FILE_NAME, read_manifest
from tracee_py.store.ship import shipped_files, shipping_enabled

_NS = 1_000_000_000


@dataclass(frozen=True)
class RetentionReport:
    files_removed: int = 0
    bytes_removed: int = 0
    removed: list[str] = field(default_factory=list)  # paths relative to the data root


@dataclass(frozen=True)
class _Candidate:
    path: Path
    rel: str
    size: int
    closed_ns: int  # mtime: when the file was closed, so no event in it is younger


def enforce(
    root: Path,
    node: str,
    *,
    max_bytes: int | None,
    max_age_seconds: float | None,
    now_ns: int | None = None,
) -> RetentionReport:
    """Remove the oldest closed events files of ``node`` until both limits hold.

    A file is too old when it was closed more than ``max_age_seconds`` before ``now_ns``
    (default: now). For the size limit the newest closed file is always kept: a limit
    smaller than one file would otherwise leave no recording at all.
    """
    if max_bytes is None and max_age_seconds is None:
        return RetentionReport()
    if max_bytes is not None and max_bytes < 0:
        raise UsageError(f"retention size limit must not be negative: {max_bytes}")
    if max_age_seconds is not None and max_age_seconds < 0:
        raise UsageError(f"retention age limit must not be negative: {max_age_seconds}")
    layout = DatasetLayout(Path(root))
    node = validate_node_name(node)
    now = time.time_ns() if now_ns is None else now_ns
    files = _closed_files(layout, node)  # oldest first
    total = sum(f.size for f in files)
    newest = files[-1].rel if files else None
    # With shipping on, unshipped files count towards the limit but are never removed.
    allowed = (
        {f.rel for f in _shipped_only(layout, files)}
        if shipping_enabled(layout.root)
        else {f.rel for f in files}
    )
    doomed: list[tuple[_Candidate, str]] = []
    if max_age_seconds is not None:
        cutoff = now - int(max_age_seconds * _NS)
        for f in files:
            if f.closed_ns < cutoff and f.rel in allowed:
                doomed.append((f, "max_age"))
                total -= f.size
    if max_bytes is not None:
        gone = {f.rel for f, _ in doomed}
        for f in files:
            if total <= max_bytes:
                break
            if f.rel in gone or f.rel not in allowed or f.rel == newest:
                continue
            doomed.append((f, "max_size"))
            total -= f.size
    if not doomed:
        return RetentionReport()
    return _remove(layout, node, doomed, now)


def _closed_files(layout: DatasetLayout, node: str) -> list[_Candidate]:
    base = layout.events_dir / f"node={node}"
    out: list[_Candidate] = []
    # Only *.parquet: the writer's open file is *.parquet.tmp and is never a candidate.
    for path in base.glob("date=*/*.parquet"):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        out.append(_Candidate(path, str(path.relative_to(layout.root)), st.st_size, st.st_mtime_ns))
    # File names start with the first event's time, so (day, name) orders by age; mtime
    # breaks nothing but ties.
    out.sort(key=lambda c: (c.path.parent.name, c.path.name, c.closed_ns))
    return out


def _shipped_only(layout: DatasetLayout, files: list[_Candidate]) -> list[_Candidate]:
    """The files some ledger lists as verified remotely with the sha256 the manifest gives."""
    shipped = shipped_files(layout.root)
    entries, _ = read_manifest(layout)
    out = []
    for f in files:
        s, e = shipped.get(f.rel), entries.get(f.rel)
        if s is not None and e is not None and s.sha256 == e.sha256 and s.bytes == f.size:
            out.append(f)
    return out


def _remove(
    layout: DatasetLayout, node: str, doomed: list[tuple[_Candidate, str]], now: int
) -> RetentionReport:
    log_path = layout.manifest_partition(node) / REMOVED_FILE_NAME
    removed: list[str] = []
    removed_bytes = 0
    try:
        make_private_dirs(log_path.parent)
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        with os.fdopen(fd, "a", encoding="utf-8") as log:
            for f, reason in doomed:
                # Record first, then unlink: a crash in between leaves a file that is both
                # on disk and listed as removed, which verify() reports from the disk.
                line = {
                    "file": f.rel,
                    "removed_at_ns": now,
                    "bytes": f.size,
                    "reason": reason,
                }
                log.write(json.dumps(line, sort_keys=True) + "\n")
                log.flush()
                os.fsync(log.fileno())
                try:
                    f.path.unlink()
                except FileNotFoundError:
                    continue
                removed.append(f.rel)
                removed_bytes += f.size
    except OSError as exc:
        raise StoreError(f"retention could not remove files under {layout.root}: {exc}") from exc
    _remove_empty_days(layout, node, now, {f.path.parent for f, _ in doomed})
    return RetentionReport(len(removed), removed_bytes, removed)


def _remove_empty_days(layout: DatasetLayout, node: str, now: int, dirs: set[Path]) -> None:
    # Never today's partition: the writer may be about to create its next file there.
    today = f"date={day_of(now)}"
    for d in sorted(dirs):
        if d.name >= today:
            continue
        with contextlib.suppress(OSError):  # not empty, or already gone
            d.rmdir()
