"""A DuckDB connection over a data directory, with the views investigations start from.

``open_dataset`` finds the events files of the nodes and days asked for (the manifest's
first and last event times rule out more files without opening them), checks the footer
of each one with pyarrow (a truncated or damaged file is left out and named in
``Dataset.warnings``; the rest still answers), and creates three views:

``events``
    the Parquet dataset, Hive-partitioned by node and date, schemas unioned by name so
    files written before a column was added still read. Node and time filters given to
    ``open_dataset`` become part of the view, so DuckDB prunes partitions, files and row
    groups: a question about one hour of one node does not read the rest.
``processes``
    one row per process lifetime, derived from ``events`` (see :mod:`.views`).
``stats``
    the recorder's counters (events and lost events per kind and interval, files, ...).

A root that is a URL (``s3://bucket/prefix``) is read through DuckDB's own globbing; there
is nothing to check locally, so damaged files surface as query errors instead.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from tracee_py.errors import DataError, NotFoundError, QueryError, UsageError
from tracee_py.lazy import duckdb
from tracee_py.printable import one_line
from tracee_py.query.times import NS_PER_S, format_ns
from tracee_py.query.views import install_derived_views
from tracee_py.schema import EVENT_SCHEMA, STATS_SCHEMA
from tracee_py.store.layout import DatasetLayout, Scan, day_of, validate_node_name
from tracee_py.store.manifest import STATUS_TEXT, FileCheck, check_files, read_manifest
from tracee_py.store.seal import VerificationKey

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_FAILED_FILE = re.compile(r'file "([^"]+\.parquet)"')  # how DuckDB names a file it failed on
_STAMP = re.compile(r"^(\d{8}T\d{6})\.(\d{9})Z")
EVENTS_GLOB = "events/node=*/date=*/*.parquet"
STATS_GLOB = "stats/node=*/date=*/*.parquet"
T = TypeVar("T")
LISTED_PER_STATUS = 10  # problems of one kind named one by one; the rest are counted


@dataclass(frozen=True)
class DataFile:
    """One readable Parquet file of the dataset, described from its footer."""

    path: str
    node: str
    date: str
    rows: int
    bytes: int
    first_ns: int | None  # smallest ``time`` (or ``interval_start``) in the file
    last_ns: int | None


@dataclass(frozen=True)
class DamagedFile:
    """A file left out because its footer could not be read or does not fit the file."""

    path: str
    reason: str


@dataclass
class Dataset:
    """An open dataset. ``con`` has the views ``events``, ``processes`` and ``stats``."""

    root: str
    con: duckdb.DuckDBPyConnection
    files: list[DataFile] = field(default_factory=list)
    stats_files: list[DataFile] = field(default_factory=list)
    damaged: list[DamagedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nodes: tuple[str, ...] | None = None
    time_from_ns: int | None = None
    time_to_ns: int | None = None
    remote: bool = False
    cache: dict[str, object] = field(default_factory=dict, repr=False)  # derived data, per open
    integrity: list[FileCheck] = field(default_factory=list)  # manifest problems (cheap check)
    temp_dir: str | None = None  # DuckDB's spill directory, private to this open

    def close(self) -> None:
        self.con.close()
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)

    @property
    def problems(self) -> int:
        """Damaged files plus manifest problems: what ``--strict`` refuses."""
        return len(self.damaged) + len(self.integrity)

    def failed_file(self, exc: Exception) -> str | None:
        """The dataset file a DuckDB error says it could not read, relative to the root."""
        for match in _FAILED_FILE.finditer(str(exc)):
            path = match.group(1)
            for f in self.files + self.stats_files:
                if path == f.path or path == str(Path(self.root) / f.path):
                    return f.path
        return None

    def exclude(self, rel: str, reason: str, *, refresh: bool = True) -> None:
        """Leave out a file found damaged while reading it (its footer was fine)."""
        stats = any(f.path == rel for f in self.stats_files)
        self.files = [f for f in self.files if f.path != rel]
        self.stats_files = [f for f in self.stats_files if f.path != rel]
        self.damaged.append(DamagedFile(rel, reason))
        self.warnings.append(f"skipped damaged file {rel}: {reason}")
        self.cache.clear()
        if refresh:
            self.refresh_view("stats" if stats else "events")

    def refresh_view(self, name: str) -> None:
        """(Re)create the ``events`` or ``stats`` view over the dataset's files."""
        files, schema, time_column = (
            (self.files, EVENT_SCHEMA, "time")
            if name == "events"
            else (self.stats_files, STATS_SCHEMA, None)
        )
        _create_view(
            self.con,
            name,
            [str(Path(self.root) / f.path) for f in files],
            schema,
            nodes=self.nodes,
            time_from_ns=self.time_from_ns,
            time_to_ns=self.time_to_ns,
            time_column=time_column,
        )

    def stream(
        self, sql: str, params: dict[str, Any] | None = None, batch_rows: int = 8192
    ) -> QueryResult | None:
        """Run ``sql`` and hand out its rows as Arrow batches (None: it returns no rows).

        A file found damaged before the first batch is left out and the query runs again;
        one found later stops the iteration with :class:`QueryError`. Other DuckDB errors
        propagate unchanged.
        """

        def start() -> QueryResult | None:
            relation = self.con.sql(sql, params=params or None)
            if relation is None:
                return None
            reader = relation.to_arrow_reader(batch_rows)
            try:
                first = reader.read_next_batch()
            except StopIteration:
                first = None
            return QueryResult(list(relation.columns), first, reader, self)

        return self.retrying(start)

    def retrying(self, run: Callable[[], T]) -> T:
        """``run()``, again without each file that turns out to be damaged mid-file.

        DuckDB names the file it failed on; when an error that reading data can cause
        names none, every file is read in full once to find the damaged ones.
        """
        probed = False
        stale = False  # views still name an excluded file; rebuilt inside the loop, since
        # rebuilding them reads the remaining files' schemas and may meet the next one
        while True:
            try:
                if stale:
                    self.refresh_view("events")
                    self.refresh_view("stats")
                    stale = False
                return run()
            except (duckdb.Error, pa.ArrowException) as exc:
                rel = self.failed_file(exc)
                if rel is not None:
                    self.exclude(rel, one_line(f"cannot be read ({exc})"), refresh=False)
                    stale = True
                    continue
                if probed or self.remote or not _data_error(exc):
                    raise
                probed = True
                damaged = self._probe()
                if not damaged:
                    raise
                for path, reason in damaged:
                    self.exclude(path, reason, refresh=False)
                stale = True

    def _probe(self) -> list[tuple[str, str]]:
        """Every file whose pages cannot all be read, with the reason. Arrow's reader
        forgives some damage DuckDB's does not (garbage in the footer's Thrift), so a file
        Arrow reads is read once more by DuckDB, on a connection of its own."""
        damaged = []
        checker = duckdb.connect()
        try:
            for f in self.files + self.stats_files:
                path = Path(self.root) / f.path
                try:
                    pq.ParquetFile(path).read()
                    checker.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()
                except (OSError, pa.ArrowException, ValueError, duckdb.Error) as exc:
                    damaged.append((f.path, one_line(f"cannot be read ({exc})")))
        finally:
            checker.close()
        return damaged

    def __enter__(self) -> Dataset:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass
