"""The Parquet writer: rotation, atomic rename, Hive partitions, manifest, stats.

A file is written under a temporary name and renamed when closed, so a reader never sees a
half-written file and a killed recorder loses at most the open interval. Write errors (disk
full above all) raise :class:`StoreError` after the temporary file is removed; files
already closed are untouched and their manifest lines stay true.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tracee_py.errors import StoreError
from tracee_py.schema import CONTAINER_COLUMNS, EVENT_SCHEMA, STATS_SCHEMA
from tracee_py.store.layout import (
    FILE_MODE,
    TMP_SUFFIX,
    DatasetLayout,
    day_of,
    file_stamp,
    make_private_dirs,
    validate_node_name,
)
from tracee_py.store.manifest import ManifestEntry, ManifestWriter, sha256_file
from tracee_py.store.seal import SealingKey

# Columns worth dictionary-encoding: few distinct values, repeated a lot.
_DICT_COLUMNS = [
    "node",
    "boot_id",
    "event",
    "syscall",
    "comm",
    "exe",
    "cwd",
    *CONTAINER_COLUMNS,
    "path",
    "path2",
    "family",
    "addr",
    "exe_sha256",
]


@dataclass(frozen=True)
class WriterSettings:
    rotate_seconds: float = 60.0  # close a file after this long
    rotate_bytes: int = 64 << 20  # or once it is this big
    row_group_rows: int = 32 * 1024  # rows buffered before a row group is written
    compression: str = "zstd"
    compression_level: int = 3
    seal_key: Path | None = None  # the node's sealing key (tracee-py setup-keys), if any


@dataclass
class ClosedFile:
    path: Path
    rows: int
    bytes: int
    kinds: Counter[str] = field(default_factory=Counter)
    first_ns: int = 0
    last_ns: int = 0


def _write_error(path: Path, exc: OSError) -> StoreError:
    if exc.errno == errno.ENOSPC:
        why = "disk full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "not writable"
    else:
        why = exc.strerror or str(exc)
    return StoreError(f"cannot write {path}: {why}; closed files are intact")


class _OpenFile:
    """One events file being written."""

    def __init__(self, final: Path, settings: WriterSettings, first_ns: int) -> None:
        self.final = final
        self.tmp = final.with_name(final.name + TMP_SUFFIX)
        self.opened_at = time.monotonic()
        self.first_ns = first_ns
        self.last_ns = first_ns
        self.rows = 0
        self.kinds: Counter[str] = Counter()
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        self._sink = os.fdopen(fd, "wb")
        self._writer = pq.ParquetWriter(
            self._sink,
            EVENT_SCHEMA,
            compression=settings.compression,
            compression_level=settings.compression_level,
            use_dictionary=_DICT_COLUMNS,
            write_statistics=True,
        )

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=table.num_rows)
        self._sink.flush()
        self.rows += table.num_rows

    def size(self) -> int:
        return self._sink.tell()

    def close(self) -> int:
        self._writer.close()
        self._sink.flush()
        os.fsync(self._sink.fileno())
        self._sink.close()
        os.rename(self.tmp, self.final)
        return os.stat(self.final).st_size

    def abandon(self) -> None:
        # Its footer can never be written now: stop pyarrow's __del__ from trying (it would
        # print a traceback on stderr when the writer is garbage-collected).
        self._writer.is_open = False
        with contextlib.suppress(OSError):
            self._sink.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


class EventWriter:
    """Writes batches of events (Arrow tables in :data:`EVENT_SCHEMA`) for one node."""

    def __init__(
        self,
        root: Path,
        node: str,
        run_id: str,
        settings: WriterSettings | None = None,
        on_close: Callable[[ClosedFile], None] | None = None,
    ) -> None:
        self.layout = DatasetLayout(Path(root))
        self.node = validate_node_name(node)
        self.run_id = run_id
        self.settings = settings or WriterSettings()
        self.on_close = on_close
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._open: _OpenFile | None = None
        self._seq = 0
        self.closed_files: list[ClosedFile] = []
        self.failed: StoreError | None = None
        try:
            make_private_dirs(self.layout.manifest_partition(self.node))
            stamp = file_stamp(time.time_ns())
            sealer = SealingKey.open(self.settings.seal_key) if self.settings.seal_key else None
            self._manifest = ManifestWriter(
                self.layout.manifest_partition(self.node) / f"{stamp}-{run_id}.jsonl", sealer
            )
        except OSError as exc:
            raise _write_error(self.layout.root, exc) from exc

    # -- public -----------------------------------------------------------------------------

    def write(self, table: pa.Table) -> None:
        """Buffer a batch; writes a row group when enough rows are pending."""
        if self.failed:
            raise self.failed
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= self.settings.row_group_rows:
            self.flush()

    def flush(self) -> None:
        """Write pending rows as row groups, rotating files by day, time and size."""
        if not self._pending:
            self._maybe_rotate_on_time()
            return
        table = pa.concat_tables(self._pending)  # chunked: Parquet writes it as it is
        self._pending.clear()
        self._pending_rows = 0
        try:
            self._write_table(table)
        except OSError as exc:
            self._fail(exc)

    def tick(self) -> None:
        """Call periodically: closes a file whose time is up even when no events come."""
        self.flush()

    @property
    def manifest(self) -> ManifestWriter:
        """This run's manifest; stats files written alongside append to it too."""
        return self._manifest

    def close(self, close_manifest: bool = True) -> None:
        """Write everything pending and close the open file."""
        try:
            self.flush()
            if self._open is not None:
                self._close_open()
        except OSError as exc:
            self._fail(exc)
        finally:
            if close_manifest:
                self._manifest.close()

    # -- internals ----------------------------------------------------------------------------

    def _fail(self, exc: OSError) -> None:
        path = self._open.final if self._open else self.layout.root
        if self._open is not None:
            self._open.abandon()
            self._open = None
        self.failed = _write_error(path, exc)
        raise self.failed from exc

    def _maybe_rotate_on_time(self) -> None:
        if self._open is None:
            return
        if time.monotonic() - self._open.opened_at >= self.settings.rotate_seconds:
            try:
                self._close_open()
            except OSError as exc:
                self._fail(exc)

    def _write_table(self, table: pa.Table) -> None:
        times = table.column("time").cast(pa.int64()).to_numpy()
        # Split at day boundaries so each file sits in exactly one date partition.
        days = [day_of(int(t)) for t in (times[0], times[-1])]
        if days[0] != days[1]:
            day_ns = 86_400_000_000_000
            start = 0
            while start < len(times):
                day_end = (int(times[start]) // day_ns + 1) * day_ns
                stop = start + int((times[start:] < day_end).sum())
                stop = max(stop, start + 1)
                self._write_day(table.slice(start, stop - start), times[start:stop])
                start = stop
        else:
            self._write_day(table, times)

    def _write_day(self, table: pa.Table, times) -> None:  # type: ignore[no-untyped-def]
        first, last = int(times.min()), int(times.max())
        if self._open is not None and (
            day_of(self._open.first_ns) != day_of(first)
            or time.monotonic() - self._open.opened_at >= self.settings.rotate_seconds
        ):
            self._close_open()
        if self._open is None:
            self._seq += 1
            part = self.layout.events_partition(self.node, day_of(first))
            make_private_dirs(part)
            name = f"{file_stamp(first)}-{self.run_id}-{self._seq:06d}.parquet"
            self._open = _OpenFile(part / name, self.settings, first)
        f = self._open
        f.write(table)
        f.first_ns = min(f.first_ns, first)
        f.last_ns = max(f.last_ns, last)
        for kind, n in _count_kinds(table).items():
            f.kinds[kind] += n
        if f.size() >= self.settings.rotate_bytes:
            self._close_open()

    def _close_open(self) -> None:
        f = self._open
        assert f is not None
        self._open = None
        size = f.close()
        rel = str(f.final.relative_to(self.layout.root))
        self._manifest.append(
            ManifestEntry(
                file=rel,
                rows=f.rows,
                bytes=size,
                sha256=sha256_file(f.final),
                first_time_ns=f.first_ns,
                last_time_ns=f.last_ns,
            )
        )
        closed = ClosedFile(f.final, f.rows, size, f.kinds, f.first_ns, f.last_ns)
        self.closed_files.append(closed)
        if self.on_close is not None:
            self.on_close(closed)


def _count_kinds(table: pa.Table) -> dict[str, int]:
    counts = table.column("event").value_counts()
    return {str(v["values"]): int(v["counts"]) for v in counts.to_pylist()}


def stats_manifest(root: Path, node: str, run_id: str) -> ManifestWriter:
    """A manifest of its own for stats written without an events writer (synthetic data,
    fixtures): every file of a recording is listed somewhere."""
    layout = DatasetLayout(Path(root))
    part = layout.manifest_partition(validate_node_name(node))
    make_private_dirs(part)
    return ManifestWriter(part / f"stats-{run_id}.jsonl")


class StatsWriter:
    """Writes ``stats`` rows; one small Parquet file per flush, atomically renamed."""

    def __init__(self, root: Path, node: str, manifest: ManifestWriter | None = None) -> None:
        self.layout = DatasetLayout(Path(root))
        self.node = validate_node_name(node)
        self.manifest = manifest
        self._seq = 0

    def write_rows(self, rows: list[dict[str, object]]) -> Path | None:
        if not rows:
            return None
        table = pa.Table.from_pylist(rows, schema=STATS_SCHEMA)
        first = int(table.column("interval_start").cast(pa.int64())[0].as_py())
        part = self.layout.stats_partition(self.node, day_of(first))
        self._seq += 1
        final = part / f"{file_stamp(first)}-{os.getpid()}-{self._seq:06d}.parquet"
        tmp = final.with_name(final.name + TMP_SUFFIX)
        try:
            make_private_dirs(part)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(fd, "wb") as sink:
                pq.write_table(table, sink, compression="zstd")
                sink.flush()
                os.fsync(sink.fileno())
            os.rename(tmp, final)
            if self.manifest is not None:
                times = table.column("interval_end").cast(pa.int64()).to_pylist()
                self.manifest.append(
                    ManifestEntry(
                        file=str(final.relative_to(self.layout.root)),
                        rows=table.num_rows,
                        bytes=os.stat(final).st_size,
                        sha256=sha256_file(final),
                        first_time_ns=first,
                        last_time_ns=max(times),
                        dataset="stats",
                    )
                )
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise _write_error(final, exc) from exc
        return final
