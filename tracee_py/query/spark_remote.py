"""Spark over a recording in object storage, without Hadoop's S3A connector.

A shipped recording (``tracee-py ship``) has the same layout under ``s3://bucket/prefix``
as on the node. Reading it takes two steps:

1. **Checked on the driver**, as a local directory is by ``open_dataset``: the objects are
   listed through fsspec (s3fs), only in the ``node=`` and ``date=`` directories asked for;
   the manifest lines are read and their seal chain checked; every listed file must be
   there with the size the manifest gives, and every file there must be listed; each
   candidate file's footer and column types are read. Damaged files are left out and
   named; ``--strict`` refuses the run when anything was found.
2. **Read by Spark** through a Python data source (:class:`RecordingSource`, Spark's
   ``pyspark.sql.datasource`` API): one input partition per file, opened with pyarrow over
   fsspec inside the Python workers and handed to Spark as Arrow record batches. Filters
   on ``node`` and ``date`` that Spark pushes down prune the files a second time, so a
   query's own ``WHERE node = 'x'`` opens only that node's files.

When the JVM has the S3A connector (``org.apache.hadoop.fs.s3a.S3AFileSystem``, as on
most clusters), Spark's own Parquet reader reads the checked files instead (``s3a://``);
the checks of step 1 are the same. ``TRACEE_PY_SPARK_S3=python`` or ``s3a`` forces one.

The S3 endpoint is AWS unless ``TRACEE_PY_S3_ENDPOINT`` names another (MinIO, Ceph RGW,
the tests' moto server); credentials come from botocore's usual places in the driver and
in the workers (environment, profile, instance role), never from options or the plan.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tracee_py.errors import DataError, NotFoundError, StoreError, UsageError
from tracee_py.query.dataset import (
    DamagedFile,
    DataFile,
    _overlaps,
    _span_overlaps,
    _stamp_ns,
    footer_check,
    integrity_warnings,
    one_line,
)
from tracee_py.schema import EVENT_SCHEMA, STATS_SCHEMA
from tracee_py.store.layout import day_of, validate_node_name
from tracee_py.store.manifest import (
    REMOVED_FILE_NAME,
    FileCheck,
    ManifestEntry,
    parse_manifest_lines,
)
from tracee_py.store.seal import check_seals

SOURCE_NAME = "tracee_recording"
ENDPOINT_ENV = "TRACEE_PY_S3_ENDPOINT"
READER_ENV = "TRACEE_PY_SPARK_S3"  # auto (default), python or s3a
_FOOTER_BLOCK = 1 << 16
_READ_BLOCK = 8 << 20
_BATCH_ROWS = 65_536


def spark_url(root: str) -> str:
    """``s3://`` means Hadoop's S3A connector to Spark."""
    return re.sub(r"^s3://", "s3a://", root)


def endpoint_url() -> str | None:
    return os.environ.get(ENDPOINT_ENV) or None


def _target(url: str) -> Any:
    from tracee_py.store.ship import Target

    return Target(url, endpoint_url() if url.startswith(("s3://", "s3a://")) else None)


# -- step 1: list and check on the driver --------------------------------------------------


@dataclass
class RemoteRecording:
    """What :func:`check_remote` found: the files Spark may read, and what is wrong."""

    url: str
    files: list[DataFile] = field(default_factory=list)
    stats_files: list[DataFile] = field(default_factory=list)
    damaged: list[DamagedFile] = field(default_factory=list)
    integrity: list[FileCheck] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return len(self.damaged) + len(self.integrity)