class QueryResult:
    """The rows of one query: ``columns``, then iterate for record batches (once)."""

    columns: list[str]
    first: pa.RecordBatch | None
    reader: pa.RecordBatchReader
    dataset: Dataset

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        if self.first is None:
            return
        yield self.first
        try:
            yield from self.reader
        except (duckdb.Error, pa.ArrowException) as exc:
            rel = self.dataset.failed_file(exc)
            what = f"file {rel} is damaged" if rel else "the query failed"
            raise QueryError(f"{what} after some rows were printed: {one_line(str(exc))}") from exc


def verify_recording(root: str | Path, key: VerificationKey | None = None) -> list[FileCheck]:
    """Every file of the recording at ``root`` checked against the manifest, sha256 included,
    and the manifest's seals, keyed ones with ``key`` (see
    :func:`tracee_py.store.manifest.check_files`)."""
    if is_url(root):
        raise UsageError("verify reads local directories; copy the recording first")
    path = Path(root)
    if not path.is_dir():
        raise DataError(f"data directory {root} does not exist or is not a directory")
    checks = check_files(DatasetLayout(path), hashes=True, key=key)
    if not checks:
        raise DataError(f"no recordings in {root}: no data or manifest files")
    return checks


def _data_error(exc: BaseException) -> bool:
    """An error damaged data can cause (not one a query's own text causes). A Parquet
    decoder that trips over garbage raises DuckDB's untyped base error (``TProtocolException:
    Exceeded size limit``)."""
    kinds = (
        duckdb.IOException,
        duckdb.InvalidInputException,
        duckdb.InternalException,
        duckdb.SerializationException,
        pa.ArrowException,
    )
    return isinstance(exc, kinds) or type(exc) is duckdb.Error


