"""Signatures on Spark: the DuckDB sandbox's tables, helpers and checks, as far as Spark allows.

A :class:`SparkSandbox` offers what the engine needs of a :class:`.sandbox.Sandbox`
(``query``, ``event_count``, ``ancestry_rows``, ``ancestor_images``), so findings are built
by the same code.

What holds on Spark, and what does not (docs/fleet.md says it for users):

- The text must still be exactly one ``SELECT`` (DuckDB's parser checks it first), and
  after translation every table it reads must be ``events``, ``processes``,
  ``file_writes`` or one of its own CTEs; ``reflect``/``java_method`` and file readers
  are refused, and SQL over file paths is off (``spark.sql.runSQLOnFiles``).
- The rows are the load plan's, as on DuckDB: the same kinds and columns.
- Bounded time, best effort: past its time limit a query's job group is cancelled; seen
  to work in a fresh session, not after many queries in one (docs/fleet.md).
- Not the same: memory is Spark's (driver and executor memory), not a per-query cap; the
  session is not locked (no statement can change it, because only SELECT passes, but the
  process is not sandboxed the way DuckDB's ``enable_external_access = false`` is); a
  cluster's executors run with the cluster's permissions.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tracee_py.errors import QueryError
from tracee_py.printable import one_line
from tracee_py.query.spark import (
    create_processes_view,
    normalize,
    read_recording,
    release,
    spark_session,
    to_arrow,
    to_spark_sql,
)
from tracee_py.schema import EVENT_COLUMNS, EVENT_KINDS
from tracee_py.signatures.engine import (
    DEFAULT_MAX_FINDINGS,
    DEFAULT_TIMEOUT_S,
    RunObserver,
    RunResult,
    load_plan,
    run_in,
)
from tracee_py.signatures.model import Signature
from tracee_py.signatures.sandbox import (
    HELPER_COLUMNS,
    PROCESS_SOURCE_COLUMNS,
    LoadPlan,
    QueryFailed,
    QueryTimeout,
    SandboxError,
    checked_sql,
)

TABLES = frozenset({"events", "processes", "file_writes"})
FILE_WRITES_SPARK_SQL = """
SELECT {columns}, path AS target FROM events
WHERE event = 'file_open' AND coalesce((flags & 3) <> 0 OR (flags & 64) <> 0
    OR (flags & 512) <> 0, false)
