"""``--engine spark``: the catalog's samples, a recording and ad-hoc queries through real
Spark (local mode, small memory) and through DuckDB give the same answers; what Spark
cannot run is named with the reason; the translation keeps the sandbox's limits."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tracee_py.errors import QueryError
from tracee_py.query.dataset import open_dataset
from tracee_py.query.spark import read_events, spark_query, spark_session, to_spark_sql
from tracee_py.signatures.engine import run_on_table
from tracee_py.signatures.loader import builtin_catalog, load_signatures
from tracee_py.signatures.model import Signature
from tracee_py.signatures.samples import read_sample_file
from tracee_py.signatures.spark_sandbox import run_on_spark_table
from tracee_py.synth import generate

TRACEE = str(Path(sys.executable).with_name("tracee-py"))
CATALOG = sorted(
    load_signatures([builtin_catalog()], check_samples=False).signatures, key=lambda s: s.id
)
# Signatures whose SQL has no Spark equivalent, and the exact reason the run gives.
SPARK_CANNOT_RUN = {
    "reverse-shell-socket-dup": "ASOF JOIN has no Spark SQL equivalent",
}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = spark_session("local[2]", driver_memory="1g")
    yield session
    session.stop()


def _all_samples() -> pa.Table:
    """Every sample of the catalog in one table. Each sample keeps to its own process ids and
    its own hour (every timestamp column moved together), so samples cannot join
    with each other; both engines see the same rows."""
    tables = []
    for index, (sig, sample) in enumerate(
        (s, name) for s in CATALOG for name in ("positive.jsonl", "negative.jsonl")
    ):
        table = read_sample_file(sig.folder / sample).table()
        if table.num_rows == 0:
            continue
        shift = (index + 1) << 32
        for name in ("process_id", "parent_process_id"):
            column = table.column(name)
            moved = pc.add(column, pa.scalar(shift, column.type))
            table = table.set_column(table.schema.get_field_index(name), name, moved)
        shift_ns = pa.scalar(index * 3_600_000_000_000, pa.duration("ns"))
        for name in ("time", "start_time", "atime", "mtime"):  # every timestamp, together
            column = table.column(name)
            later = pc.add(column, shift_ns)
            table = table.set_column(table.schema.get_field_index(name), name, later)
        tables.append(table)
    return pa.concat_tables(tables)


@pytest.fixture(scope="module")
def both_engines(spark: Any) -> tuple[Any, Any]:
    """The whole catalog over all its samples at once, on DuckDB and on Spark (one run each,
    instead of two per signature: the parity check stays per signature, the cost does not)."""
    table = _all_samples()
    return run_on_table(table, CATALOG), run_on_spark_table(spark, table, CATALOG)


def _by_signature(result: Any, sig: Signature) -> tuple[str | None, list[dict[str, Any]]]:
    (run,) = [r for r in result.runs if r.signature.id == sig.id]
    return run.error, [dataclasses.asdict(f) for f in run.findings]


@pytest.mark.parametrize("sig", CATALOG, ids=[s.id for s in CATALOG])
def test_every_signature_gives_the_same_findings_on_spark(
    both_engines: tuple[Any, Any], sig: Signature
) -> None:
    on_duckdb, on_spark = both_engines
    assert on_spark.rows_loaded == on_duckdb.rows_loaded
    duckdb_error, duckdb_findings = _by_signature(on_duckdb, sig)
    spark_error, spark_findings = _by_signature(on_spark, sig)
    assert duckdb_error is None
    assert duckdb_findings, "its positive sample yields findings"
    if sig.id in SPARK_CANNOT_RUN:
        assert spark_error == SPARK_CANNOT_RUN[sig.id]
        return
    assert spark_error is None
    assert spark_findings == duckdb_findings


def test_translation_expands_our_macros_and_keeps_duckdb_meaning() -> None:
    assert to_spark_sql("SELECT file_name(exe) FROM events") == (
        "SELECT COALESCE(REGEXP_EXTRACT((exe), '[^/\\\\\\\\]*$', 0), '') FROM events"
    )
    assert to_spark_sql("SELECT suffix(path, '/mem'), argv[1] FROM events") == (
        "SELECT ENDSWITH((path), ('/mem')), argv[0] FROM events"
    )
    assert to_spark_sql(
        "SELECT ['a', 'b'][fd + 1], len(list_filter(argv, x -> x = 'y')) FROM events"
    ) == (
        "SELECT ELEMENT_AT(ARRAY('a', 'b'), fd + 1), SIZE(FILTER(argv, x -> x = 'y')) FROM events"
    )
    # DuckDB's list slices (1-based, both ends included, open ends) as Spark's slice()
    assert to_spark_sql("SELECT argv[2:], argv[2:3] FROM events") == (
        "SELECT SLICE(argv, 2, GREATEST(SIZE(argv) - 2 + 1, 0)), "
        "SLICE(argv, 2, GREATEST(3 - 2 + 1, 0)) FROM events"
    )
    # negative subscripts count from the end on both; DuckDB's [0] is NULL
    assert to_spark_sql("SELECT argv[-1], argv[-2], argv[0], argv[2] FROM events") == (
        "SELECT ELEMENT_AT(argv, -1), ELEMENT_AT(argv, -2), NULL, argv[1] FROM events"
    )
    # a computed subscript is 1-based on both: element_at takes it as written
    assert to_spark_sql("SELECT argv[len(argv)], argv[i + -1] FROM events") == (
        "SELECT ELEMENT_AT(argv, SIZE(argv)), ELEMENT_AT(argv, i + -1) FROM events"
    )
    # a distinct, self-ordered string_agg is the sorted set joined (Spark's planner fails
    # on two DISTINCT LISTAGGs in one aggregation); other orders stay LISTAGG
    assert to_spark_sql(
        "SELECT string_agg(DISTINCT a, ', ' ORDER BY a), string_agg(DISTINCT a, ', ' ORDER BY b)"
        " FROM events"
    ) == (
        "SELECT ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(a)), ', '), "
        "LISTAGG(DISTINCT a, ', ') WITHIN GROUP (ORDER BY b NULLS LAST) FROM events"
    )
    assert to_spark_sql("SELECT epoch(time) FROM events") == (
        "SELECT (UNIX_MICROS(time) / 1e6) FROM events"
    )
    assert to_spark_sql("SELECT * FROM events WHERE pid = $pid", params={"pid": "4'2"}) == (
        "SELECT * FROM events WHERE pid = '4\\'2'"
    )


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ('SELECT * FROM csv."/etc/shadow"', "the query reads"),
        ("SELECT * FROM read_csv('/etc/shadow')", "the query reads"),
        ("SELECT * FROM secrets", "the query reads 'secrets'"),
        (
            "SELECT reflect('java.lang.System', 'getenv', 'HOME') FROM events",
            "function reflect() is not allowed",
        ),
        (
            "SELECT java_method('java.lang.Runtime', 'getRuntime') FROM events",
            "function java_method() is not allowed",
        ),
        ("SELECT * FROM a ASOF JOIN events b ON a.x = b.x", "ASOF JOIN"),
        ("SELECT 1; SELECT 2", "exactly one statement"),
        ("DELETE FROM events", "only SELECT"),
    ],
)
def test_translation_refuses_what_the_sandbox_refuses(sql: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        to_spark_sql(sql, frozenset({"events", "processes"}))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet")
    generate(root, events=6000, nodes=3, seed=7)
    return root


QUERIES = [
    "SELECT node, event, count(*) AS n FROM events GROUP BY node, event ORDER BY node, event",
    "SELECT node, source, count(*) AS n, count(exit_time) AS exited FROM processes "
    "GROUP BY node, source ORDER BY node, source",
    "SELECT node, metric, sum(value) AS total FROM stats GROUP BY node, metric "
    "ORDER BY node, metric",
    "SELECT pid, comm FROM events WHERE node = 'node-02' AND event = 'process_exec' "
    "AND exe LIKE '%/' || $name ORDER BY time, pid LIMIT 5",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_queries_give_the_same_rows_on_both_engines(spark: Any, fleet: Path, sql: str) -> None:
    params = {"name": "curl"}
    with open_dataset(fleet) as ds:
        used = [p for p in params if f"${p}" in sql]
        expected = ds.con.sql(sql, params={p: params[p] for p in used}).to_arrow_table()
    if "FROM processes" in sql:
        # Spark's processes view is built from lifecycle rows, like the signature sandbox:
        # compare with DuckDB's processes that have an origin or a lifecycle row.
        with open_dataset(fleet) as ds:
            expected = ds.con.sql(
                sql.replace(
                    "FROM processes",
                    "FROM processes WHERE process_id IN "
                    "(SELECT process_id FROM events WHERE event LIKE 'process_%')",
                )
            ).to_arrow_table()
    rows, warnings, problems = spark_query(str(fleet), sql, params=params, master="local[2]")
    assert (warnings, problems) == ([], 0)
    assert rows.num_rows > 0
    assert rows.cast(expected.schema).to_pylist() == expected.to_pylist()


def test_node_and_date_filters_prune_partitions(spark: Any, fleet: Path) -> None:
    df = read_events(spark, str(fleet), nodes=["node-02"], time_from_ns=1_773_532_800 * 10**9)
    plan = df._jdf.queryExecution().executedPlan().toString()
    assert "PartitionFilters: [" in plan
    pruning = plan.split("PartitionFilters: [", 1)[1].split("]", 1)[0]
    # Spark shortens long plan lines: the date bound may be cut after "2026-03".
    assert "= node-02)" in pruning and "(date#" in pruning and ">= 2026-03" in pruning
    assert {r["node"] for r in df.select("node").distinct().collect()} == {"node-02"}


def test_sig_run_on_spark_over_a_shipped_copy_matches_duckdb(fleet: Path, tmp_path: Path) -> None:
    share = tmp_path / "share"
    env = dict(os.environ)
    shipped = subprocess.run(
        [TRACEE, "ship", "--data", str(fleet), "--to", f"file://{share}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert shipped.returncode == 0, shipped.stderr

    def findings(engine: str, data: Path) -> list[dict[str, Any]]:
        out = subprocess.run(
            [TRACEE, "sig", "run", "--data", str(data), "-o", "jsonl", "--engine", engine],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert out.returncode in (0, 2), out.stderr
        # Spark keeps microseconds: the last three digits of every time are zero there.
        text = re.sub(r"(\.\d{6})\d{3}Z", r"\g<1>000Z", out.stdout)
        return [json.loads(line) for line in text.splitlines()]

    on_duckdb = findings("duckdb", fleet)
    on_spark = findings("spark", share)
    assert on_duckdb, "the synthetic fleet holds findings"
    assert on_spark == on_duckdb