def is_url(root: str | Path) -> bool:
    return isinstance(root, str) and bool(_URL.match(root))


def open_dataset(
    root: str | Path,
    *,
    nodes: Iterable[str] | None = None,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
) -> Dataset:
    """Open the recordings under ``root`` (a directory or an object-storage URL).

    ``nodes`` and the inclusive time bounds restrict what the views can see. Raises
    :class:`DataError` when there is nothing to read and :class:`NotFoundError` for a node
    that is not in the recording.
    """
    wanted = tuple(validate_node_name(n) for n in nodes) if nodes else None
    if time_from_ns is not None and time_to_ns is not None and time_from_ns > time_to_ns:
        raise DataError(
            f"the time window is empty: {format_ns(time_from_ns)} is after {format_ns(time_to_ns)}"
        )
    # DuckDB spills to ``.tmp`` under the working directory by default, which may be the
    # data directory itself: a reading command must not write there.
    temp_dir = tempfile.mkdtemp(prefix="tracee-py-")
    con = duckdb.connect(config={"temp_directory": temp_dir})
    con.execute("SET TimeZone = 'UTC'")
    try:
        if is_url(root):
            ds = _open_remote(str(root).rstrip("/"), con, wanted, time_from_ns, time_to_ns)
        else:
            ds = _open_local(Path(root), con, wanted, time_from_ns, time_to_ns)
        install_derived_views(con)
    except BaseException:
        con.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    ds.temp_dir = temp_dir
    return ds


# -- local directories ------------------------------------------------------------------------