def check_remote(
    url: str,
    *,
    nodes: Sequence[str] | None = None,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
) -> RemoteRecording:
    """List and check the recording at ``url`` (see the module doc); only the ``node=``
    and ``date=`` directories that ``nodes`` and the time bounds allow are listed."""
    wanted = tuple(validate_node_name(n) for n in nodes) if nodes else None
    target = _target(url)
    rec = RemoteRecording(url=target.url)
    day_from = day_of(time_from_ns) if time_from_ns is not None else None
    day_to = day_of(time_to_ns) if time_to_ns is not None else None
    try:
        if not target.local:  # a wrong bucket or endpoint is named before any listing
            target.check()
        present = _children(target, "events", "node")
        if not present:
            raise DataError(f"no recordings in {target.url}: nothing under events/node=*/")
        for node in wanted or ():
            if node not in present:
                raise NotFoundError(
                    f"node {node!r} is not in {target.url} (nodes: {', '.join(present)})"
                )
        chosen = [n for n in present if wanted is None or n in wanted]
        events: dict[str, int] = {}
        stats: dict[str, int] = {}
        for node in chosen:
            for dataset, found in (("events", events), ("stats", stats)):
                for day in _children(target, f"{dataset}/node={node}", "date"):
                    if (day_from and day < day_from) or (day_to and day > day_to):
                        continue
                    found.update(_parquet_files(target, f"{dataset}/node={node}/date={day}"))
        entries, removed, manifest_checks = _manifests(target, chosen)
    except (DataError, UsageError):
        raise
    except Exception as exc:  # s3fs and botocore raise many kinds; one line for each
        raise DataError(_read_error(target, exc)) from exc

    def in_window(rel: str) -> bool:
        day = _part(rel, "date")
        return not ((day_from and day < day_from) or (day_to and day > day_to))

    rec.integrity = manifest_checks + _compare(
        {r: e for r, e in entries.items() if _part(r, "node") in chosen and in_window(r)},
        removed,
        {**events, **stats},
    )
    rec.warnings.extend(integrity_warnings(rec.integrity))
    spans = {r: (e.first_time_ns, e.last_time_ns) for r, e in entries.items()}
    candidates = [
        r
        for r in sorted(events)
        if _span_overlaps(spans.get(r), time_from_ns, time_to_ns)
        and not (
            time_to_ns is not None and (_stamp_ns(PurePosixPath(r).name) or time_to_ns) > time_to_ns
        )
    ]
    for rel in candidates:
        checked = _check_footer(target, rel, events[rel], "time")
        if isinstance(checked, DamagedFile):
            rec.damaged.append(checked)
            rec.warnings.append(f"skipped damaged file {checked.path}: {checked.reason}")
        elif _overlaps(checked, time_from_ns, time_to_ns):
            rec.files.append(checked)
    for rel in sorted(stats):
        checked = _check_footer(target, rel, stats[rel], "interval_start")
        if isinstance(checked, DamagedFile):
            rec.damaged.append(checked)
            rec.warnings.append(f"skipped damaged file {checked.path}: {checked.reason}")
        else:
            rec.stats_files.append(checked)
    if candidates and not rec.files and len(rec.damaged) >= len(candidates):
        raise DataError(
            f"no readable event files in {target.url}: {len(rec.damaged)} damaged "
            f"(first: {rec.damaged[0].path}: {rec.damaged[0].reason})"
        )
    if not rec.files:
        rec.warnings.append("no events in the selected nodes and time window")
    return rec


def _read_error(target: Any, exc: BaseException) -> str:
    """Shipping's one-line diagnosis (wrong bucket, access denied, unreachable), said of
    a read."""
    text = str(exc if isinstance(exc, StoreError) else target.error(exc, ""))
    text = text.replace("cannot ship to ", "cannot read ", 1)
    return text.removesuffix("; nothing local was changed")


def _part(rel: str, key: str) -> str:
    for piece in rel.split("/"):
        if piece.startswith(key + "="):
            return piece[len(key) + 1 :]
    return ""


def _listing(target: Any, rel: str) -> list[dict[str, Any]]:
    try:
        return list(target.fs.ls(target.remote(rel), detail=True, refresh=True))
    except FileNotFoundError:
        return []


def _children(target: Any, rel: str, key: str) -> list[str]:
    """The values of the ``key=`` directories directly under ``rel``."""
    out = set()
    for info in _listing(target, rel):
        name = str(info["name"]).rstrip("/").rsplit("/", 1)[-1]
        if info.get("type") == "directory" and name.startswith(key + "="):
            out.add(name[len(key) + 1 :])
    return sorted(out)


def _parquet_files(target: Any, rel: str) -> dict[str, int]:
    """Relative path -> size of the Parquet objects in one partition directory."""
    out: dict[str, int] = {}
    for info in _listing(target, rel):
        name = str(info["name"]).rsplit("/", 1)[-1]
        if info.get("type") == "file" and name.endswith(".parquet"):
            out[f"{rel}/{name}"] = int(info.get("size") or 0)
    return out


def _manifests(
    target: Any, nodes: list[str]
) -> tuple[dict[str, ManifestEntry], dict[str, int], list[FileCheck]]:
    """Entries, removals and problems (bad lines, broken seal chains) of the manifests of
    ``nodes``."""
    entries: dict[str, ManifestEntry] = {}
    removed: dict[str, int] = {}
    checks: list[FileCheck] = []
    for node in nodes:
        base = f"manifest/node={node}"
        for info in _listing(target, base):
            name = str(info["name"]).rsplit("/", 1)[-1]
            if info.get("type") != "file" or not name.endswith(".jsonl"):
                continue
            rel = f"{base}/{name}"
            with target.fs.open(target.remote(rel), "rb") as f:
                lines = f.read().decode("utf-8", errors="replace").splitlines()
            if name == REMOVED_FILE_NAME:
                for line in lines:
                    try:
                        raw = json.loads(line)
                        removed[str(raw["file"])] = int(raw["removed_at_ns"])
                    except (ValueError, TypeError, KeyError, RecursionError):
                        continue
                continue
            checks += [FileCheck(rel, "bad_seal", p) for p in check_seals(name, lines, None)]
            found, bad = parse_manifest_lines(rel, lines)
            checks += bad
            entries.update((entry.file, entry) for entry in found)
    return entries, removed, checks


