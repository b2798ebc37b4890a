"""The query layer: views over the Parquet dataset, pruning, damaged files, bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.query.conftest import Recorder, Scenario, at
from tracee_py.errors import DataError, NotFoundError
from tracee_py.query import open_dataset
from tracee_py.query.dataset import parquet_view_sql
from tracee_py.schema import EVENT_COLUMNS
from tracee_py.store.rows import events_from_rows
from tracee_py.store.writer import EventWriter, WriterSettings

BETA_ROWS = 6


def count(ds, sql: str = "SELECT count(*) FROM events", params=None) -> int:  # type: ignore[no-untyped-def]
    return ds.con.execute(sql, params or []).fetchone()[0]


def test_events_view_has_the_schema_columns_and_every_row(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        names = [d[0] for d in ds.con.execute("SELECT * FROM events LIMIT 0").description]
        assert names == list(EVENT_COLUMNS)
        assert count(ds) == scenario.rows
        per_node = ds.con.execute(
            "SELECT node, count(*) FROM events GROUP BY node ORDER BY node"
        ).fetchall()
        assert per_node == [("alpha", scenario.rows - BETA_ROWS), ("beta", BETA_ROWS)]
        assert ds.warnings == []
        assert sorted(f.node for f in ds.files) == ["alpha", "alpha", "alpha", "beta"]
        assert all(
            not Path(f.path).is_absolute() and f.path.startswith("events/node=") for f in ds.files
        )
        assert sum(f.rows for f in ds.files) == scenario.rows


def test_node_selection_reads_only_that_node(scenario: Scenario) -> None:
    with open_dataset(scenario.root, nodes=["beta"]) as ds:
        assert [f.node for f in ds.files] == ["beta"]
        assert ds.con.execute("SELECT DISTINCT node FROM events").fetchall() == [("beta",)]
        assert count(ds) == BETA_ROWS


def test_unknown_node_is_an_error_naming_the_nodes(scenario: Scenario) -> None:
    with pytest.raises(NotFoundError) as err:
        open_dataset(scenario.root, nodes=["gamma"])
    assert str(err.value) == f"node 'gamma' is not in {scenario.root} (nodes: alpha, beta)"


def test_time_window_is_inclusive_and_prunes_files(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as full:
        expected = count(
            full,
            "SELECT count(*) FROM events WHERE epoch_ns(time) BETWEEN ? AND ?",
            [at(9), at(12)],
        )
        all_files = {f.path: f for f in full.files}
    with open_dataset(scenario.root, time_from_ns=at(9), time_to_ns=at(12)) as ds:
        assert count(ds) == expected == 7
        kept = {f.path for f in ds.files}
        for path, f in all_files.items():
            overlaps = f.first_ns <= at(12) and f.last_ns >= at(9)
            assert (path in kept) == overlaps, path
        assert len(kept) < len(all_files)


def test_time_filter_reaches_the_row_groups(tmp_path: Path) -> None:
    rec = Recorder("solo", "boot-s")
    rec.snapshot("init", 1, None, "/sbin/init", ["/sbin/init"], at(-100))
    writer = EventWriter(tmp_path, "solo", "run", WriterSettings(row_group_rows=100))
    for group in range(4):
        rows = [
            rec._row(rec.procs["init"], at(group * 100 + i), "file_open", path=f"/f{i}")
            for i in range(100)
        ]
        writer.write(events_from_rows(rows))
    writer.close()
    assert pq.read_metadata(writer.closed_files[0].path).num_row_groups == 4
    with open_dataset(tmp_path, time_from_ns=at(310), time_to_ns=at(320)) as ds:
        assert count(ds) == 11
        plan = ds.con.execute("EXPLAIN ANALYZE SELECT count(*) FROM events").fetchall()[0][1]
        scanned = re.search(r"Row Groups Scanned: (\d+) / (\d+)", plan)
        assert scanned is not None and scanned.groups() == ("1", "4")


def test_a_truncated_file_is_left_out_and_named(scenario_copy: Scenario) -> None:
    with open_dataset(scenario_copy.root) as ds:
        victim = [f for f in ds.files if f.node == "alpha"][1]
    path = scenario_copy.root / victim.path
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with open_dataset(scenario_copy.root) as ds:
        assert len(ds.warnings) == 2
        assert ds.warnings[0] == (
            f"{victim.path}: size is {len(data) // 2} bytes, the manifest says {len(data)}"
        )
        assert ds.warnings[1].startswith(
            f"skipped damaged file {victim.path}: not a readable Parquet file"
        )
        assert [d.path for d in ds.damaged] == [victim.path]
        assert count(ds) == scenario_copy.rows - victim.rows
        assert victim.path not in {f.path for f in ds.files}


def test_a_damaged_file_outside_the_window_is_not_even_opened(scenario_copy: Scenario) -> None:
    with open_dataset(scenario_copy.root, nodes=["alpha"]) as ds:
        first = min(ds.files, key=lambda f: f.first_ns or 0)
    (scenario_copy.root / first.path).write_bytes(b"PAR1 garbage")
    with open_dataset(scenario_copy.root, nodes=["beta"]) as ds:
        assert ds.warnings == []
        assert count(ds) == BETA_ROWS
    with open_dataset(scenario_copy.root, time_from_ns=first.last_ns + 1) as ds:
        # Sizes are checked against the manifest on every open; the file is not read.
        assert ds.warnings == [f"{first.path}: size is 12 bytes, the manifest says {first.bytes}"]
        assert ds.damaged == []


def test_every_file_damaged_is_an_error(scenario_copy: Scenario) -> None:
    for path in (scenario_copy.root / "events").rglob("*.parquet"):
        path.write_bytes(b"not parquet")
    with pytest.raises(DataError) as err:
        open_dataset(scenario_copy.root)
    assert str(err.value).startswith(f"no readable event files in {scenario_copy.root}: 4 damaged")


def test_missing_empty_and_non_directory_roots(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        open_dataset(tmp_path / "nope")
    assert str(err.value) == (
        f"data directory {tmp_path / 'nope'} does not exist (set --data or TRACEE_PY_DATA)"
    )
    (tmp_path / "empty" / "events").mkdir(parents=True)
    with pytest.raises(DataError) as err:
        open_dataset(tmp_path / "empty")
    assert str(err.value) == (
        f"no recordings in {tmp_path / 'empty'}: no files match events/node=*/date=*/*.parquet"
    )
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError) as err:
        open_dataset(tmp_path / "file")
    assert str(err.value) == f"data directory {tmp_path / 'file'} is not a directory"


def test_an_empty_window_is_an_error(scenario: Scenario) -> None:
    with pytest.raises(DataError) as err:
        open_dataset(scenario.root, time_from_ns=at(10), time_to_ns=at(5))
    assert str(err.value).startswith("the time window is empty")


def test_a_window_without_events_gives_empty_views(scenario: Scenario) -> None:
    with open_dataset(scenario.root, time_from_ns=at(100_000)) as ds:
        assert ds.files == []
        assert count(ds) == 0
        assert count(ds, "SELECT count(*) FROM processes") == 0
        assert ds.warnings == ["no events in the selected nodes and time window"]


def test_files_from_an_older_schema_read_with_new_columns_null(scenario_copy: Scenario) -> None:
    old_columns = [c for c in EVENT_COLUMNS if c not in ("start_time", "truncated", "length")]
    rec = Recorder("gamma", "boot-g")
    rec.snapshot("init", 1, None, "/sbin/init", ["/sbin/init"], at(-50))
    rec.event("init", at(1), "file_open", path="/etc/old")
    table = events_from_rows(rec.rows).select(old_columns)
    part = scenario_copy.root / "events" / "node=gamma" / "date=2026-03-14"
    part.mkdir(parents=True)
    pq.write_table(table, part / "20260314T100000.000000000Z-old-000001.parquet")
    with open_dataset(scenario_copy.root) as ds:
        # Written here without a manifest line: named, and read all the same.
        assert ds.warnings == [
            "events/node=gamma/date=2026-03-14/20260314T100000.000000000Z-old-000001.parquet: "
            "not in any manifest"
        ]
        rows = ds.con.execute(
            "SELECT event, path, start_time, truncated FROM events WHERE node = 'gamma' "
            "ORDER BY time"
        ).fetchall()
        assert rows == [
            ("process_snapshot", None, None, None),
            ("file_open", "/etc/old", None, None),
        ]
        assert count(ds) == scenario_copy.rows + 2


def test_stats_view(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        rows = ds.con.execute(
            "SELECT node, metric, kind, value FROM stats ORDER BY metric"
        ).fetchall()
        assert rows == [("alpha", "events", "file_open", 4), ("alpha", "lost", "file_open", 7)]


def test_object_storage_root_builds_a_glob_with_partition_filters() -> None:
    sql = parquet_view_sql(
        "events",
        "s3://bucket/fleet/events/node=*/date=*/*.parquet",
        nodes=("web-1",),
        time_from_ns=at(0),
        time_to_ns=at(3600),
    )
    assert sql == (
        "CREATE OR REPLACE VIEW events AS SELECT * EXCLUDE (date) FROM "
        "read_parquet('s3://bucket/fleet/events/node=*/date=*/*.parquet', "
        "hive_partitioning = true, union_by_name = true, "
        "hive_types = {'node': 'VARCHAR', 'date': 'VARCHAR'}) "
        "WHERE node IN ('web-1') AND date >= '2026-03-14' "
        f"AND time >= make_timestamp_ns({at(0)})::TIMESTAMPTZ_NS "
        f"AND date <= '2026-03-14' AND time <= make_timestamp_ns({at(3600)})::TIMESTAMPTZ_NS"
    )


def test_paths_with_quotes_are_escaped() -> None:
    sql = parquet_view_sql("events", ["/data/it's/a.parquet"])
    assert "read_parquet(['/data/it''s/a.parquet']," in sql


def test_arrow_table_time_type_matches_parquet(scenario: Scenario) -> None:
    """Signatures register Arrow tables; the time type must be the same as from Parquet."""
    import duckdb

    with open_dataset(scenario.root) as ds:
        parquet_type = ds.con.execute("SELECT typeof(time) FROM events LIMIT 1").fetchone()
    con = duckdb.connect()
    con.register(
        "events",
        events_from_rows([{"time": at(0), "node": "n", "boot_id": "b", "event": "file_open"}]),
    )
    assert con.execute("SELECT typeof(time) FROM events").fetchone() == parquet_type
    assert pa.types.is_timestamp(events_from_rows([]).schema.field("time").type)
