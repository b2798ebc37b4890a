"""Where things live in a data directory (see DESIGN.md, "Storage layout")."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tracee_py.safeio import kind_of

DIR_MODE = 0o700
FILE_MODE = 0o600
TMP_SUFFIX = ".tmp"
_NODE_OK = re.compile(r"^[A-Za-z0-9._-]{1,253}$")
# DuckDB expands these in every path it is given; a file named with them is read as a
# pattern (``*.parquet`` reads its whole directory again), so it is never handed over.
GLOB_CHARS = frozenset("*?[]{}\\")
_PATTERN = "not read: its name holds pattern characters (*?[]{}\\)"


def validate_node_name(node: str) -> str:
    """Node names become directory names; refuse anything that could escape the tree."""
    if not _NODE_OK.match(node) or node in (".", ".."):
        from tracee_py.errors import UsageError

        raise UsageError(f"invalid node name {node!r}: use letters, digits, '.', '_' and '-'")
    return node


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and missing parents with mode 0700 (umask does not widen it)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(d, DIR_MODE)


def file_stamp(ns: int) -> str:
    """A sortable UTC timestamp for file names: ``20261128T100312.123456789Z``."""
    dt = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC)
    return f"{dt:%Y%m%dT%H%M%S}.{ns % 1_000_000_000:09d}Z"


def day_of(ns: int) -> str:
    return datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class ScanProblem:
    """Something found while listing a data directory that is not a data file to read."""

    path: str  # relative to the data root
    status: str  # unreadable, not_regular, bad_name
    detail: str


@dataclass
class Scan:
    """What a data directory holds: the regular data and manifest files, and what else."""

    events: list[Path] = field(default_factory=list)
    stats: list[Path] = field(default_factory=list)
    manifests: list[Path] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)


@dataclass(frozen=True)
class DatasetLayout:
    """The directories of one data root. Readers and writers both go through this."""

    root: Path

    @property
    def events_dir(self) -> Path:
        return self.root / "events"

    @property
    def stats_dir(self) -> Path:
        return self.root / "stats"

    @property
    def manifest_dir(self) -> Path:
        return self.root / "manifest"

    def events_partition(self, node: str, day: str) -> Path:
        return self.events_dir / f"node={node}" / f"date={day}"

    def stats_partition(self, node: str, day: str) -> Path:
        return self.stats_dir / f"node={node}" / f"date={day}"

    def manifest_partition(self, node: str) -> Path:
        return self.manifest_dir / f"node={node}"

    def event_files(self) -> list[Path]:
        """Every closed events file, sorted by path (which sorts by node, day, time)."""
        return self.scan().events

    def stats_files(self) -> list[Path]:
        return self.scan().stats

    def manifest_files(self) -> list[Path]:
        return self.scan().manifests

    def scan(self) -> Scan:
        """List the data and manifest files without following links or globbing.

        Only regular files are listed; a directory that cannot be read, a symlink, a FIFO
        or a device where a data file should be, and a file whose name DuckDB would expand
        as a pattern are problems, never silently dropped. Sorted by path.
        """
        found = Scan()
        found.events = self._walk(self.events_dir, ("node", "date"), ".parquet", found)
        found.stats = self._walk(self.stats_dir, ("node", "date"), ".parquet", found)
        found.manifests = self._walk(self.manifest_dir, ("node",), ".jsonl", found)
        return found

    def _walk(self, top: Path, levels: tuple[str, ...], suffix: str, found: Scan) -> list[Path]:
        dirs = [top] if top.is_dir() else []
        for key in levels:
            deeper: list[Path] = []
            for d in dirs:
                for entry in self._entries(d, found):
                    if not entry.name.startswith(key + "="):
                        continue
                    if GLOB_CHARS & set(entry.name):
                        self._problem(found, Path(entry.path), "bad_name", _PATTERN)
                    elif entry.is_dir(follow_symlinks=False):
                        deeper.append(Path(entry.path))
                    else:
                        what = f"{_what(entry)}, not a directory"
                        self._problem(found, Path(entry.path), "not_regular", what)
            dirs = deeper
        files: list[Path] = []
        for d in dirs:
            for entry in self._entries(d, found):
                if not entry.name.endswith(suffix):
                    continue  # temporary files of a running writer, and anything else
                path = Path(entry.path)
                if not entry.is_file(follow_symlinks=False):
                    what = f"{_what(entry)}, not a regular file"
                    self._problem(found, path, "not_regular", what)
                elif GLOB_CHARS & set(entry.name):
                    self._problem(found, path, "bad_name", _PATTERN)
                else:
                    files.append(path)
        return sorted(files)

    def _entries(self, directory: Path, found: Scan) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as it:
                return sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self._problem(
                found, directory, "unreadable", f"directory cannot be listed: {exc.strerror}"
            )
            return []

    def _problem(self, found: Scan, path: Path, status: str, detail: str) -> None:
        found.problems.append(ScanProblem(str(path.relative_to(self.root)), status, detail))


def _what(entry: os.DirEntry[str]) -> str:
    try:
        return kind_of(entry.stat(follow_symlinks=False).st_mode)
    except OSError as exc:
        return f"a file that cannot be examined ({exc.strerror})"
