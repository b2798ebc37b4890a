"""The Spark engine: the same Hive layout, views and SQL as DuckDB, for a fleet's recordings.

pyspark (the optional ``spark`` extra, with Java 17) runs in local mode by default
(``local[2]``) or against a cluster (``master``). What differs from DuckDB, and how it is
bridged:

- Spark has no nanosecond timestamps: Parquet ``TIMESTAMP(NANOS)`` columns are read as
  integers (``spark.sql.legacy.parquet.nanosAsLong``) and turned into microsecond
  timestamps, so times on Spark are truncated to the microsecond.
- Spark has no unsigned integers: ``uint64`` columns (``process_id``) are read as
  ``decimal(20,0)`` and turned back into ``uint64`` when rows come back to Python.
- Partition values are kept as text (``node=2026`` stays a string), and ``node`` and
  ``date`` filters are partition filters: Spark lists and reads only those directories.
- SQL is DuckDB's, translated by sqlglot; our helper macros (``file_name``,
  ``is_shell``, ...) are expanded into plain Spark expressions first
  (:func:`to_spark_sql`).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tracee_py.errors import QueryError, UsageError
from tracee_py.query.views import LIFECYCLE_KINDS, PROCESS_SOURCE_COLUMNS
from tracee_py.schema import EVENT_SCHEMA
from tracee_py.store.layout import day_of

DEFAULT_MASTER = "local[2]"
# Spark settings every session gets: UTC, no UI, no guessing of partition types, no SQL
# over file paths (``SELECT * FROM csv.`/etc/shadow```).
SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.legacy.parquet.nanosAsLong": "true",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.runSQLOnFiles": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.ansi.enabled": "false",
    # The Python data source that reads object storage prunes files by node and date.
    "spark.sql.python.filterPushdown.enabled": "true",
}
_NS_TIMESTAMPS = tuple(
    f.name for f in EVENT_SCHEMA if pa.types.is_timestamp(f.type) and f.type.unit == "ns"
)
_UINT64 = tuple(f.name for f in EVENT_SCHEMA if f.type == pa.uint64())


def spark_session(master: str | None = None, driver_memory: str = "1g") -> Any:
    """A Spark session (the running one, when there is one)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UsageError(
            "--engine spark needs pyspark and Java 17: pip install 'tracee-py[spark]'"
        ) from exc
    # The Python workers (the object-storage reader) run this interpreter, not the first
    # ``python3`` on PATH, so they import the same pyarrow, s3fs and tracee_py.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master or DEFAULT_MASTER).appName("tracee-py")
    builder = builder.config("spark.driver.memory", driver_memory)
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    # pyspark logs every failed query's Java stack as JSON on stderr; our errors say it
    # in one line.
    for name in ("SQLQueryContextLogger", "pyspark", "py4j"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing, master unreachable: py4j raises many kinds
        raise UsageError(f"cannot start Spark ({master or DEFAULT_MASTER}): {_first(exc)}") from exc
    for key, value in SESSION_CONF.items():
        if key.startswith("spark.sql."):
            spark.conf.set(key, value)
    spark.sparkContext.setLogLevel("FATAL")
    return spark


def _first(exc: BaseException) -> str:
    lines = [x for x in str(exc).splitlines() if x.strip()]
    return lines[0] if lines else type(exc).__name__


def read_events(
    spark: Any,
    root: str,
    *,
    nodes: Sequence[str] | None = None,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
    dataset: str = "events",
) -> Any:
    """The events (or stats) of the Hive layout under ``root`` as a DataFrame with
    microsecond timestamps; node and date filters prune partitions."""
    from pyspark.sql import functions as F

    from tracee_py.query.dataset import is_url
    from tracee_py.query.spark_remote import spark_url

    if is_url(root):
        events, stats, _, _ = read_remote_recording(
            spark, root, nodes=nodes, time_from_ns=time_from_ns, time_to_ns=time_to_ns
        )
        return events if dataset == "events" else stats
    base = f"{spark_url(root.rstrip('/'))}/{dataset}"
    try:
        df = spark.read.option("basePath", base).option("mergeSchema", "true").parquet(base)
    except Exception as exc:
        raise QueryError(f"Spark cannot read {base}: {_first(exc)}") from exc
    if nodes:
        df = df.where(F.col("node").isin(list(nodes)))
    if time_from_ns is not None:
        df = df.where(F.col("date") >= day_of(time_from_ns))
    if time_to_ns is not None:
        df = df.where(F.col("date") <= day_of(time_to_ns))
    df = normalize(df.drop("date"))
    time_col = "time" if dataset == "events" else None
    if time_col and time_from_ns is not None:
        df = df.where(F.col(time_col) >= F.timestamp_micros(F.lit(-(-time_from_ns // 1000))))
    if time_col and time_to_ns is not None:
        df = df.where(F.col(time_col) <= F.timestamp_micros(F.lit(time_to_ns // 1000)))
    return df


def normalize(df: Any) -> Any:
    """Nanosecond integers (how Spark reads ``TIMESTAMP(NANOS)``) become timestamps."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType

    for field in df.schema.fields:
        if isinstance(field.dataType, LongType) and (
            field.name in _NS_TIMESTAMPS or field.name in ("interval_start", "interval_end")
        ):
            # Integer arithmetic: a double cannot hold today's nanoseconds exactly.
            micros = F.expr(f"(`{field.name}` - pmod(`{field.name}`, 1000)) div 1000")
            df = df.withColumn(field.name, F.timestamp_micros(micros))
    return df


def to_arrow(df: Any) -> pa.Table:
    """Rows back to Arrow, ``decimal(20,0)`` (Spark's uint64) as ``uint64`` again."""
    table = df.toArrow()
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type) and field.type.scale == 0 and field.type.precision == 20:
            table = table.set_column(i, field.name, table.column(i).cast(pa.uint64()))
    return table


# -- SQL ----------------------------------------------------------------------------------------

# Spark functions that reach outside the data: Java reflection, file readers.
_FORBIDDEN_FUNCTIONS = frozenset(
    {"reflect", "java_method", "try_reflect", "read_files", "input_file_name", "uuid"}
)


def to_spark_sql(
    sql: str, tables: frozenset[str] | None = None, params: dict[str, str] | None = None
) -> str:
    """DuckDB SQL as Spark SQL: our macros expanded, ``MATERIALIZED`` dropped, then sqlglot.

    With ``tables``, every table the query reads must be one of them or one of its own
    CTEs, and functions that reach outside the data are refused (the sandbox's promise).
    ``params`` replace ``$name`` placeholders with string literals (sqlglot quotes them;
    Spark has no bound parameters for SQL text).
    """
    import sqlglot
    from sqlglot import exp

    try:
        trees = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise QueryError(f"sqlglot cannot parse the query: {_first(exc)}") from exc
    if len(trees) != 1 or trees[0] is None:
        raise QueryError("SQL must be exactly one statement")
    tree = trees[0]
    if not isinstance(tree, exp.Query):
        raise QueryError("only SELECT queries run on Spark")
    for join in tree.find_all(exp.Join):
        if str(join.args.get("method") or "").upper() == "ASOF":
            raise QueryError("ASOF JOIN has no Spark SQL equivalent")
    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", None)
    tree = tree.transform(_expand_macro).transform(_spark_semantics)
    for holder in list(tree.find_all(exp.Placeholder)):
        name = holder.name
        if params is None or not name or name not in params:
            raise QueryError(f"no value for the parameter ${name or '?'} (give --param)")
        holder.replace(exp.Literal.string(params[name]))
    if tables is not None:
        _check_reach(tree, tables)
    try:
        return tree.sql(dialect="spark")
    except sqlglot.errors.UnsupportedError as exc:
        raise QueryError(f"no Spark equivalent: {_first(exc)}") from exc


def _check_reach(tree: Any, tables: frozenset[str]) -> None:
    from sqlglot import exp

    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        name = table.name.lower()
        if table.args.get("db") or table.args.get("catalog") or name not in tables | ctes:
            raise QueryError(f"the query reads {table.sql()!r}: only {sorted(tables)} exist")
    for func in tree.find_all(exp.Func):
        name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if name in _FORBIDDEN_FUNCTIONS:
            raise QueryError(f"function {name}() is not allowed")


def _names_sql(names: Sequence[str]) -> str:
    return ", ".join("'" + n.replace("'", "''") + "'" for n in names)


def _macro_templates() -> dict[str, str]:
    """Our DuckDB macros (:data:`tracee_py.signatures.sandbox.HELPER_SQL`), written with
    functions both dialects share; ``{0}`` is the argument."""
    from tracee_py.signatures.sandbox import PACKAGE_MANAGERS, SHELLS

    # parse_filename splits on / and on \, and gives '' for a trailing separator.
    name = "coalesce(regexp_extract({0}, '[^/\\\\]*$', 0), '')"
    local = (
        "regexp_matches(coalesce({0}, ''), "
        "'^(127\\.|10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|169\\.254\\.|"
        "100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.|0\\.0\\.0\\.0$|::1?$|"
        "f[cd][0-9a-f]{{2}}:|fe80:|::ffff:(127|10)\\.|::ffff:192\\.168\\.)')"
    )
    return {
        "file_name": name,
        "opened_for_write": "coalesce(({0} & 3) <> 0 OR ({0} & 64) <> 0 OR ({0} & 512) <> 0,"
        " false)",
        "is_shell": f"{name} IN ({_names_sql(SHELLS)})",
        "is_package_manager": f"{name} IN ({_names_sql(PACKAGE_MANAGERS)})",
        "is_local_address": local,
        "suffix": "endswith({0}, {1})",
    }


_TEMPLATES: dict[str, Any] = {}


def _expand_macro(node: Any) -> Any:
    import sqlglot
    from sqlglot import exp

    if not isinstance(node, exp.Anonymous):
        return node
    name = node.name.lower()
    if not _TEMPLATES:
        for key, text in _macro_templates().items():
            _TEMPLATES[key] = sqlglot.parse_one(text.format("__arg0", "__arg1"), read="duckdb")
    template = _TEMPLATES.get(name)
    if template is None:
        return node
    args = [a.transform(_expand_macro) for a in node.expressions]
    wanted = len({c.name for c in template.find_all(exp.Column) if c.name.startswith("__arg")})
    if len(args) != wanted:
        raise QueryError(f"{name}() takes {wanted} argument(s)")

    def put(n: Any) -> Any:
        if isinstance(n, exp.Column) and n.name.startswith("__arg") and not n.table:
            return exp.Paren(this=args[int(n.name[5:] or 0)].copy())
        return n

    return template.copy().transform(put)


# Event columns that hold lists (argv, env): DuckDB's len() of them is Spark's size().
_LIST_COLUMNS = frozenset(f.name for f in EVENT_SCHEMA if pa.types.is_list(f.type))


def _spark_semantics(node: Any) -> Any:
    """Where the same words mean something else on Spark: DuckDB's ``len`` of a list is
    ``size``; its list subscripts count from 1 (Spark's ``[]`` from 0, ``element_at``
    from 1); ``epoch`` keeps the fraction of a second (``unix_timestamp`` does not)."""
    # (String agg order, DISTINCT and ORDER BY, sqlglot translates to LISTAGG ... WITHIN
    # GROUP, which Spark 4 runs, but not twice in one aggregation: two DISTINCT LISTAGGs
    # ordered by their own values fail inside Spark's planner, so that common form becomes
    # the sorted set, joined.)
    from sqlglot import exp

    distinct_sorted = _distinct_sorted_string_agg(node)
    if distinct_sorted is not None:
        return distinct_sorted

    if isinstance(node, exp.Length) and (
        isinstance(node.this, (exp.ArrayFilter, exp.Array, exp.Split, exp.RegexpSplit))
        or (isinstance(node.this, exp.Column) and node.this.name in _LIST_COLUMNS)
    ):
        # a new node is not walked again: translate what it holds here
        return exp.ArraySize(this=node.this.transform(_spark_semantics))
    if (
        isinstance(node, exp.Bracket)
        and len(node.expressions) == 1
        and isinstance(node.expressions[0], exp.Slice)
    ):
        return _list_slice(
            node.this.transform(_spark_semantics), node.expressions[0].transform(_spark_semantics)
        )
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        # sqlglot moves literal subscripts to base 0 itself, not computed ones.
        index = node.expressions[0]
        if isinstance(index, exp.Neg) and isinstance(index.this, exp.Literal):
            # DuckDB's list[-k] counts from the end; sqlglot has already moved the literal
            # down by one (to base 0) as for a positive one, and Spark's [] has no negative
            # subscripts: element_at(list, -k) counts from the end like DuckDB.
            original = 1 - int(index.this.name)
            if original == 0:  # DuckDB's list[0] is NULL
                return exp.Null()
            return exp.Anonymous(
                this="element_at",
                expressions=[node.this.transform(_spark_semantics), exp.Literal.number(original)],
            )
        if (
            isinstance(index, exp.Add)
            and index.type is None
            and isinstance(index.expression, exp.Neg)
            and isinstance(index.expression.this, exp.Literal)
            and index.expression.this.name == "1"
        ):
            # sqlglot moved a subscript it knows to be a whole number (len(argv)) to base 0
            # by adding -1 (an Add it made carries no type); element_at counts from 1 as
            # DuckDB does, so it takes the subscript as written
            index = index.this
        if not isinstance(index, exp.Literal):
            return exp.Anonymous(
                this="element_at",
                expressions=[
                    node.this.transform(_spark_semantics),
                    index.transform(_spark_semantics),
                ],
            )
    if isinstance(node, exp.TimeToUnix):
        micros = exp.Anonymous(this="unix_micros", expressions=[node.this])
        return exp.Paren(this=exp.Div(this=micros, expression=exp.Literal.number("1e6")))
    return node


def _distinct_sorted_string_agg(node: Any) -> Any:
    """``string_agg(DISTINCT x, sep ORDER BY x)`` (ascending) as
    ``array_join(array_sort(collect_set(x)), sep)``: the same text (both drop NULLs and
    sort strings by their bytes), or None when ``node`` is another form."""
    from sqlglot import exp

    if not isinstance(node, exp.GroupConcat) or not isinstance(node.this, exp.Order):
        return None
    order, distinct = node.this, node.this.this
    if not isinstance(distinct, exp.Distinct) or len(distinct.expressions) != 1:
        return None
    value = distinct.expressions[0]
    keys = order.expressions
    if len(keys) != 1 or keys[0].args.get("desc") or keys[0].this != value:
        return None
    separator = node.args.get("separator") or exp.Literal.string(",")
    value = value.transform(_spark_semantics)
    collected = exp.Anonymous(this="collect_set", expressions=[value])
    ordered = exp.Anonymous(this="array_sort", expressions=[collected])
    return exp.Anonymous(this="array_join", expressions=[ordered, separator.copy()])


def _list_slice(array: Any, bounds: Any) -> Any:
    """DuckDB's ``list[a:b]`` (1-based, both ends included, either end optional) as Spark's
    ``slice(list, start, length)``, which counts from 1 too but takes a length, refuses a
    negative one and has no open end."""
    from sqlglot import exp

    start = bounds.this if bounds.this is not None else exp.Literal.number(1)
    end = bounds.args.get("expression")
    if end is None:
        end = exp.ArraySize(this=array.copy())
    length = exp.Greatest(
        this=exp.Add(
            this=exp.Sub(this=end, expression=start.copy()), expression=exp.Literal.number(1)
        ),
        expressions=[exp.Literal.number(0)],
    )
    return exp.Anonymous(this="slice", expressions=[array, start, length])


def read_recording(
    spark: Any,
    root: str,
    *,
    nodes: Sequence[str] | None = None,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
) -> tuple[Any, Any, list[str], int]:
    """``(events, stats, warnings, problems)`` of the recording at ``root``.

    The recording is checked as DuckDB's reading commands check it (manifest, sizes,
    footers, types): Spark reads only the files that passed, by name, and the warnings
    say what was left out. An object-storage URL is listed and checked through fsspec and
    read by the Python data source of :mod:`.spark_remote` (or by S3A when Spark has it).
    """
    from tracee_py.query.dataset import is_url, open_dataset

    if is_url(root):
        return read_remote_recording(
            spark, root, nodes=nodes, time_from_ns=time_from_ns, time_to_ns=time_to_ns
        )
    with open_dataset(root, nodes=nodes, time_from_ns=time_from_ns, time_to_ns=time_to_ns) as ds:
        files = [str(Path(root) / f.path) for f in ds.files]
        stats_files = [str(Path(root) / f.path) for f in ds.stats_files]
        warnings, problems = list(ds.warnings), ds.problems
    events = _read_files(spark, root, "events", files, nodes, time_from_ns, time_to_ns)
    stats = _read_files(spark, root, "stats", stats_files, nodes, None, None)
    return events, stats, warnings, problems


def _read_files(
    spark: Any,
    root: str,
    dataset: str,
    files: list[str],
    nodes: Sequence[str] | None,
    time_from_ns: int | None,
    time_to_ns: int | None,
) -> Any:
    from pyspark.sql import functions as F

    from tracee_py.schema import STATS_SCHEMA

    schema = EVENT_SCHEMA if dataset == "events" else STATS_SCHEMA
    if not files:
        with tempfile.TemporaryDirectory(prefix="tracee-py-spark-") as tmp:
            path = str(Path(tmp) / "empty.parquet")
            pq.write_table(schema.empty_table(), path)
            return normalize(spark.read.parquet(path)).localCheckpoint(eager=True)
    base = str(Path(root) / dataset)
    df = spark.read.option("basePath", base).option("mergeSchema", "true").parquet(*files)
    df = normalize(df.drop("date"))
    if nodes:
        df = df.where(F.col("node").isin(list(nodes)))
    if dataset == "events" and time_from_ns is not None:
        df = df.where(F.col("time") >= F.timestamp_micros(F.lit(-(-time_from_ns // 1000))))
    if dataset == "events" and time_to_ns is not None:
        df = df.where(F.col("time") <= F.timestamp_micros(F.lit(time_to_ns // 1000)))
    return df


def read_remote_recording(
    spark: Any,
    root: str,
    *,
    nodes: Sequence[str] | None = None,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
    opened_log: str | None = None,
) -> tuple[Any, Any, list[str], int]:
    """:func:`read_recording` for an object-storage URL (``opened_log``: a local file the
    readers append every object they open to, one relative path a line)."""
    from pyspark.sql import functions as F

    from tracee_py.query.spark_remote import check_remote, read_remote

    rec = check_remote(root, nodes=nodes, time_from_ns=time_from_ns, time_to_ns=time_to_ns)
    frames = []
    for dataset in ("events", "stats"):
        df = read_remote(spark, rec, dataset, opened_log=opened_log)
        df = normalize(df.drop("date"))
        if dataset == "events" and time_from_ns is not None:
            df = df.where(F.col("time") >= F.timestamp_micros(F.lit(-(-time_from_ns // 1000))))
        if dataset == "events" and time_to_ns is not None:
            df = df.where(F.col("time") <= F.timestamp_micros(F.lit(time_to_ns // 1000)))
        frames.append(df)
    return frames[0], frames[1], rec.warnings, rec.problems


# -- views --------------------------------------------------------------------------------------

_SUCCESSFUL_EXEC = "event = 'process_exec' AND coalesce(retval, 0) >= 0"
_HAS_POD = "(pod_name IS NOT NULL OR pod_uid IS NOT NULL)"

# ``processes`` as :data:`tracee_py.query.views.PROCESSES_SQL` makes it inside the sandbox
# (from lifecycle rows only: a process is ``inferred`` from its earliest lifecycle row when
# it has no fork or snapshot row), in Spark SQL over ``_lifecycle``:
# the lifecycle rows numbered once (``rid``) and checkpointed, so every reference sees the
# same numbers.
PROCESSES_SPARK_SQL = f"""
WITH picks AS (
    SELECT process_id,
        min_by(rid, time) FILTER (WHERE event = 'process_fork') AS fork_rid,
        min_by(rid, time) FILTER (WHERE event = 'process_snapshot') AS snap_rid,
        max_by(rid, time) FILTER (WHERE {_SUCCESSFUL_EXEC}) AS exec_rid,
        min_by(rid, time) FILTER (WHERE event = 'process_exit') AS exit_rid,
        max_by(rid, time) FILTER (WHERE container_id IS NOT NULL) AS container_rid,
        max_by(rid, time) FILTER (WHERE {_HAS_POD}) AS pod_rid
    FROM _lifecycle GROUP BY process_id
),
exec_lists AS (
    SELECT process_id,
        sort_array(collect_list(named_struct('time', time, 'path', path, 'argv', argv,
            'exe_sha256', exe_sha256, 'retval', retval))) AS execs
    FROM _lifecycle WHERE {_SUCCESSFUL_EXEC} GROUP BY process_id
),
origins AS (
    SELECT o.node, o.boot_id, p.process_id, o.pid, o.ppid, o.parent_process_id,
        coalesce(o.start_time, o.time) AS start_time, o.uid, o.comm, o.exe, o.argv,
        CASE WHEN p.fork_rid IS NOT NULL THEN 'fork' ELSE 'snapshot' END AS source
    FROM picks p
    JOIN (SELECT * FROM _lifecycle WHERE event IN ('process_fork', 'process_snapshot')) o
        ON o.rid = coalesce(p.fork_rid, p.snap_rid)
),
inferred AS (
    SELECT l.process_id,
        min_by(named_struct('node', node, 'boot_id', boot_id, 'pid', pid, 'ppid', ppid,
            'parent_process_id', parent_process_id,
            'start_time', coalesce(start_time, time), 'uid', uid, 'comm', comm, 'exe', exe),
            time) AS seen
    FROM _lifecycle l LEFT ANTI JOIN origins o ON o.process_id = l.process_id
    GROUP BY l.process_id
),
base AS (
    SELECT * FROM origins
    UNION ALL
    SELECT seen.node, seen.boot_id, process_id, seen.pid, seen.ppid, seen.parent_process_id,
        seen.start_time, seen.uid, seen.comm, seen.exe, CAST(NULL AS ARRAY<STRING>) AS argv,
        'inferred' AS source
    FROM inferred
)
SELECT b.node, b.boot_id, b.process_id, b.pid, b.ppid, b.parent_process_id, b.start_time,
    x.time AS exit_time, x.exit_code, x.signal AS exit_signal, b.uid,
    coalesce(e.comm, b.comm) AS comm,
    coalesce(e.path, e.exe, b.exe) AS exe,
    CASE WHEN e.rid IS NOT NULL THEN e.argv ELSE b.argv END AS argv,
    coalesce(l.execs, array()) AS execs,
    c.container_id, c.container_name, c.container_image,
    d.pod_name, d.pod_namespace, d.pod_uid,
    b.source
FROM base b
LEFT JOIN picks p ON p.process_id = b.process_id
LEFT JOIN (SELECT rid, comm, path, exe, argv FROM _lifecycle WHERE {_SUCCESSFUL_EXEC}) e
    ON e.rid = p.exec_rid
LEFT JOIN (SELECT rid, time, exit_code, signal FROM _lifecycle WHERE event = 'process_exit') x
    ON x.rid = p.exit_rid
LEFT JOIN (SELECT rid, container_id, container_name, container_image FROM _lifecycle
    WHERE container_id IS NOT NULL) c ON c.rid = p.container_rid
LEFT JOIN (SELECT rid, pod_name, pod_namespace, pod_uid FROM _lifecycle WHERE {_HAS_POD}) d
    ON d.rid = p.pod_rid
LEFT JOIN exec_lists l ON l.process_id = b.process_id
"""


def create_processes_view(spark: Any, events: Any, columns: Sequence[str]) -> list[Any]:
    """The temporary view ``processes`` from the lifecycle rows of ``events`` (``columns``:
    the event columns it is built from; missing ones are null). Returns the checkpointed
    frames, for :func:`release` when the view is no longer needed."""
    from pyspark.sql import functions as F

    present = set(events.columns)
    life = events.where(
        F.col("event").isin(list(LIFECYCLE_KINDS)) & F.col("process_id").isNotNull()
    ).select(*[F.col(c) if c in present else F.lit(None).alias(c) for c in columns])
    life = life.withColumn("rid", F.monotonically_increasing_id()).localCheckpoint(eager=True)
    life.createOrReplaceTempView("_lifecycle")
    processes = spark.sql(PROCESSES_SPARK_SQL).localCheckpoint(eager=True)
    processes.createOrReplaceTempView("processes")
    return [life, processes]


def release(frames: Sequence[Any]) -> None:
    """Free checkpointed frames: they stay in the executors' memory until then."""
    for frame in frames:
        frame.unpersist()


def spark_query(
    root: str,
    sql: str,
    *,
    params: dict[str, str] | None = None,
    master: str | None = None,
    nodes: Sequence[str] | None = None,
    time_from_ns: int | None = None,
    time_to_ns: int | None = None,
) -> tuple[pa.Table, list[str], int]:
    """One read-only query on Spark over the views ``events``, ``processes`` and ``stats``
    of the recording at ``root``: ``(rows, warnings, problems)``. ``processes`` is built
    from lifecycle rows only, as in the signature sandbox (a process seen only in other
    events is not listed)."""
    spark_sql = to_spark_sql(sql, frozenset({"events", "processes", "stats"}), params or {})
    spark = spark_session(master)
    events, stats, warnings, problems = read_recording(
        spark, root, nodes=nodes, time_from_ns=time_from_ns, time_to_ns=time_to_ns
    )
    events.createOrReplaceTempView("events")
    stats.createOrReplaceTempView("stats")
    held: list[Any] = []
    if re.search(r"\bprocesses\b", spark_sql, re.IGNORECASE):  # built only when asked for
        held = create_processes_view(spark, events, PROCESS_SOURCE_COLUMNS)
    try:
        return to_arrow(spark.sql(spark_sql)), warnings, problems
    except Exception as exc:
        raise QueryError(f"Spark: {_first(exc)}") from exc
    finally:
        release(held)