def _open_local(
    root: Path,
    con: duckdb.DuckDBPyConnection,
    nodes: tuple[str, ...] | None,
    time_from_ns: int | None,
    time_to_ns: int | None,
) -> Dataset:
    if not root.exists():
        raise DataError(f"data directory {root} does not exist (set --data or TRACEE_PY_DATA)")
    if not root.is_dir():
        raise DataError(f"data directory {root} is not a directory")
    layout = DatasetLayout(root)
    try:
        scan = layout.scan()
    except OSError as exc:
        raise DataError(f"cannot read data directory {root}: {exc.strerror or exc}") from exc
    all_events, all_stats = scan.events, scan.stats
    if not all_events:
        why = f" ({scan.problems[0].path}: {scan.problems[0].detail})" if scan.problems else ""
        raise DataError(f"no recordings in {root}: no files match {EVENTS_GLOB}{why}")
    present = sorted({_partition(p, "node") for p in all_events})
    for node in nodes or ():
        if node not in present:
            raise NotFoundError(f"node {node!r} is not in {root} (nodes: {', '.join(present)})")

    ds = Dataset(
        root=str(root),
        con=con,
        nodes=nodes,
        time_from_ns=time_from_ns,
        time_to_ns=time_to_ns,
    )
    ds.integrity = [
        c
        for c in check_files(layout, hashes=False, scan=scan)
        if c.problem and _of_nodes(c.file, nodes)
    ]
    ds.warnings.extend(integrity_warnings(ds.integrity))
    spans = _manifest_spans(layout, scan) if (time_from_ns, time_to_ns) != (None, None) else {}
    candidates = _prune(all_events, nodes, time_from_ns, time_to_ns, by_name=True)
    candidates = [
        p
        for p in candidates
        if _span_overlaps(spans.get(str(p.relative_to(root))), time_from_ns, time_to_ns)
    ]
    damaged_events = 0
    for path in candidates:
        checked = _check_file(path, root, "time")
        if isinstance(checked, DamagedFile):
            damaged_events += 1
            ds.damaged.append(checked)
            ds.warnings.append(f"skipped damaged file {checked.path}: {checked.reason}")
        elif _overlaps(checked, time_from_ns, time_to_ns):
            ds.files.append(checked)
    for path in _prune(all_stats, nodes, time_from_ns, time_to_ns, by_name=False):
        checked = _check_file(path, root, "interval_start")
        if isinstance(checked, DamagedFile):
            ds.damaged.append(checked)
            ds.warnings.append(f"skipped damaged file {checked.path}: {checked.reason}")
        else:
            ds.stats_files.append(checked)

    if candidates and damaged_events == len(candidates):
        raise DataError(
            f"no readable event files in {root}: {len(ds.damaged)} damaged "
            f"(first: {ds.damaged[0].path}: {ds.damaged[0].reason})"
        )
    if not ds.files:
        ds.warnings.append("no events in the selected nodes and time window")

    def views() -> None:
        ds.refresh_view("events")
        ds.refresh_view("stats")

    ds.retrying(views)  # a view reads every file's schema: damage there is skipped too
    return ds


def _partition(path: Path, key: str) -> str:
    for part in path.parts:
        if part.startswith(key + "="):
            return part[len(key) + 1 :]
    return ""


def _prune(
    paths: list[Path],
    nodes: tuple[str, ...] | None,
    time_from_ns: int | None,
    time_to_ns: int | None,
    *,
    by_name: bool,
) -> list[Path]:
    """Drop files whose node, date or (events only) first-event time rule them out."""
    day_from = day_of(time_from_ns) if time_from_ns is not None else None
    day_to = day_of(time_to_ns) if time_to_ns is not None else None
    kept = []
    for path in paths:
        if nodes and _partition(path, "node") not in nodes:
            continue
        day = _partition(path, "date")
        if (day_from and day < day_from) or (day_to and day > day_to):
            continue
        if by_name and time_to_ns is not None:
            first = _stamp_ns(path.name)
            if first is not None and first > time_to_ns:
                continue
        kept.append(path)
    return kept


def _of_nodes(rel: str, nodes: tuple[str, ...] | None) -> bool:
    """Whether a path of the data directory belongs to the nodes asked for (anything
    outside a node's directory belongs to all of them)."""
    node = _partition(Path(rel), "node")
    return nodes is None or not node or node in nodes


def integrity_warnings(checks: list[FileCheck]) -> list[str]:
    """One warning per problem, at most :data:`LISTED_PER_STATUS` per kind, then a count."""
    warnings: list[str] = []
    by_status: dict[str, list[FileCheck]] = {}
    for check in checks:
        by_status.setdefault(check.status, []).append(check)
    for status, group in by_status.items():
        warnings += [str(c) for c in group[:LISTED_PER_STATUS]]
        if len(group) > LISTED_PER_STATUS:
            warnings.append(
                f"... and {len(group) - LISTED_PER_STATUS} more files: "
                f"{STATUS_TEXT.get(status, status)} (tracee-py verify lists every one)"
            )
    return warnings


