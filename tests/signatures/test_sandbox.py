"""Hostile signatures: SQL from a signature pack cannot write files, reach the network,
install or load extensions, read files outside the recording, or change the sandbox.

Each case is checked through the public path (the statement check plus the locked
database) and, where it matters, against the locked database alone, so that either layer
holds by itself. Every case also checks that nothing was written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tracee_py.cli.app import app
from tracee_py.signatures import (
    AccessDenied,
    QueryFailed,
    QueryTimeout,
    RejectedStatement,
    Sandbox,
    SignatureSetError,
    load_signatures,
    run_on_dataset,
)
from tracee_py.signatures.sandbox import check_statement
from tracee_py.store.rows import events_from_rows

from .conftest import MOTD_ROWS, rule_with_sql, write_recording, write_signature


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    rows = [{k: v for k, v in r.items() if k != "_finding"} for r in MOTD_ROWS]
    for r in rows:
        r.update(node="node-a", boot_id="boot-1")
    with Sandbox.load(events_from_rows(rows)) as sb:
        yield sb


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """Where a hostile query would like to write; nothing may appear there."""
    d = tmp_path / "loot"
    d.mkdir()
    return d


def nothing_written(d: Path) -> bool:
    return not any(d.iterdir())


# -- writing files ---------------------------------------------------------------------------


def test_copy_to_a_file_is_refused(sandbox: Sandbox, target: Path) -> None:
    sql = f"COPY (SELECT * FROM events) TO '{target}/events.csv'"
    with pytest.raises(RejectedStatement, match="only SELECT queries are allowed, not COPY"):
        sandbox.query(sql)
    with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
        sandbox._con.execute(sql)  # the locked database refuses it too
    assert nothing_written(target)


def test_export_database_is_refused(sandbox: Sandbox, target: Path) -> None:
    sql = f"EXPORT DATABASE '{target}/db'"
    with pytest.raises(RejectedStatement, match="not EXPORT"):
        sandbox.query(sql)
    with pytest.raises(duckdb.PermissionException):
        sandbox._con.execute(sql)
    assert nothing_written(target)


def test_attach_a_database_file_is_refused(sandbox: Sandbox, target: Path) -> None:
    sql = f"ATTACH '{target}/evil.duckdb' AS evil"
    with pytest.raises(RejectedStatement, match="not ATTACH"):
        sandbox.query(sql)
    with pytest.raises(duckdb.PermissionException):
        sandbox._con.execute(sql)
    assert nothing_written(target)


def test_a_second_statement_is_refused(sandbox: Sandbox, target: Path) -> None:
    sql = f"SELECT 1; COPY (SELECT 1) TO '{target}/x.csv'"
    with pytest.raises(RejectedStatement, match="exactly one SELECT query, found 2 statements"):
        sandbox.query(sql)
    assert nothing_written(target)


def test_copy_hidden_in_query_function_fails(sandbox: Sandbox, target: Path) -> None:
    sql = f"SELECT * FROM query('COPY (SELECT 1) TO ''{target}/x.csv''')"
    with pytest.raises(QueryFailed, match="single SELECT"):
        sandbox.query(sql)
    assert nothing_written(target)


def test_tables_cannot_be_created_or_dropped(sandbox: Sandbox) -> None:
    for sql in (
        "CREATE TABLE t AS SELECT 1",
        "DROP TABLE events",
        "DELETE FROM events",
        "INSERT INTO events (time) VALUES (now())",
        "UPDATE events SET path = 'x'",
    ):
        with pytest.raises(RejectedStatement, match="only SELECT"):
            sandbox.query(sql)
    assert sandbox.query("SELECT count(*) AS n FROM events").column("n")[0].as_py() == 2


# -- reading files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_blob('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM read_json('/etc/os-release')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        "SELECT * FROM parquet_metadata('/etc/passwd')",
    ],
    ids=[
        "read_csv",
        "read_text",
        "read_blob",
        "glob",
        "read_json",
        "sniff_csv",
        "parquet_metadata",
    ],
)
def test_files_outside_the_recording_cannot_be_read(sandbox: Sandbox, sql: str) -> None:
    with pytest.raises(AccessDenied, match="file system operations are disabled"):
        sandbox.query(sql)


def test_file_names_are_not_tables(sandbox: Sandbox) -> None:
    with pytest.raises(QueryFailed, match="Table with name /etc/passwd does not exist"):
        sandbox.query("SELECT * FROM '/etc/passwd'")


def test_the_recording_files_themselves_are_not_reachable(tmp_path: Path) -> None:
    """The rows were copied in before the lock: even the data directory is off limits."""
    data = write_recording(
        tmp_path / "data", [{k: v for k, v in r.items() if k != "_finding"} for r in MOTD_ROWS]
    )
    parquet = next(data.glob("events/*/*/*.parquet"))
    rows = [{k: v for k, v in r.items() if k != "_finding"} for r in MOTD_ROWS]
    for r in rows:
        r.update(node="node-a", boot_id="boot-1")
    with Sandbox.load(events_from_rows(rows)) as sb, pytest.raises(AccessDenied):
        sb.query(f"SELECT * FROM read_parquet('{parquet}')")


def test_environment_cannot_be_read(sandbox: Sandbox) -> None:
    with pytest.raises(QueryFailed, match="getenv"):
        sandbox.query("SELECT getenv('HOME') AS home")


# -- network and extensions ------------------------------------------------------------------


def test_urls_cannot_be_read(sandbox: Sandbox) -> None:
    with pytest.raises(AccessDenied, match="disabled by configuration"):
        sandbox.query("SELECT * FROM read_parquet('https://example.com/x.parquet')")
    with pytest.raises(AccessDenied):
        sandbox.query("SELECT * FROM read_csv('s3://bucket/x.csv')")


def test_extensions_cannot_be_installed(sandbox: Sandbox) -> None:
    with pytest.raises(RejectedStatement, match=r"not INSTALL|not LOAD"):
        sandbox.query("INSTALL httpfs")
    with pytest.raises(duckdb.PermissionException):
        sandbox._con.execute("INSTALL httpfs")
    with pytest.raises(duckdb.Error):
        sandbox._con.execute("FORCE INSTALL httpfs FROM 'http://127.0.0.1:9/'")


def test_extensions_cannot_be_loaded(sandbox: Sandbox, tmp_path: Path) -> None:
    fake = tmp_path / "evil.duckdb_extension"
    fake.write_bytes(b"\x7fELF not really")
    with pytest.raises(RejectedStatement):
        sandbox.query(f"LOAD '{fake}'")
    with pytest.raises(duckdb.PermissionException, match="disabled"):
        sandbox._con.execute(f"LOAD '{fake}'")
    with pytest.raises(duckdb.PermissionException):
        sandbox._con.execute("LOAD httpfs")


# -- changing the sandbox --------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET allowed_directories = ['/']",
        "SET autoinstall_known_extensions = true",
        "PRAGMA enable_profiling",
        "SET lock_configuration = false",
    ],
)
def test_settings_are_locked(sandbox: Sandbox, sql: str) -> None:
    with pytest.raises(RejectedStatement):
        sandbox.query(sql)
    with pytest.raises(duckdb.Error, match=r"locked|Cannot change|disabled"):
        sandbox._con.execute(sql)
    assert (
        sandbox.query("SELECT current_setting('enable_external_access') AS v")
        .column("v")[0]
        .as_py()
        is False
    )


def test_runaway_query_is_stopped(sandbox: Sandbox) -> None:
    with pytest.raises(QueryTimeout, match=r"stopped after 0\.5s"):
        sandbox.query("SELECT count(*) FROM range(100000000) a, range(100000000) b", timeout=0.5)
    assert sandbox.query("SELECT 42 AS x").column("x")[0].as_py() == 42


def test_every_query_cursor_is_locked_too(sandbox: Sandbox) -> None:
    """The cursors that run signatures side by side share the lock and the settings."""
    assert len(sandbox._cursors) >= 1
    for cursor in sandbox._cursors:
        with pytest.raises(duckdb.Error, match=r"locked|Cannot change"):
            cursor.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error, match=r"disabled|Permission"):
            cursor.execute("SELECT * FROM read_text('/etc/hostname')")
        zone = cursor.sql("SELECT current_setting('TimeZone') AS z").fetchall()
        assert zone == [("UTC",)]


def test_queries_run_side_by_side_each_with_its_own_outcome(sandbox: Sandbox) -> None:
    sqls = [
        "SELECT count(*) AS n FROM events",
        "SELECT count(*) FROM range(100000000) a, range(100000000) b",  # too slow
        "SELECT * FROM read_text('/etc/hostname')",  # refused by the lock
        "DROP TABLE events",  # refused by the statement check
        "SELECT no_such_column FROM events",
        "SELECT 42 AS x",
    ]
    outcomes = list(sandbox.query_each(sqls, timeout=1.0, workers=2))
    assert len(outcomes) == len(sqls)
    (count, _), (slow, _), (read, _), (drop, _), (bad, _), (last, _) = outcomes
    assert count.column("n")[0].as_py() == 2  # type: ignore[union-attr]
    assert isinstance(slow, QueryTimeout)
    assert isinstance(read, AccessDenied)
    assert isinstance(drop, RejectedStatement)
    assert isinstance(bad, QueryFailed) and "no_such_column" in str(bad)
    assert last.column("x")[0].as_py() == 42  # type: ignore[union-attr]
    assert all(seconds >= 0 for _, seconds in outcomes)
    assert sandbox.query("SELECT count(*) AS n FROM events").column("n")[0].as_py() == 2


def test_query_each_keeps_the_order_of_its_input(sandbox: Sandbox) -> None:
    sqls = [f"SELECT {i} AS i FROM range({(7 - i) * 200000}) LIMIT 1" for i in range(7)]
    got = [t.column("i")[0].as_py() for t, _ in sandbox.query_each(sqls, workers=3)]  # type: ignore[union-attr]
    assert got == list(range(7))


def test_statement_check_accepts_ordinary_queries() -> None:
    for sql in (
        "SELECT 1",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "FROM events SELECT time",
        "(SELECT 1) UNION ALL (SELECT 2)",
        "SELECT 1;",
    ):
        check_statement(sql)


# -- hostile signatures in a set -------------------------------------------------------------


def test_sig_check_reports_hostile_signatures(tmp_path: Path, target: Path) -> None:
    write_signature(
        tmp_path,
        "exfil-copy",
        rule_with_sql(
            "exfil-copy", f"COPY (SELECT time, process_id FROM events) TO '{target}/x.csv'"
        ),
    )
    write_signature(
        tmp_path,
        "read-passwd",
        rule_with_sql(
            "read-passwd",
            "SELECT now()::TIMESTAMPTZ AS time, 1 AS process_id, * FROM read_csv('/etc/passwd')",
        ),
    )
    with pytest.raises(SignatureSetError) as info:
        load_signatures([tmp_path])
    text = str(info.value)
    assert (
        f"{tmp_path}/exfil-copy/rule.yaml:10: sql: only SELECT queries are allowed, not COPY"
        in text
    )
    assert f"{tmp_path}/read-passwd/rule.yaml:10: sql: Permission Error" in text
    assert nothing_written(target)


def test_a_hostile_signature_fails_alone_during_a_run(tmp_path: Path, target: Path) -> None:
    """A pack loaded without checks (or whose query turns hostile at run time) fails on its
    own; the other signatures still run and report."""
    pack = tmp_path / "pack"
    write_signature(pack, "motd-read")
    write_signature(
        pack,
        "zz-exfil",
        rule_with_sql(
            "zz-exfil", f"COPY (SELECT time, process_id FROM events) TO '{target}/x.csv'"
        ),
    )
    sigs = load_signatures([pack], check_sql=False, check_samples=False)
    data = write_recording(
        tmp_path / "data", [{k: v for k, v in r.items() if k != "_finding"} for r in MOTD_ROWS]
    )
    result = run_on_dataset(data, sigs.signatures)
    by_id = {r.signature.id: r for r in result.runs}
    assert by_id["zz-exfil"].error and "only SELECT" in by_id["zz-exfil"].error
    assert len(by_id["motd-read"].findings) == 1
    assert nothing_written(target)


def test_sig_run_with_a_hostile_pack_writes_nothing(tmp_path: Path, target: Path) -> None:
    pack = tmp_path / "pack"
    write_signature(
        pack,
        "exfil-copy",
        rule_with_sql(
            "exfil-copy", f"COPY (SELECT time, process_id FROM events) TO '{target}/x.csv'"
        ),
    )
    data = write_recording(
        tmp_path / "data", [{k: v for k, v in r.items() if k != "_finding"} for r in MOTD_ROWS]
    )
    before = sorted(os.listdir(data))
    result = CliRunner().invoke(
        app, ["sig", "run", "--data", str(data), "--no-builtin", "-s", str(pack)]
    )
    assert result.exit_code == 2
    assert "only SELECT queries are allowed, not COPY" in result.output
    assert nothing_written(target)
    assert sorted(os.listdir(data)) == before
