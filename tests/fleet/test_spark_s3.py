"""``--engine spark`` reading a shipped recording from S3 (a real moto server process, the
stand-in for S3) through the Python data source: the same rows as DuckDB on the local
copy, only the files of the nodes and dates asked for opened, and the same integrity
checks as a local read (missing, unlisted, resized and damaged files named and left out)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fleet.conftest import CREDENTIALS, S3Server, _client_creds, make_bucket
from tests.fleet.test_spark import QUERIES
from tracee_py.query.dataset import open_dataset
from tracee_py.query.spark import read_remote_recording, spark_query, spark_session
from tracee_py.query.spark_remote import ENDPOINT_ENV, check_remote
from tracee_py.store.layout import DatasetLayout
from tracee_py.store.ship import ship
from tracee_py.synth import generate

TRACEE = str(Path(sys.executable).with_name("tracee-py"))
MARCH_15 = 1_773_532_800 * 10**9  # 2026-03-15T00:00:00Z: the synthetic fleet's second day


@pytest.fixture(scope="module")
def endpoint(s3_server: S3Server) -> Iterator[str]:
    saved = os.environ.get(ENDPOINT_ENV)
    os.environ[ENDPOINT_ENV] = s3_server.endpoint
    yield s3_server.endpoint
    if saved is None:
        os.environ.pop(ENDPOINT_ENV, None)
    else:
        os.environ[ENDPOINT_ENV] = saved


@pytest.fixture(scope="module")
def spark(endpoint: str) -> Iterator[Any]:
    session = spark_session("local[2]", driver_memory="1g")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server, endpoint: str) -> Path:
    """A synthetic 3-node, 2-day fleet, shipped to s3://spark-read/fleet."""
    root = tmp_path_factory.mktemp("fleet-s3")
    generate(root, events=6000, nodes=3, seed=11)
    make_bucket(s3_server, "spark-read")
    report = ship(root, "s3://spark-read/fleet", endpoint_url=endpoint)
    manifests = DatasetLayout(root).scan().manifests
    assert report.problems == [] and len(report.uploaded) == len(_files(root)) + len(manifests)
    return root


def _files(root: Path) -> list[str]:
    scan = DatasetLayout(root).scan()
    return sorted(str(p.relative_to(root)) for p in scan.events + scan.stats)


@pytest.mark.parametrize("sql", QUERIES)
def test_queries_from_s3_give_duckdbs_rows_on_the_local_copy(
    spark: Any, fleet: Path, sql: str
) -> None:
    params = {"name": "curl"}
    if "FROM processes" in sql:  # see tests/fleet/test_spark.py: lifecycle processes only
        local_sql = sql.replace(
            "FROM processes",
            "FROM processes WHERE process_id IN "
            "(SELECT process_id FROM events WHERE event LIKE 'process_%')",
        )
    else:
        local_sql = sql
    with open_dataset(fleet) as ds:
        used = {p: v for p, v in params.items() if f"${p}" in sql}
        expected = ds.con.sql(local_sql, params=used).to_arrow_table()
    rows, warnings, problems = spark_query("s3://spark-read/fleet", sql, params=params)
    assert (warnings, problems) == ([], 0)
    assert rows.num_rows > 0
    assert rows.cast(expected.schema).to_pylist() == expected.to_pylist()


def _opened(log: Path) -> list[str]:
    return sorted(log.read_text().splitlines()) if log.exists() else []


def test_node_and_date_prune_the_objects_the_source_opens(
    spark: Any, fleet: Path, tmp_path: Path
) -> None:
    from pyspark.sql import functions as F

    every = _files(fleet)
    assert {f.split("/")[2] for f in every} == {"date=2026-03-14", "date=2026-03-15"}

    # --node: only that node's directories are listed and opened.
    log = tmp_path / "node.log"
    events, stats, _, _ = read_remote_recording(
        spark, "s3://spark-read/fleet", nodes=["node-02"], opened_log=str(log)
    )
    assert events.count() > 0 and stats.count() > 0
    assert _opened(log) == [f for f in every if "/node=node-02/" in f]

    # --from: only the second day's files.
    log = tmp_path / "date.log"
    events, stats, _, _ = read_remote_recording(
        spark, "s3://spark-read/fleet", time_from_ns=MARCH_15, opened_log=str(log)
    )
    with open_dataset(fleet, time_from_ns=MARCH_15) as ds:
        expected = ds.con.sql("SELECT count(*) FROM events").fetchall()[0]
    assert (events.count(),) == expected
    stats.count()
    assert _opened(log) == [f for f in every if "/date=2026-03-15/" in f]

    # A window with no files: no rows, the same columns, nothing opened.
    log = tmp_path / "none.log"
    events, stats, warnings, _ = read_remote_recording(
        spark, "s3://spark-read/fleet", time_from_ns=1_900_000_000 * 10**9, opened_log=str(log)
    )
    assert (events.count(), stats.count(), _opened(log)) == (0, 0, [])
    assert events.columns == read_remote_recording(spark, "s3://spark-read/fleet")[0].columns
    assert warnings == ["no events in the selected nodes and time window"]

    # A query's own node filter is pushed down to the source and prunes the same way.
    log = tmp_path / "pushed.log"
    events, _, _, _ = read_remote_recording(spark, "s3://spark-read/fleet", opened_log=str(log))
    n = events.where(F.col("node") == "node-03").count()
    with open_dataset(fleet, nodes=["node-03"]) as ds:
        assert (n,) == ds.con.sql("SELECT count(*) FROM events").fetchall()[0]
    assert _opened(log) == [f for f in every if f.startswith("events/node=node-03/")]


