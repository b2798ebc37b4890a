"""The synthetic recording: exact size, deterministic, and a true process history."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracee_py import proctree
from tracee_py.query import open_dataset
from tracee_py.synth import SynthSummary, generate

EVENTS = 20_000


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(tmp_path_factory.mktemp("synth") / "data", events=EVENTS, nodes=2, seed=3)


def one(ds, sql: str):  # type: ignore[no-untyped-def]
    return ds.con.execute(sql).fetchone()[0]


def test_exact_size_spread_over_nodes_and_days(synth: SynthSummary) -> None:
    assert synth.events == EVENTS
    with open_dataset(synth.root) as ds:
        assert ds.con.execute(
            "SELECT node, count(*) FROM events GROUP BY node ORDER BY node"
        ).fetchall() == [("node-01", 10_000), ("node-02", 10_000)]
        assert sorted({f.date for f in ds.files}) == ["2026-03-14", "2026-03-15"]
        assert one(ds, "SELECT count(DISTINCT event) FROM events") >= 25
        assert one(ds, "SELECT sum(value) FROM stats WHERE metric = 'events'") == EVENTS
        assert one(ds, "SELECT count(*) FROM stats WHERE metric = 'lost'") == 6


def test_same_seed_same_data(synth: SynthSummary, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", events=EVENTS, nodes=2, seed=3)
    digest = "SELECT count(*), sum(hash(process_id, time, event, path, argv)) FROM events"
    with open_dataset(synth.root) as a, open_dataset(again.root) as b:
        assert a.con.execute(digest).fetchall() == b.con.execute(digest).fetchall()
    assert again.marks == synth.marks


def test_every_parent_was_alive_at_the_fork(synth: SynthSummary) -> None:
    with open_dataset(synth.root) as ds:
        bad = one(
            ds,
            """
            SELECT count(*) FROM processes c LEFT JOIN processes p
                ON c.parent_process_id = p.process_id
            WHERE c.source = 'fork' AND (
                p.process_id IS NULL OR p.node <> c.node OR p.start_time > c.start_time
                OR p.exit_time < c.start_time OR p.pid <> c.ppid)
            """,
        )
        assert bad == 0
        assert one(ds, "SELECT count(*) FROM processes WHERE source = 'inferred'") == 0


def test_pids_are_reused_but_never_twice_at_once(synth: SynthSummary) -> None:
    with open_dataset(synth.root) as ds:
        reused = one(
            ds,
            "SELECT count(*) FROM (SELECT node, pid FROM processes GROUP BY ALL "
            "HAVING count(*) > 1)",
        )
        assert reused > 50
        overlapping = one(
            ds,
            """
            SELECT count(*) FROM processes a JOIN processes b
                ON a.node = b.node AND a.pid = b.pid AND a.process_id < b.process_id
            WHERE a.start_time < coalesce(b.exit_time, 'infinity'::TIMESTAMPTZ)
              AND b.start_time < coalesce(a.exit_time, 'infinity'::TIMESTAMPTZ)
            """,
        )
        assert overlapping == 0


def test_deep_and_wide_trees_exec_chains_orphans_and_containers(synth: SynthSummary) -> None:
    with open_dataset(synth.root) as ds:
        leaf = synth.marks["deep_leaf"][1]
        # 6 levels of the script (625 processes a node), the login shell, 2 sshd, sshd, init.
        assert len(proctree.ancestors(ds, leaf)) == 10
        wide = synth.marks["wide_root"][1]
        gcc = [p for p in proctree.descendants(ds, wide) if p.exe == "/usr/bin/gcc"]
        assert len(gcc) >= 15
        assert one(ds, "SELECT count(*) FROM processes WHERE len(execs) >= 2") > 0
        assert (
            one(ds, "SELECT count(*) FROM events WHERE event = 'process_exec' AND retval < 0") > 0
        )
        # Orphans: events say init is the parent, the fork said otherwise.
        orphans = one(
            ds,
            """
            SELECT count(DISTINCT e.process_id) FROM events e JOIN processes p USING (process_id)
            WHERE e.ppid = 1 AND p.ppid <> 1
            """,
        )
        assert orphans > 0
        # Health probes join their container at exec: the fork row has no container.
        joined = one(
            ds,
            """
            SELECT count(*) FROM processes p JOIN events f
                ON f.process_id = p.process_id AND f.event = 'process_fork'
            WHERE p.container_id IS NOT NULL AND f.container_id IS NULL
            """,
        )
        assert joined > 0
        threads = one(ds, "SELECT count(*) FROM events WHERE tid <> pid")
        assert threads > 0