def _manifest_spans(layout: DatasetLayout, scan: Scan) -> dict[str, tuple[int, int]]:
    """First and last event time of every file the manifest lists (unreadable lines are
    skipped: a file without a span is simply opened)."""
    entries, _ = read_manifest(layout, scan.manifests)
    return {rel: (e.first_time_ns, e.last_time_ns) for rel, e in entries.items()}


def _span_overlaps(
    span: tuple[int, int] | None, time_from_ns: int | None, time_to_ns: int | None
) -> bool:
    if span is None:
        return True
    first, last = span
    if time_from_ns is not None and last < time_from_ns:
        return False
    return not (time_to_ns is not None and first > time_to_ns)


def _stamp_ns(name: str) -> int | None:
    """The first-event time written into an events file name, if it has one."""
    m = _STAMP.match(name)
    if not m:
        return None
    dt = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return int(dt.timestamp()) * NS_PER_S + int(m.group(2))


def _check_file(path: Path, root: Path, time_column: str) -> DataFile | DamagedFile:
    """Read the footer; a file whose footer is missing or points past its end is damaged."""
    rel = str(path.relative_to(root))
    try:
        size = path.stat().st_size
        meta = pq.read_metadata(path)
    except OSError as exc:
        return DamagedFile(rel, f"cannot read: {exc.strerror or exc}")
    except (pa.ArrowException, ValueError) as exc:
        return DamagedFile(rel, one_line(f"not a readable Parquet file ({exc})"))
    return footer_check(
        meta, rel, size, time_column, _partition(path, "node"), _partition(path, "date")
    )


def footer_check(
    meta: pq.FileMetaData,
    rel: str,
    size: int,
    time_column: str,
    node: str,
    date: str,
) -> DataFile | DamagedFile:
    """What a Parquet footer says about a dataset file (``rel``, ``size`` bytes, from its
    ``node``/``date`` partition): its schema is ours, no column chunk points past the end,
    and its time span; read the same way for local files and object storage."""
    expected = EVENT_SCHEMA if time_column == "time" else STATS_SCHEMA
    try:
        wrong = schema_problem(meta.schema.to_arrow_schema(), expected)
    except (pa.ArrowException, ValueError) as exc:
        wrong = one_line(f"its schema cannot be read ({exc})")
    if wrong is not None:
        # One file with another type for a column would change the column's type for
        # every file (the views union files by name): pid as text matches no pid.
        return DamagedFile(rel, wrong)
    names = meta.schema.names
    time_index = names.index(time_column) if time_column in names else None
    first: int | None = None
    last: int | None = None
    for rg in range(meta.num_row_groups):
        group = meta.row_group(rg)
        for c in range(group.num_columns):
            chunk = group.column(c)
            start = chunk.dictionary_page_offset or chunk.data_page_offset
            if start + chunk.total_compressed_size > size:
                return DamagedFile(rel, "column data points past the end of the file")
        if time_index is not None:
            stats = group.column(time_index).statistics
            if stats is not None and stats.has_min_max and isinstance(stats.min_raw, int):
                lo, hi = int(stats.min_raw), int(stats.max_raw)
                first = lo if first is None else min(first, lo)
                last = hi if last is None else max(last, hi)
    return DataFile(
        path=rel,
        node=node,
        date=date,
        rows=meta.num_rows,
        bytes=size,
        first_ns=first,
        last_ns=last,
    )


def schema_problem(found: pa.Schema, expected: pa.Schema) -> str | None:
    """Why a file's columns do not fit the dataset's schema, or None. Missing and extra
    columns are fine (files from before or after a column was added); a known column of
    another kind of type is not."""
    for field_ in expected:
        index = found.get_field_index(field_.name)
        if index < 0:
            continue
        got = found.field(index).type
        if _kind(got) != _kind(field_.type):
            return f"column {field_.name} is {got}, not {field_.type}"
    return None


def _kind(t: pa.DataType) -> str:
    """A type's family: widths, units, time zones and dictionary encoding aside."""
    if pa.types.is_dictionary(t):
        return _kind(t.value_type)
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"list<{_kind(t.value_type)}>"
    return str(t)


