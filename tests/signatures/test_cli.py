"""``tracee-py sig``: list, check, test and run, in-process (CliRunner) and as a subprocess."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracee_py.cli.app import app
from tracee_py.signatures import Severity, builtin_catalog, load_signatures

from .conftest import CATALOG_SIZE, TRACEE, write_recording, write_signature
from .test_report import validate_sarif

runner = CliRunner()


def sig(*args: str) -> object:
    return runner.invoke(app, ["sig", *args])


# -- sig list --------------------------------------------------------------------------------


def test_list_table_shows_every_signature() -> None:
    result = sig("list")
    assert result.exit_code == 0, result.output
    assert "shadow-read" in result.stdout and "Credential Access" in result.stdout
    assert f"{CATALOG_SIZE} signatures" in result.stderr


def test_list_json_and_filters() -> None:
    result = sig("list", "-o", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == CATALOG_SIZE
    shadow = next(r for r in rows if r["id"] == "shadow-read")
    assert shadow["severity"] == "high" and shadow["ready"] is True
    assert shadow["confidence"] == "high" and shadow["mitre_also"] == []
    assert {r["confidence"] for r in rows} <= {"low", "medium", "high"}
    assert shadow["mitre_technique"].startswith("T1003.008")
    assert shadow["events"] == ["file_open"]

    critical = json.loads(sig("list", "-o", "json", "--severity", "critical").stdout)
    assert {r["severity"] for r in critical} == {"critical"}
    assert {r["id"] for r in critical} >= {"reverse-shell-socket-dup", "ld-so-preload-write"}

    picked = [
        json.loads(line)
        for line in sig("list", "-o", "jsonl", "--id", "ptrace-*").stdout.splitlines()
    ]
    assert [r["id"] for r in picked] == ["ptrace-code-injection", "ptrace-traceme"]


def test_list_says_which_signatures_wait_for_recorder_data(tmp_path: Path) -> None:
    folder = write_signature(tmp_path, "needs-bpf-data")
    rule = folder / "rule.yaml"
    rule.write_text(
        rule.read_text() + "status: the recorder does not capture bpf() program loads yet\n"
    )
    result = sig("list", "-s", str(tmp_path), "--id", "needs-bpf-data")
    assert result.exit_code == 0, result.output
    assert "needs data" in result.stdout
    assert "1 need data the recorder does not produce yet" in result.stderr
    rows = json.loads(sig("list", "-s", str(tmp_path), "-o", "json").stdout)
    mine = next(r for r in rows if r["id"] == "needs-bpf-data")
    assert mine["ready"] is False and "bpf()" in mine["status"]


# -- sig check / sig test --------------------------------------------------------------------


def test_check_catalog() -> None:
    result = sig("check")
    assert result.exit_code == 0, result.output
    assert f"{CATALOG_SIZE} signatures checked: no problems" in result.stderr


def test_check_reports_problems_and_fails(tmp_path: Path) -> None:
    write_signature(tmp_path, "bad-one", "id: bad-one\nseverity: scary\n")
    result = sig("check", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path}/bad-one/rule.yaml:2:11: unknown severity 'scary'" in result.stderr
    assert "missing required key 'sql'" in result.stderr


def test_test_catalog_passes() -> None:
    result = sig("test")
    assert result.exit_code == 0, result.output
    assert f"{CATALOG_SIZE} passed, 0 failed" in result.stderr


def test_test_shows_missing_and_extra_findings(tmp_path: Path) -> None:
    folder = write_signature(tmp_path, "motd-read")
    (folder / "negative.jsonl").write_text(
        '{"time": "2026-03-14T22:00:05Z", "event": "file_open", "process_id": 7, '
        '"comm": "less", "exe": "/usr/bin/less", "path": "/etc/motd", "flags": 0}\n'
        '{"time": "2026-03-14T22:00:06Z", "event": "file_open", "process_id": 7, '
        '"comm": "less", "exe": "/usr/bin/less", "path": "/etc/issue", "flags": 0}\n'
    )
    (folder / "positive.jsonl").write_text(
        '{"time": "2026-03-14T22:00:01Z", "event": "file_open", "process_id": 5, '
        '"comm": "cat", "exe": "/usr/bin/cat", "path": "/etc/issue", "flags": 0, '
        '"_finding": true}\n'
    )
    result = runner.invoke(
        app, ["sig", "test", str(tmp_path), "-o", "json"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 1
    [row] = json.loads(result.stdout)
    assert row["ok"] is False
    assert row["missing"] == ["positive.jsonl:1: no finding for process_id 5 at this row's time"]
    assert len(row["extra"]) == 1 and "less read /etc/motd" in row["extra"][0]
    assert "0 passed, 1 failed" in result.stderr
    table = sig("test", str(tmp_path))
    assert table.exit_code == 1 and "FAIL" in table.stdout and "missing" in table.stdout


# -- sig run ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recording(positives_recording: tuple[Path, dict[str, int]]) -> Path:
    return positives_recording[0]


def test_run_table(recording: Path) -> None:
    result = runner.invoke(app, ["sig", "run", "--data", str(recording)])
    assert result.exit_code == 0, result.output
    assert "reverse-shell-socket-dup" in result.stdout
    header = result.stdout.splitlines()[0].split()
    assert header[:4] == ["TIME", "SEVERITY", "CONFIDENCE", "SIGNATURE"]
    rows = [line.split() for line in result.stdout.splitlines()]
    shadow = [cells for cells in rows if len(cells) > 3 and cells[3] == "shadow-read"]
    assert shadow and all(cells[1:3] == ["high", "high"] for cells in shadow)
    assert "findings (" in result.stderr and f"from {CATALOG_SIZE} signatures" in result.stderr


def test_run_jsonl_with_filters(recording: Path) -> None:
    result = sig(
        "run", "--data", str(recording), "-o", "jsonl", "--id", "shadow-read", "--id", "ssh-pr*"
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["signature_id"] for r in rows} == {"shadow-read", "ssh-private-key-read"}
    assert rows == sorted(rows, key=lambda r: r["time"])
    assert {(r["signature_id"], r["severity"], r["confidence"]) for r in rows} == {
        ("shadow-read", "high", "high"),
        ("ssh-private-key-read", "high", "medium"),
    }
    only_critical = sig("run", "--data", str(recording), "-o", "json", "--severity", "critical")
    assert {r["severity"] for r in json.loads(only_critical.stdout)} == {"critical"}


def test_run_sarif_and_junit(recording: Path) -> None:
    sarif = sig("run", "--data", str(recording), "-o", "sarif", "--sarif-artifact", "Makefile")
    assert sarif.exit_code == 0
    log = json.loads(sarif.stdout)
    validate_sarif(log)
    assert (
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "Makefile"
    )
    junit = sig("run", "--data", str(recording), "-o", "junit")
    assert junit.exit_code == 0
    assert len(ET.fromstring(junit.stdout).findall("testsuite/testcase")) == CATALOG_SIZE


@pytest.mark.parametrize(
    ("fail_on", "ids", "code"),
    [
        ("high", ["shadow-read"], 1),  # a high finding, threshold high
        ("medium", ["shadow-read"], 1),  # above the threshold
        ("critical", ["shadow-read"], 0),  # below the threshold
        ("info", ["mprotect-wx"], 1),
        ("high", ["mprotect-wx"], 0),  # medium findings only
        (None, ["reverse-shell-socket-dup"], 0),  # no --fail-on: findings do not fail
    ],
)
def test_fail_on_sets_the_exit_code(
    recording: Path, fail_on: str | None, ids: list[str], code: int
) -> None:
    args = ["run", "--data", str(recording), "-o", "jsonl"]
    for i in ids:
        args += ["--id", i]
    if fail_on:
        args += ["--fail-on", fail_on]
    result = sig(*args)
    assert result.exit_code == code, result.output
    assert result.stdout.strip(), "the findings are printed whatever the exit code"


def test_fail_on_with_no_findings_is_zero(negatives_recording: Path) -> None:
    # the look-alikes give no medium-or-higher finding (low building blocks may fire there)
    result = sig(
        "run",
        "--data",
        str(negatives_recording),
        "--severity",
        "medium",
        "--fail-on",
        "info",
        "-o",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    alerting = sum(
        1 for s in load_signatures([builtin_catalog()]).signatures if s.severity >= Severity.MEDIUM
    )
    assert f"0 findings from {alerting} signatures" in result.stderr


def test_run_time_window(recording: Path) -> None:
    late = sig("run", "--data", str(recording), "-o", "json", "--from", "2026-03-14T22:00:03Z")
    assert late.exit_code == 0
    assert all(r["time"] >= "2026-03-14T22:00:03" for r in json.loads(late.stdout))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "severe"], "--fail-on: unknown severity 'severe'"),
        (["--severity", "bad"], "--severity: unknown severity 'bad'"),
        (["--id", "no-such-*"], "--id no-such-* matches no signature"),
        (["--no-builtin"], "--no-builtin needs at least one --signatures DIR"),
    ],
)
def test_run_usage_errors(recording: Path, args: list[str], message: str) -> None:
    result = sig("run", "--data", str(recording), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_run_on_missing_data(tmp_path: Path) -> None:
    result = sig("run", "--data", str(tmp_path / "nothing"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_with_a_user_signature(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    write_signature(pack, "motd-read", severity="high")
    data = write_recording(
        tmp_path / "data",
        [
            {
                "time": "2026-03-14T22:00:01Z",
                "event": "file_open",
                "pid": 10,
                "process_id": 100,
                "comm": "more",
                "exe": "/usr/bin/more",
                "path": "/etc/motd",
                "flags": 0,
            },
        ],
    )
    result = sig(
        "run",
        "--data",
        str(data),
        "-s",
        str(pack),
        "--id",
        "motd-read",
        "-o",
        "json",
        "--fail-on",
        "high",
    )
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)
    assert finding["detail"] == "more read /etc/motd"


def test_every_command_has_help() -> None:
    for command in ("list", "check", "test", "run"):
        result = sig(command, "--help")
        assert result.exit_code == 0
        assert "Examples" in result.stdout


def test_subprocess_run_for_ci(recording: Path, tmp_path: Path) -> None:
    """What the CI example does: SARIF on stdout, exit 1 on a high finding."""
    out = tmp_path / "results.sarif"
    with out.open("w") as sink:
        proc = subprocess.run(
            [TRACEE, "sig", "run", "--data", str(recording), "--fail-on", "high", "-o", "sarif"],
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 1, proc.stderr
    validate_sarif(json.loads(out.read_text()))
    assert "findings (" in proc.stderr