def _put(endpoint: str, bucket: str, key: str, data: bytes | None) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, **_client_creds())
    if data is None:
        client.delete_object(Bucket=bucket, Key=key)
    else:
        client.put_object(Bucket=bucket, Key=key, Body=data)


def test_damage_in_s3_is_found_and_named_as_in_a_local_read(
    spark: Any, fleet: Path, s3_server: S3Server, endpoint: str, tmp_path: Path
) -> None:
    make_bucket(s3_server, "spark-damaged")
    assert ship(fleet, "s3://spark-damaged/fleet", endpoint_url=endpoint).problems == []
    shutil.rmtree(fleet / "ship")  # this fixture's ledger, not part of the recording
    local = tmp_path / "copy"
    shutil.copytree(fleet, local)
    every = _files(local)
    gone, cut, copied = (
        next(f for f in every if f"events/node=node-0{n}/" in f) for n in (1, 2, 3)
    )
    extra = copied.rsplit("/", 1)[0] + "/20990101T000000.000000000Z-planted-000001.parquet"
    # The same damage in the local copy and in the bucket.
    (local / gone).unlink()
    half = (local / cut).read_bytes()[:500]
    (local / cut).write_bytes(half)
    shutil.copy(local / copied, local / extra)
    _put(endpoint, "spark-damaged", f"fleet/{gone}", None)
    _put(endpoint, "spark-damaged", f"fleet/{cut}", half)
    _put(endpoint, "spark-damaged", f"fleet/{extra}", (local / copied).read_bytes())

    url = "s3://spark-damaged/fleet"
    remote = check_remote(url)
    sql = "SELECT node, count(*) AS n FROM events GROUP BY node ORDER BY node"
    with open_dataset(local) as ds:
        local_checks = sorted((c.file, c.status) for c in ds.integrity)
        local_damaged = sorted(d.path for d in ds.damaged)
        expected = ds.con.sql(sql).fetchall()
        local_problems = ds.problems
    assert local_checks == [(gone, "missing"), (cut, "size_mismatch"), (extra, "unlisted")]
    assert sorted((c.file, c.status) for c in remote.integrity) == local_checks
    assert sorted(d.path for d in remote.damaged) == local_damaged == [cut]
    assert remote.problems == local_problems == 4

    rows, warnings, problems = spark_query(url, sql)
    assert [(r["node"], r["n"]) for r in rows.to_pylist()] == expected
    assert problems == 4
    assert f"{gone}: listed in the manifest, not in the store" in warnings
    assert f"{extra}: not in any manifest" in warnings
    assert any(w.startswith(f"skipped damaged file {cut}: ") for w in warnings)

    # The CLI: the same warnings on stderr, and --strict refuses (exit 5).
    env = {**os.environ, **CREDENTIALS, ENDPOINT_ENV: endpoint}
    out = subprocess.run(
        [TRACEE, "query", "--engine", "spark", "--data", url, "--strict", "-o", "csv", sql],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 5, out.stderr
    assert f"{extra}: not in any manifest" in out.stderr
    assert "Traceback" not in out.stderr
    assert [tuple(line.split(",")) for line in out.stdout.splitlines()[1:]] == [
        (node, str(n)) for node, n in expected
    ]


def test_a_wrong_bucket_is_one_line(spark: Any, endpoint: str) -> None:
    from tracee_py.errors import DataError

    with pytest.raises(
        DataError, match=r"^cannot read s3://no-such-bucket/x: no such bucket or directory$"
    ):
        check_remote("s3://no-such-bucket/x")
