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

from tracee_py.safeio import regular_file_problem
from tracee_py.store.layout import FILE_MODE, DatasetLayout, Scan
from tracee_py.store.seal import SealingKey, VerificationKey, check_seals, entry_body, genesis

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
    """Appends entries for one recorder run; each line sealed when given a sealing key
    (see :mod:`tracee_py.store.seal`)."""

    def __init__(self, path: Path, sealer: SealingKey | None = None) -> None:
        self.path = path
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        self._file = os.fdopen(fd, "a", encoding="utf-8")
        self._sealer = sealer
        self._chain = genesis(path.name)

    def append(self, entry: ManifestEntry) -> None:
        raw: dict[str, object] = dict(asdict(entry))
        if self._sealer is not None:
            seal = self._sealer.seal(self._chain, entry_body(raw))
            raw["seal"] = seal
            self._chain = seal["chain"]
        self._file.write(json.dumps(raw, sort_keys=True) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


# What each problem status means, for people (``ok`` and ``removed`` are not problems).
STATUS_TEXT = {
    "missing": "missing",
    "unlisted": "not in the manifest",
    "size_mismatch": "size differs from the manifest",
    "hash_mismatch": "sha256 differs from the manifest",
    "unreadable": "unreadable",
    "not_regular": "not a regular file",
    "bad_name": "not read",
    "bad_manifest": "manifest problem",
    "bad_seal": "manifest seal does not verify",
}
FINE = frozenset({"ok", "removed"})


@dataclass(frozen=True)
class FileCheck:
    file: str
    status: str  # ok, removed, or one of STATUS_TEXT
    detail: str = ""

    @property
    def problem(self) -> bool:
        return self.status not in FINE

    def __str__(self) -> str:
        return f"{self.file}: {self.detail or STATUS_TEXT.get(self.status, self.status)}"


def _manifest_lines(mf: Path) -> tuple[list[str], str | None]:
    """The lines of one manifest file, or why it cannot be read (not a regular file, no
    permission): the manifest is read even when someone planted a FIFO next to it."""
    problem = regular_file_problem(mf)
    if problem is not None:
        return [], problem
    try:
        with open(mf, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines(), None
    except OSError as exc:
        return [], f"cannot read: {exc.strerror or exc}"


def read_manifest(
    layout: DatasetLayout, manifests: list[Path] | None = None
) -> tuple[dict[str, ManifestEntry], list[str]]:
    """All entries by relative file path, and a list of problems (torn, bad or unreadable
    lines and files). ``manifests`` are the manifest files, when already listed."""
    entries, problems = _read_entries(layout, manifests)
    return entries, [f"{layout.root / p.file}: {p.detail}" for p in problems]


def _read_entries(
    layout: DatasetLayout, manifests: list[Path] | None, key: VerificationKey | None = None
) -> tuple[dict[str, ManifestEntry], list[FileCheck]]:
    """Entries and problems: unreadable files and lines, and seals that do not verify
    (the chain always; the keyed seals with ``key``)."""
    entries: dict[str, ManifestEntry] = {}
    problems: list[FileCheck] = []
    for mf in layout.manifest_files() if manifests is None else manifests:
        if mf.name == REMOVED_FILE_NAME:
            continue
        rel = str(mf.relative_to(layout.root))
        lines, unreadable = _manifest_lines(mf)
        if unreadable is not None:
            problems.append(FileCheck(rel, "bad_manifest", f"manifest {unreadable}"))
        problems += [FileCheck(rel, "bad_seal", p) for p in check_seals(mf.name, lines, key)]
        found, bad = parse_manifest_lines(rel, lines)
        problems += bad
        entries.update((entry.file, entry) for entry in found)
    return entries, problems


def parse_manifest_lines(rel: str, lines: list[str]) -> tuple[list[ManifestEntry], list[FileCheck]]:
    """The entries of one manifest's lines (``rel`` names it in problems); a line that is
    not an entry is a ``bad_manifest`` problem with its line number."""
    entries: list[ManifestEntry] = []
    problems: list[FileCheck] = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            raw.pop("seal", None)
            entries.append(ManifestEntry(**raw))
        except (ValueError, TypeError, AttributeError, RecursionError) as exc:
            problems.append(
                FileCheck(rel, "bad_manifest", f"line {lineno}: unreadable manifest line ({exc})")
            )
    return entries, problems


def read_removed(layout: DatasetLayout, manifests: list[Path] | None = None) -> dict[str, int]:
    """Files removed by retention: relative path -> removal time (ns). Bad lines are skipped."""
    removed: dict[str, int] = {}
    for mf in layout.manifest_files() if manifests is None else manifests:
        if mf.name != REMOVED_FILE_NAME:
            continue
        for line in _manifest_lines(mf)[0]:
            try:
                raw = json.loads(line)
                removed[str(raw["file"])] = int(raw["removed_at_ns"])
            except (ValueError, TypeError, KeyError, RecursionError):
                continue  # a torn last line
    return removed


def check_files(
    layout: DatasetLayout,
    *,
    hashes: bool,
    scan: Scan | None = None,
    key: VerificationKey | None = None,
) -> list[FileCheck]:
    """Every data file against the manifest: listed, present, the size it was written with,
    and (``hashes``) its sha256. Also every directory or file the scan could not use, and
    every unreadable manifest line. One check per file, sorted by path."""
    found = layout.scan() if scan is None else scan
    entries, checks = _read_entries(layout, found.manifests, key)
    removed = read_removed(layout, found.manifests)
    checks += [FileCheck(p.path, p.status, p.detail) for p in found.problems]
    seen = {p.path for p in found.problems}
    on_disk = {str(p.relative_to(layout.root)): p for p in found.events + found.stats}
    for rel, entry in sorted(entries.items()):
        if rel in seen:
            continue
        path = on_disk.get(rel)
        if path is None:
            if rel in removed:
                checks.append(FileCheck(rel, "removed", f"by retention at {removed[rel]} ns"))
            else:
                checks.append(FileCheck(rel, "missing", "listed in the manifest, not on disk"))
            continue
        checks.append(_check_one(rel, path, entry, hashes))
    for rel in sorted(set(on_disk) - set(entries)):
        checks.append(FileCheck(rel, "unlisted", "not in any manifest"))
    checks.sort(key=lambda c: c.file)
    return checks


def _check_one(rel: str, path: Path, entry: ManifestEntry, hashes: bool) -> FileCheck:
    try:
        size = path.stat().st_size
        if size != entry.bytes:
            return FileCheck(
                rel, "size_mismatch", f"size is {size} bytes, the manifest says {entry.bytes}"
            )
        if hashes:
            digest = sha256_file(path)
            if digest != entry.sha256:
                return FileCheck(
                    rel,
                    "hash_mismatch",
                    f"sha256 {digest[:12]}... differs from the manifest's {entry.sha256[:12]}...",
                )
    except OSError as exc:
        return FileCheck(rel, "unreadable", f"cannot read: {exc.strerror or exc}")
    return FileCheck(rel, "ok")


def verify(layout: DatasetLayout, key: VerificationKey | None = None) -> list[FileCheck]:
    """Check every data file against the manifest, hashes included, and the manifest's
    seals (with ``key``, the keyed seals too)."""
    return check_files(layout, hashes=True, key=key)