UNION ALL
SELECT {columns}, path2 AS target FROM events WHERE event = 'file_rename'
UNION ALL
SELECT {columns}, path AS target FROM events WHERE event = 'file_link' OR event = 'file_truncate'
"""


class SparkSandbox:
    """``events``, ``processes`` and ``file_writes`` as Spark temporary views."""

    def __init__(self, spark: Any, events: Any, held: list[Any] | None = None) -> None:
        self.spark = spark
        self._events = events
        self._held = held or []
        self.timings: dict[str, float] = {}

    @classmethod
    def load(cls, spark: Any, events: Any, plan: LoadPlan | None = None) -> SparkSandbox:
        """``events``: a DataFrame of the recording (see :func:`.read_events`)."""
        from pyspark.sql import functions as F

        plan = plan or LoadPlan.everything()
        source = normalize(events)
        events = source
        kinds = list(EVENT_KINDS if plan.kinds is None else plan.kinds)
        names = EVENT_COLUMNS if plan.columns is None else plan.columns
        present = set(events.columns)
        cols = [
            F.col(n) if n in present else F.lit(None).alias(n)  # columns older files lack
            for n in names
        ]
        events = events.where(F.col("event").isin(kinds)).select(*cols)
        events.createOrReplaceTempView("events")
        # Like the DuckDB sandbox, ``processes`` comes from every lifecycle row with all
        # the columns it needs, whatever the plan keeps in ``events``.
        held = create_processes_view(spark, source, PROCESS_SOURCE_COLUMNS)
        if set(HELPER_COLUMNS["file_writes"]) <= set(names):
            carried = ", ".join(f"`{c}`" for c in names)
            spark.sql(FILE_WRITES_SPARK_SQL.format(columns=carried)).createOrReplaceTempView(
                "file_writes"
            )
        else:
            spark.catalog.dropTempView("file_writes")
        return cls(spark, events, held)

    def query(
        self, sql: str, *, timeout: float | None = None, max_rows: int | None = None
    ) -> pa.Table:
        sql = checked_sql(sql, max_rows)
        try:
            spark_sql = to_spark_sql(sql, TABLES)
        except QueryError as exc:
            raise QueryFailed(str(exc)) from exc
        group = f"tracee-py-{uuid.uuid4().hex}"
        sc = self.spark.sparkContext
        sc.setJobGroup(group, "signature", interruptOnCancel=True)
        expired = threading.Event()

        def cancel() -> None:
            expired.set()
            sc.cancelJobGroup(group)

        timer = threading.Timer(timeout, cancel) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            return to_arrow(self.spark.sql(spark_sql))
        except Exception as exc:
            if expired.is_set():
                raise QueryTimeout(f"query stopped after {timeout:g}s") from exc
            raise QueryFailed(_one_line(exc)) from exc
        finally:
            if timer:
                timer.cancel()

    def query_each(
        self,
        sqls: Sequence[str],
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
    ) -> Iterator[tuple[pa.Table | SandboxError, float]]:
        """Each of ``sqls`` in turn, as :meth:`query` runs it (Spark parallelises inside
        a query, across its executors): the result or the error, and the seconds taken."""
        for sql in sqls:
            started = time.perf_counter()
            try:
                outcome: pa.Table | SandboxError = self.query(
                    sql, timeout=timeout, max_rows=max_rows
                )
            except SandboxError as exc:
                outcome = exc
            yield outcome, time.perf_counter() - started

    def event_count(self) -> int:
        return int(self.spark.table("events").count())

    def ancestry_rows(
        self, process_ids: Sequence[int], max_depth: int, fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        """The rows of :func:`tracee_py.signatures.sandbox.ancestry_sql`: for each start
        process, itself (depth 0) and its ancestors, walked one generation per Spark query
        (Spark has no recursive CTE)."""
        from pyspark.sql import functions as F

        cols = ["process_id", "parent_process_id", "exe", "comm", *fields]
        cols = list(dict.fromkeys(cols))
        known: dict[int, dict[str, Any]] = {}
        wanted = {int(p) for p in process_ids}
        for _ in range(max_depth + 1):
            wanted -= set(known)
            if not wanted:
                break
            frame = self.spark.table("processes").where(
                F.col("process_id").isin([F.lit(p).cast("decimal(20,0)") for p in wanted])
            )
            for row in to_arrow(frame.select(*cols)).to_pylist():
                known.setdefault(int(row["process_id"]), row)
            wanted = {
                int(r["parent_process_id"])
                for r in known.values()
                if r["parent_process_id"] is not None
            }
        rows: list[dict[str, Any]] = []
        for start in sorted({int(p) for p in process_ids}):
            current = known.get(start)
            depth = 0
            while current is not None:
                row = {"start_id": start, "depth": depth}
                row["image"] = current["exe"] or current["comm"] or "?"
                row.update({f: current[f] for f in fields})
                rows.append(row)
                parent = current["parent_process_id"]
                if depth >= max_depth or parent is None:
                    break
                nxt = known.get(int(parent))
                if nxt is None or int(nxt["process_id"]) == int(current["process_id"]):
                    break
                current, depth = nxt, depth + 1
        return rows

    def ancestor_images(self, process_ids: Sequence[int], max_depth: int) -> dict[int, list[str]]:
        """As :meth:`tracee_py.signatures.sandbox.Sandbox.ancestor_images`, from the rows of
        :meth:`ancestry_rows`."""
        images: dict[int, list[str]] = {}
        for row in self.ancestry_rows(process_ids, max_depth, ()):
            if row["depth"] > 0:
                images.setdefault(row["start_id"], []).append(row["image"])
        return images

    def close(self) -> None:
        for view in ("events", "processes", "file_writes", "_lifecycle"):
            self.spark.catalog.dropTempView(view)
        release(self._held)

    def __enter__(self) -> SparkSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return one_line(text[0]) if text else type(exc).__name__


def run_on_spark(
    spark: Any,
    events: Any,
    signatures: Sequence[Signature],
    *,
    observer: RunObserver | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    max_findings: int = DEFAULT_MAX_FINDINGS,
) -> RunResult:
    """Run ``signatures`` on Spark over ``events`` (a DataFrame, see
    :func:`tracee_py.query.spark.read_events`)."""
    obs = observer or RunObserver()
    plan = load_plan(signatures)
    obs.loading(plan.kinds)
    started = time.perf_counter()
    with SparkSandbox.load(spark, events, plan) as sandbox:
        load_seconds = time.perf_counter() - started
        result = run_in(sandbox, signatures, obs, timeout, max_findings)
    result.load_seconds = load_seconds
    return result


def run_on_spark_table(
    spark: Any, table: pa.Table, signatures: Sequence[Signature], **kwargs: Any
) -> RunResult:
    """Sample events (an Arrow table) through Spark: written to a private Parquet file and
    read back the way a recording is, so both paths convert types the same way."""
    with tempfile.TemporaryDirectory(prefix="tracee-py-spark-") as tmp:
        path = Path(tmp) / "events.parquet"
        pq.write_table(table, path)
        events = spark.read.parquet(str(path))
        return run_on_spark(spark, events, signatures, **kwargs)


def run_on_spark_dataset(
    root: str,
    signatures: Sequence[Signature],
    *,
    master: str | None = None,
    nodes: Sequence[str] | None = None,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
    **kwargs: Any,
) -> RunResult:
    """Run ``signatures`` on Spark over the recording at ``root`` (a directory or an
    ``s3://`` URL; see :func:`tracee_py.query.spark.read_recording`)."""
    spark = spark_session(master)
    events, _, warnings, problems = read_recording(
        spark, root, nodes=nodes, time_from_ns=time_from_ns, time_to_ns=time_to_ns
    )
    result = run_on_spark(spark, events, signatures, **kwargs)
    result.warnings[:0] = warnings
    result.dataset_problems = problems
    return result
