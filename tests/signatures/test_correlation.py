"""Correlation rules: loader validation with file:line, grouping by process tree through
``sh -c`` wrappers, lineage exclusions, the window, and building blocks that run unseen."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracee_py.cli.app import app
from tracee_py.signatures import SignatureSetError, load_signatures, run_on_table
from tracee_py.signatures.correlation import parse_window
from tracee_py.store.rows import events_from_rows

from .conftest import jsonl, write_recording, write_signature

BLOCKS = ("uname", "id", "ps", "ss", "who")

BLOCK_RULE = """\
id: ran-{name}
name: {name} ran
description: Finds every exec of {name}; a building block in the tests.
severity: info
mitre:
  tactic: {{id: TA0007, name: Discovery}}
  technique: {{id: T1082, name: System Information Discovery}}
tags: [test-block]
requires:
  events: [process_exec]
detail: "{{comm}} ran {name}"
sql: |
  SELECT time, process_id, pid, comm, exe
  FROM events
  WHERE event = 'process_exec' AND suffix(path, '/{name}')
"""

CORRELATION_RULE = """\
id: {id}
name: Test burst
description: Several test blocks from one process tree.
severity: medium
mitre:
  tactic: {{id: TA0007, name: Discovery}}
  technique: {{id: T1082, name: System Information Discovery}}