def _compare(
    entries: dict[str, ManifestEntry], removed: dict[str, int], present: dict[str, int]
) -> list[FileCheck]:
    """Listed, present, and of the listed size (no hashes: a reading command's check)."""
    checks: list[FileCheck] = []
    for rel, entry in sorted(entries.items()):
        size = present.get(rel)
        if size is None:
            if rel not in removed:
                checks.append(FileCheck(rel, "missing", "listed in the manifest, not in the store"))
        elif size != entry.bytes:
            checks.append(
                FileCheck(
                    rel, "size_mismatch", f"size is {size} bytes, the manifest says {entry.bytes}"
                )
            )
    for rel in sorted(set(present) - set(entries)):
        checks.append(FileCheck(rel, "unlisted", "not in any manifest"))
    return checks


def _check_footer(target: Any, rel: str, size: int, time_column: str) -> DataFile | DamagedFile:
    """The footer of one object, read with two small range requests."""
    try:
        with target.fs.open(target.remote(rel), "rb", block_size=_FOOTER_BLOCK) as f:
            meta = pq.read_metadata(f)
    except (pa.ArrowException, ValueError, OSError) as exc:
        return DamagedFile(rel, one_line(f"not a readable Parquet file ({exc})"))
    return footer_check(meta, rel, size, time_column, _part(rel, "node"), _part(rel, "date"))


# -- step 2: Spark reads the checked files --------------------------------------------------


def spark_schema(schema: pa.Schema) -> Any:
    """The Spark schema Spark's own Parquet reader gives our files (with
    ``nanosAsLong``): nanosecond times as longs, ``uint64`` as ``decimal(20,0)``, plus
    the ``date`` partition column."""
    from pyspark.sql import types as T

    def convert(t: pa.DataType) -> Any:
        if pa.types.is_timestamp(t):
            return T.LongType()
        if pa.types.is_uint64(t):
            return T.DecimalType(20, 0)
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return T.ArrayType(convert(t.value_type), True)
        simple = {
            pa.int8(): T.ByteType(),
            pa.int16(): T.ShortType(),
            pa.uint8(): T.ShortType(),
            pa.int32(): T.IntegerType(),
            pa.uint16(): T.IntegerType(),
            pa.int64(): T.LongType(),
            pa.uint32(): T.LongType(),
            pa.string(): T.StringType(),
            pa.large_string(): T.StringType(),
            pa.bool_(): T.BooleanType(),
            pa.float64(): T.DoubleType(),
            pa.float32(): T.FloatType(),
        }
        return simple[t]

    fields = [T.StructField(f.name, convert(f.type), True) for f in schema]
    fields.append(T.StructField("date", T.StringType(), True))
    return T.StructType(fields)


def _prunes(filt: Any, node: str, day: str) -> bool:
    """Whether a pushed-down filter rules out a file of partition ``node``/``day``."""
    from pyspark.sql import datasource as ds

    column = getattr(filt, "attribute", ())
    if column not in (("node",), ("date",)):
        return False
    have = node if column == ("node",) else day
    value = getattr(filt, "value", None)
    if isinstance(filt, (ds.EqualTo, ds.EqualNullSafe)) and isinstance(value, str):
        return have != value
    if isinstance(filt, ds.In) and all(isinstance(v, str) for v in filt.value):
        return have not in filt.value
    if not isinstance(value, str):
        return False
    if isinstance(filt, ds.GreaterThan):
        return not have > value
    if isinstance(filt, ds.GreaterThanOrEqual):
        return not have >= value
    if isinstance(filt, ds.LessThan):
        return not have < value
    if isinstance(filt, ds.LessThanOrEqual):
        return not have <= value
    return False


