"""Where things live in a data directory (see DESIGN.md, "Storage layout")."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
TMP_SUFFIX = ".tmp"
_NODE_OK = re.compile(r"^[A-Za-z0-9._-]{1,253}$")


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
        if not self.events_dir.is_dir():
            return []
        return sorted(self.events_dir.glob("node=*/date=*/*.parquet"))

    def stats_files(self) -> list[Path]:
        if not self.stats_dir.is_dir():
            return []
        return sorted(self.stats_dir.glob("node=*/date=*/*.parquet"))

    def manifest_files(self) -> list[Path]:
        if not self.manifest_dir.is_dir():
            return []
        return sorted(self.manifest_dir.glob("node=*/*.jsonl"))