detail: "{{comm}} ran {{blocks}} blocks within {{window}}: {{signatures}}"
expect: 1
correlation:
{body}
"""
GOOD_BODY = """\
  tag: test-block
  group: tree
  window: 1m
  distinct: 3
  unless_ancestor: [dpkg, make]"""

T0 = 1_773_525_600_000_000_000  # 2026-03-14T22:00:00Z


def proc(
    process_id: int, parent: int, exe: str, argv: list[str], at: float, pid: int | None = None
) -> list[dict[str, Any]]:
    """A process that starts (fork) and execs ``exe`` at ``at`` seconds."""
    name = exe.rsplit("/", 1)[-1]
    base = {
        "pid": pid or process_id,
        "ppid": parent,
        "process_id": process_id,
        "parent_process_id": parent,
        "comm": name[:15],
    }
    return [
        {**base, "time": T0 + int(at * 1e9), "event": "process_fork", "exe": "/usr/bin/bash"},
        {
            **base,
            "time": T0 + int(at * 1e9) + 1000,
            "event": "process_exec",
            "exe": exe,
            "path": exe,
            "argv": argv,
            "retval": 0,
        },
    ]


def script_rows(root_exe: str = "/usr/bin/bash", spread: float = 1.0) -> list[dict[str, Any]]:
    """bash recon.sh (100) runs uname, id, ps directly, and ss through ``sh -c``; who runs
    in a second tree (200)."""
    rows = [
        {
            "time": T0,
            "event": "process_snapshot",
            "pid": 1,
            "process_id": 1,
            "comm": "systemd",
            "exe": "/usr/lib/systemd/systemd",
            "argv": ["/sbin/init"],
        }
    ]
    rows += proc(100, 1, root_exe, [root_exe.rsplit("/", 1)[-1], "recon.sh"], 0)
    rows += proc(101, 100, "/usr/bin/uname", ["uname", "-a"], 1 * spread)
    rows += proc(102, 100, "/usr/bin/id", ["id"], 2 * spread)
    rows += proc(103, 100, "/usr/bin/sh", ["sh", "-c", "ps aux; ss -tan"], 3 * spread)
    rows += proc(104, 103, "/usr/bin/ps", ["ps", "aux"], 3 * spread + 0.1)
    rows += proc(105, 103, "/usr/bin/ss", ["ss", "-tan"], 3 * spread + 0.2)
    rows += proc(200, 1, "/usr/bin/bash", ["bash"], 0)
    rows += proc(201, 200, "/usr/bin/who", ["who"], 4)
    return rows


def write_pack(tmp_path: Path, body: str = GOOD_BODY, corr_id: str = "test-burst") -> Path:
    pack = tmp_path / "pack"
    for name in BLOCKS:
        fork, exec_row = proc(10, 1, f"/usr/bin/{name}", [name], 1)
        write_signature(
            pack,
            f"ran-{name}",
            BLOCK_RULE.format(name=name),
            positive=jsonl([fork, {**exec_row, "_finding": True}]),
        )
    rows = script_rows()
    write_signature(
        pack,
        corr_id,
        CORRELATION_RULE.format(id=corr_id, body=body),
        positive=jsonl(rows),
        negative=jsonl(script_rows(spread=70.0)),
    )
    return pack


def run(pack: Path, ids: list[str], rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    sigs = load_signatures([pack])
    chosen = [s for s in sigs if s.id in ids]
    result = run_on_table(events_from_rows(rows), chosen)
    assert not result.errors, [r.error for r in result.errors]
    return {r.signature.id: r.findings for r in result.runs}


def test_a_correlation_loads_with_its_building_blocks(tmp_path: Path) -> None:
    sig = load_signatures([write_pack(tmp_path)]).by_id("test-burst")
    assert sig.correlation is not None
    assert [b.id for b in sig.correlation.blocks] == [f"ran-{n}" for n in sorted(BLOCKS)]
    assert sig.correlation.window_ns == 60_000_000_000 and sig.correlation.distinct == 3
    assert sig.event_kinds == frozenset({"process_exec"})
    assert sig.sql == ""


def test_one_finding_on_the_script_with_its_building_blocks_as_evidence(tmp_path: Path) -> None:
    runs = run(write_pack(tmp_path), ["test-burst"], script_rows())
    assert list(runs) == ["test-burst"]  # the building blocks ran, unseen
    [finding] = runs["test-burst"]
    assert finding.process_id == 100 and finding.pid == 100 and finding.comm == "bash"
    # uname, id, then ps through the sh -c wrapper (103) makes three: the finding is at ps
    assert finding.time_ns == T0 + int(3.1e9) + 1000
    assert finding.detail == "bash ran 3 blocks within 1m: ran-id ran-ps ran-uname"
    assert finding.evidence["blocks"] == 3
    assert finding.evidence["window"] == "1m"
    assert [
        (b["signature_id"], b["pid"], b["comm"]) for b in finding.evidence["building_blocks"]
    ] == [
        ("ran-uname", 101, "uname"),
        ("ran-id", 102, "id"),
        ("ran-ps", 104, "ps"),
    ]
    assert finding.evidence["building_blocks"][0]["detail"] == "uname ran uname"
    assert finding.evidence["building_blocks"][0]["time"] == "2026-03-14T22:00:01.000001000Z"
    assert finding.ancestry == ("/usr/lib/systemd/systemd",)


def test_selected_building_blocks_are_shown_too(tmp_path: Path) -> None:
    runs = run(write_pack(tmp_path), ["test-burst", "ran-who"], script_rows())
    assert sorted(runs) == ["ran-who", "test-burst"]
    assert [f.pid for f in runs["ran-who"]] == [201]
    assert len(runs["test-burst"]) == 1


def test_commands_through_sh_c_group_on_the_python_program(tmp_path: Path) -> None:
    rows = script_rows()[:1]
    rows += proc(300, 1, "/usr/bin/python3", ["python3", "implant.py"], 0)
    # os.system: sh -c 'uname -a' execs uname in place (same process); sh -c 'id; ps' forks
    rows += proc(301, 300, "/usr/bin/sh", ["sh", "-c", "uname -a"], 1)
    rows += [
        dict(
            r,
            time=r["time"] + 5000,
            exe="/usr/bin/uname",
            path="/usr/bin/uname",
            argv=["uname", "-a"],
            comm="uname",
        )
        for r in rows[-1:]
    ]
    rows += proc(302, 300, "/usr/bin/dash", ["sh", "-ec", "id; ps"], 2)
    rows += proc(303, 302, "/usr/bin/id", ["id"], 2.1)
    rows += proc(304, 302, "/usr/bin/ps", ["ps"], 2.2)
    [finding] = run(write_pack(tmp_path), ["test-burst"], rows)["test-burst"]
    assert finding.process_id == 300 and finding.comm == "python3"
    assert [b["pid"] for b in finding.evidence["building_blocks"]] == [301, 303, 304]


def test_package_and_build_lineage_is_excused(tmp_path: Path) -> None:
    rows = script_rows()[:1]
    rows += proc(400, 1, "/usr/bin/dpkg", ["dpkg", "-i", "x.deb"], 0)
    rows += proc(401, 400, "/bin/sh", ["/bin/sh", "/var/lib/dpkg/info/x.postinst", "configure"], 1)
    rows += proc(402, 401, "/usr/bin/uname", ["uname", "-r"], 1.1)
    rows += proc(403, 401, "/usr/bin/id", ["id", "-u"], 1.2)
    rows += proc(404, 401, "/usr/bin/ps", ["ps"], 1.3)
    rows += proc(500, 1, "/usr/bin/bash", ["bash"], 0)
    rows += proc(501, 500, "/usr/bin/make", ["make", "check"], 1)
    rows += proc(502, 501, "/bin/sh", ["/bin/sh", "-c", "uname -r; id; ps"], 1.5)
    rows += proc(503, 502, "/usr/bin/uname", ["uname", "-r"], 1.6)
    rows += proc(504, 502, "/usr/bin/id", ["id"], 1.7)
    rows += proc(505, 502, "/usr/bin/ps", ["ps"], 1.8)
    pack = write_pack(tmp_path)
    assert run(pack, ["test-burst"], rows)["test-burst"] == []
    assert len(run(pack, ["ran-uname"], rows)["ran-uname"]) == 2  # the blocks still fire


def test_blocks_further_apart_than_the_window_do_not_correlate(tmp_path: Path) -> None:
    assert run(write_pack(tmp_path), ["test-burst"], script_rows(spread=70.0))["test-burst"] == []


def test_sig_test_check_list_and_run_outputs(tmp_path: Path) -> None:
    pack = write_pack(tmp_path)
    cli = CliRunner()
    base = ["sig"]
    tested = cli.invoke(app, [*base, "test", "--no-builtin", "--signatures", str(pack)])
    assert tested.exit_code == 0, tested.output
    checked = cli.invoke(app, [*base, "check", str(pack)])
    assert checked.exit_code == 0, checked.output
    listed = cli.invoke(
        app, [*base, "list", "--no-builtin", "--signatures", str(pack), "-o", "json"]
    )
    assert "test-burst" in {row["id"] for row in json.loads(listed.stdout)}
    data = write_recording(tmp_path / "data", script_rows())
    common = ["run", "--data", str(data), "--no-builtin", "--signatures", str(pack)]
    shown = cli.invoke(app, [*base, *common, "--severity", "medium", "-o", "json"])
    assert shown.exit_code == 0, shown.output
    [finding] = json.loads(shown.stdout)
    assert finding["signature_id"] == "test-burst" and finding["pid"] == 100
    assert [b["signature_id"] for b in finding["evidence"]["building_blocks"]] == [
        "ran-uname",
        "ran-id",
        "ran-ps",
    ]
    sarif = json.loads(cli.invoke(app, [*base, *common, "--id", "test-*", "-o", "sarif"]).stdout)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["test-burst"]
    junit = ET.fromstring(cli.invoke(app, [*base, *common, "--id", "test-*", "-o", "junit"]).stdout)
    cases = junit.findall("testsuite/testcase")
    assert len(cases) == 1 and cases[0].find("failure") is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "  signatures: [ran-uname, ran-nope]\n  window: 1m\n  distinct: 2",
            "rule.yaml:11: unknown building block 'ran-nope'",
        ),
        (
            "  signatures: [ran-uname, test-burst]\n  window: 1m\n  distinct: 2",
            "rule.yaml:11: building block 'test-burst' is itself: a correlation's building "
            "blocks must be ordinary signatures (no correlations of correlations, no cycles)",
        ),
        (
            "  tag: test-block\n  window: 0s\n  distinct: 2",
            "rule.yaml:12:11: correlation.window '0s' must be between 1s and 24h",
        ),
        (
            "  tag: test-block\n  window: 30d\n  distinct: 2",
            "rule.yaml:12:11: correlation.window must look like 90s, 5m or 1h, not '30d'",
        ),
        (
            "  tag: test-block\n  window: 2h\n  distinct: 1",
            "rule.yaml:13:13: correlation.distinct must be at least 2",
        ),
        (
            "  tag: test-block\n  window: 2h\n  distinct: 9",
            "rule.yaml:11: correlation.distinct is 9 but it has only 5 building block(s)",
        ),
        (
            "  tag: nothing\n  window: 2h\n  distinct: 2",
            "rule.yaml:11: no ordinary signature has the tag 'nothing'",
        ),
        (
            "  tag: test-block\n  window: 2h\n  distinct: 2\n  group: parent",
            "rule.yaml:14:10: correlation.group must be one of tree, not 'parent'",
        ),
        (
            "  tag: test-block\n  window: 2h\n  distinct: 2\n  windw: 3",
            "rule.yaml:14:3: unknown key 'windw' in correlation "
            "(use signatures, tag, group, window, distinct, unless_ancestor)",
        ),
        (
            "  window: 2h\n  distinct: 2",
            "rule.yaml:11:3: correlation needs its building blocks: signatures (ids) or a tag",
        ),
    ],
)
def test_bad_correlations_are_reported_with_file_and_line(
    tmp_path: Path, body: str, message: str
) -> None:
    pack = write_pack(tmp_path, body)
    with pytest.raises(SignatureSetError) as info:
        load_signatures([pack])
    problems = [str(p).split("/pack/test-burst/", 1)[-1] for p in info.value.problems]
    assert problems == [message]


def test_a_correlation_of_correlations_is_refused(tmp_path: Path) -> None:
    pack = write_pack(tmp_path)
    write_signature(
        pack,
        "outer-burst",
        CORRELATION_RULE.format(
            id="outer-burst", body="  signatures: [test-burst, ran-id]\n  window: 1m\n  distinct: 2"
        ),
    )
    with pytest.raises(
        SignatureSetError,
        match=r"outer-burst/rule.yaml:11: building block "
        r"'test-burst' is correlation 'test-burst'",
    ):
        load_signatures([pack])


def test_sql_and_correlation_together_is_an_error(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, GOOD_BODY + "\nsql: SELECT 1")
    with pytest.raises(SignatureSetError, match="a correlation rule has no sql"):
        load_signatures([pack])


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("90s", 90_000_000_000),
        ("5m", 300_000_000_000),
        ("1h", 3_600_000_000_000),
        ("500ms", 500_000_000),
        ("5 m", None),
        ("-1s", None),
        ("1d", None),
    ],
)
def test_parse_window(text: str, ns: int | None) -> None:
    assert parse_window(text) == ns