def _source_classes() -> tuple[type, type]:
    """The data source and its reader (defined on first use: pyspark is optional)."""
    global _CLASSES
    if _CLASSES is not None:
        return _CLASSES
    from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition

    class RecordingReader(DataSourceReader):
        def __init__(self, options: dict[str, str], schema: Any) -> None:
            self.url = options["url"]
            self.endpoint = options.get("endpoint") or None
            self.files: list[list[str]] = json.loads(options["files"])  # [rel, node, date]
            self.opened_log = options.get("opened_log") or None
            self.schema = schema
            self.pushed: list[Any] = []

        def pushFilters(self, filters: list[Any]) -> Iterator[Any]:
            # Node and date prune files; Spark still applies every filter to the rows.
            for filt in filters:
                self.pushed.append(filt)
                yield filt

        def partitions(self) -> list[Any]:
            kept = [f for f in self.files if not any(_prunes(p, f[1], f[2]) for p in self.pushed)]
            return [InputPartition(f) for f in kept]

        def read(self, partition: Any) -> Iterator[pa.RecordBatch]:
            from pyspark.sql.pandas.types import to_arrow_schema

            from tracee_py.store.ship import Target

            rel, _node, day = partition.value
            target = Target(self.url, self.endpoint)
            if self.opened_log:
                with open(self.opened_log, "a", encoding="utf-8") as log:
                    log.write(rel + "\n")
            out = to_arrow_schema(self.schema, timezone="UTC")
            with target.fs.open(target.remote(rel), "rb", block_size=_READ_BLOCK) as f:
                parquet = pq.ParquetFile(f)
                for batch in parquet.iter_batches(batch_size=_BATCH_ROWS):
                    yield _conform(batch, out, day)

    class RecordingSource(DataSource):
        @classmethod
        def name(cls) -> str:
            return SOURCE_NAME

        def schema(self) -> Any:
            dataset = self.options.get("dataset", "events")
            return spark_schema(EVENT_SCHEMA if dataset == "events" else STATS_SCHEMA)

        def reader(self, schema: Any) -> Any:
            return RecordingReader(dict(self.options), schema)

    _CLASSES = (RecordingSource, RecordingReader)
    return _CLASSES


_CLASSES: tuple[type, type] | None = None


def _conform(batch: pa.RecordBatch, out: pa.Schema, day: str) -> pa.RecordBatch:
    """One file's batch in the source's Arrow schema: columns by name (null where an older
    file lacks one), times as nanosecond integers, ``uint64`` as ``decimal(20,0)``."""
    arrays = []
    for f in out:
        if f.name == "date":
            arrays.append(pa.array([day] * batch.num_rows, f.type))
            continue
        index = batch.schema.get_field_index(f.name)
        if index < 0:
            arrays.append(pa.nulls(batch.num_rows, f.type))
            continue
        column = batch.column(index)
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.int64())
        arrays.append(column.cast(f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=out)


def has_s3a(spark: Any) -> bool:
    """Whether the JVM can read ``s3a://`` itself."""
    try:
        spark._jvm.java.lang.Class.forName("org.apache.hadoop.fs.s3a.S3AFileSystem")
    except Exception:
        return False
    return True


def use_s3a(spark: Any) -> bool:
    choice = os.environ.get(READER_ENV, "auto").lower()
    if choice not in ("auto", "python", "s3a"):
        raise UsageError(f"{READER_ENV} must be auto, python or s3a, not {choice!r}")
    if choice == "s3a" and not has_s3a(spark):
        raise UsageError(f"{READER_ENV}=s3a, but Spark has no S3A connector (hadoop-aws)")
    return choice == "s3a" or (choice == "auto" and has_s3a(spark))


def read_remote(
    spark: Any,
    rec: RemoteRecording,
    dataset: str,
    *,
    opened_log: str | None = None,
) -> Any:
    """The checked files of one dataset (``events`` or ``stats``) of ``rec`` as a raw
    DataFrame (nanosecond longs, with ``date``), by S3A or by :class:`RecordingSource`."""
    files = rec.files if dataset == "events" else rec.stats_files
    schema = spark_schema(EVENT_SCHEMA if dataset == "events" else STATS_SCHEMA)
    if not files:  # nothing in the window: no rows, the same columns
        return spark.createDataFrame([], schema)
    if use_s3a(spark):
        base = f"{spark_url(rec.url)}/{dataset}"
        paths = [f"{spark_url(rec.url)}/{f.path}" for f in files]
        return spark.read.option("basePath", base).option("mergeSchema", "true").parquet(*paths)
    source, _ = _source_classes()
    spark.dataSource.register(source)
    reader = (
        spark.read.format(SOURCE_NAME)
        .option("url", rec.url)
        .option("dataset", dataset)
        .option("files", json.dumps([[f.path, f.node, f.date] for f in files]))
    )
    endpoint = endpoint_url()
    if endpoint:
        reader = reader.option("endpoint", endpoint)
    if opened_log:
        reader = reader.option("opened_log", opened_log)
    return reader.load()