def _overlaps(f: DataFile, time_from_ns: int | None, time_to_ns: int | None) -> bool:
    if f.first_ns is None or f.last_ns is None:
        return True
    if time_from_ns is not None and f.last_ns < time_from_ns:
        return False
    return not (time_to_ns is not None and f.first_ns > time_to_ns)


# -- object storage ---------------------------------------------------------------------------


def _open_remote(
    root: str,
    con: duckdb.DuckDBPyConnection,
    nodes: tuple[str, ...] | None,
    time_from_ns: int | None,
    time_to_ns: int | None,
) -> Dataset:
    ds = Dataset(
        root=root,
        con=con,
        nodes=nodes,
        time_from_ns=time_from_ns,
        time_to_ns=time_to_ns,
        remote=True,
    )
    for name, glob in (("events", EVENTS_GLOB), ("stats", STATS_GLOB)):
        try:
            _create_view(
                con,
                name,
                f"{root}/{glob}",
                EVENT_SCHEMA if name == "events" else STATS_SCHEMA,
                nodes=nodes,
                time_from_ns=time_from_ns,
                time_to_ns=time_to_ns,
                time_column="time" if name == "events" else None,
            )
        except duckdb.Error as exc:
            raise DataError(f"cannot read {root}/{glob}: {one_line(str(exc))}") from exc
    return ds


# -- view SQL ---------------------------------------------------------------------------------


def sql_string(value: str) -> str:
    """A SQL string literal. Only for view definitions, which cannot take parameters."""
    return "'" + value.replace("'", "''") + "'"


def sql_time(ns: int) -> str:
    """A TIMESTAMPTZ_NS literal DuckDB can push down into Parquet row-group statistics."""
    return f"make_timestamp_ns({int(ns)})::TIMESTAMPTZ_NS"


def parquet_view_sql(
    name: str,
    source: str | list[str],
    *,
    nodes: tuple[str, ...] | None = None,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
    time_column: str | None = "time",
) -> str:
    """``CREATE VIEW`` over Hive-partitioned Parquet files (a glob or a list of paths).

    The node list and the time bounds are written into the view as a ``WHERE`` clause on the
    partition columns and on ``time``, which is what lets DuckDB skip partitions and row
    groups. Node names are validated before they get here; times are integers.
    """
    if isinstance(source, str):
        src = sql_string(source)
    else:
        src = "[" + ", ".join(sql_string(s) for s in source) + "]"
    where = []
    if nodes:
        where.append("node IN (" + ", ".join(sql_string(n) for n in nodes) + ")")
    if time_from_ns is not None:
        where.append(f"date >= {sql_string(day_of(time_from_ns))}")
        if time_column:
            where.append(f"{time_column} >= {sql_time(time_from_ns)}")
    if time_to_ns is not None:
        where.append(f"date <= {sql_string(day_of(time_to_ns))}")
        if time_column:
            where.append(f"{time_column} <= {sql_time(time_to_ns)}")
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    return (
        f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE (date) FROM read_parquet({src}, "
        "hive_partitioning = true, union_by_name = true, "
        "hive_types = {'node': 'VARCHAR', 'date': 'VARCHAR'})" + clause
    )


def _create_view(
    con: duckdb.DuckDBPyConnection,
    name: str,
    source: str | list[str],
    schema: pa.Schema,
    *,
    nodes: tuple[str, ...] | None,
    time_from_ns: int | None,
    time_to_ns: int | None,
    time_column: str | None,
) -> None:
    if isinstance(source, list) and not source:
        # read_parquet refuses an empty list; an empty table keeps the columns queryable.
        con.register(f"_empty_{name}", schema.empty_table())
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM _empty_{name}")
        return
    con.execute(
        parquet_view_sql(
            name,
            source,
            nodes=nodes,
            time_from_ns=time_from_ns,
            time_to_ns=time_to_ns,
            time_column=time_column,
        )
    )
