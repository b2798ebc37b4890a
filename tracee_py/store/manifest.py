"""The manifest: one JSON line per closed data file, with its sha256 and row count.

Each recorder run appends to its own ``manifest/node=<node>/<start>-<run_id>.jsonl``; a
line is written (and fsynced) only after the data file it names was renamed into place,
so every line is true even if the recorder is killed. A torn last line is ignored.

Files that retention removed on purpose are listed in ``manifest/node=<node>/removed.jsonl``
(one ``{"file": ..., "removed_at_ns": ...}`` line each); ``verify`` reports them as
``removed``, not ``missing``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from tracee_py.store.layout import FILE_MODE, DatasetLayout

REMOVED_FILE_NAME = "removed.jsonl"


@dataclass(frozen=True)
class ManifestEntry:
    file: str  # path relative to the data root
    rows: int
    bytes: int
    sha256: str
    first_time_ns: int
    last_time_ns: int
    dataset: str = "events"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class ManifestWriter:
    """Appends entries for one recorder run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def append(self, entry: ManifestEntry) -> None:
        self._file.write(json.dumps(asdict(entry), sort_keys=True) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def read_manifest(layout: DatasetLayout) -> tuple[dict[str, ManifestEntry], list[str]]:
    """All entries by relative file path, and a list of problems (torn or bad lines)."""
    entries: dict[str, ManifestEntry] = {}
    problems: list[str] = []
    for mf in layout.manifest_files():
        if mf.name == REMOVED_FILE_NAME:
            continue
        with open(mf, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                    entry = ManifestEntry(**raw)
                except (ValueError, TypeError) as exc:
                    problems.append(f"{mf}:{lineno}: unreadable manifest line ({exc})")
                    continue
                entries[entry.file] = entry
    return entries, problems


def read_removed(layout: DatasetLayout) -> dict[str, int]:
    """Files removed by retention: relative path -> removal time (ns). Bad lines are skipped."""
    removed: dict[str, int] = {}
    for mf in layout.manifest_files():
        if mf.name != REMOVED_FILE_NAME:
            continue
        with open(mf, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    raw = json.loads(line)
                    removed[str(raw["file"])] = int(raw["removed_at_ns"])
                except (ValueError, TypeError, KeyError):
                    continue  # a torn last line
    return removed


@dataclass(frozen=True)
class FileCheck:
    file: str
    status: str  # ok, hash_mismatch, missing, removed, unlisted
    detail: str = ""


def verify(layout: DatasetLayout) -> list[FileCheck]:
    """Check every data file against the manifest (hash and presence)."""
    entries, _ = read_manifest(layout)
    removed = read_removed(layout)
    checks: list[FileCheck] = []
    on_disk = {str(p.relative_to(layout.root)) for p in layout.event_files() + layout.stats_files()}
    for rel, entry in sorted(entries.items()):
        path = layout.root / rel
        if rel not in on_disk and rel in removed:
            checks.append(FileCheck(rel, "removed", f"removed by retention at {removed[rel]} ns"))
            continue
        if rel not in on_disk:
            checks.append(FileCheck(rel, "missing", "listed in the manifest, not on disk"))
            continue
        digest = sha256_file(path)
        if digest != entry.sha256:
            checks.append(
                FileCheck(rel, "hash_mismatch", f"sha256 {digest[:12]} != {entry.sha256[:12]}")
            )
        else:
            checks.append(FileCheck(rel, "ok"))
    for rel in sorted(on_disk - set(entries)):
        checks.append(FileCheck(rel, "unlisted", "not in any manifest"))
    return checks
