"""Recorded strings are data: whoever ran the processes chose them. Never Rich markup,
never terminal control in a human format, always valid in a machine format."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.signatures.conftest import MOTD_ROWS, write_recording, write_signature

from .conftest import tracee

COMM = "[/bold]x[red]"
EXE = "/tmp/\x1b[2Jevil"
ARGV = ["sh", "-c", "echo hi\n2026-03-14T22:00:02.000000  1  init  process_exit  exit 0\x1b[31m"]
PATH = "/etc/motd\x1b]0;owned\x07\u202e"
# The signature tests' /etc/motd read, done by a process with hostile names.
ROWS = [
    {k: v for k, v in row.items() if k != "_finding"} | {"comm": COMM, "exe": EXE}
    for row in MOTD_ROWS
]
ROWS[0]["argv"] = ARGV
ROWS[1]["path"] = PATH
RAW = ("\x1b", "\x07", "\u202e")  # never written raw by a human format


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_recording(tmp_path_factory.mktemp("strings") / "data", ROWS)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signature that finds the hostile open: its detail quotes comm and path."""
    root = tmp_path_factory.mktemp("pack")
    folder = write_signature(root, "motd-read")
    rule = (folder / "rule.yaml").read_text()
    (folder / "rule.yaml").write_text(rule.replace("path = '/etc/motd'", "path LIKE '/etc/motd%'"))
    return root


def human(result_text: str) -> None:
    for char in RAW:
        assert char not in result_text


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["query", "SELECT comm, exe, argv, path FROM events ORDER BY time"], COMM),
        (["tree", "--pid", "10"], "(/tmp/\\x1b[2Jevil)"),
        (["ps", "--at", "2026-03-14T22:00:01Z"], "'echo hi\\n2026-03-14"),
        (["timeline", "--pid", "10"], COMM[:15]),
    ],
    ids=["query", "tree", "ps", "timeline"],
)
def test_human_formats_show_escapes_not_markup_or_control(
    hostile: Path, command: list[str], shown: str
) -> None:
    result = tracee(*command, "--data", hostile)
    assert result.returncode == 0, result.stderr
    human(result.stdout)
    assert shown in result.stdout  # as written, not read as markup


def test_a_forged_line_in_argv_stays_on_its_line(hostile: Path) -> None:
    result = tracee("timeline", "--pid", "10", "--data", hostile)
    lines = result.stdout.splitlines()
    assert len(lines) == 2  # the snapshot and the open: the newline in argv made no line
    assert (
        "echo hi\\n2026-03-14T22:00:02.000000  1  init  process_exit  exit 0\\x1b[31m" in lines[0]
    )
    assert "\\x1b]0;owned\\x07\\u202e" in lines[1]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_machine_formats_keep_the_exact_strings(hostile: Path, fmt: str) -> None:
    result = tracee(
        "query", "--data", hostile, "-o", fmt, "SELECT comm, exe, path FROM events ORDER BY time"
    )
    assert result.returncode == 0
    if fmt == "json":
        rows = json.loads(result.stdout)
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in result.stdout.splitlines()]
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert rows[1]["comm"] == COMM
    assert rows[1]["exe"] == EXE
    assert rows[1]["path"] == PATH


def test_sig_run_reports_parse_and_tables_escape(hostile: Path, pack: Path) -> None:
    base = ["sig", "run", "--data", hostile, "--no-builtin", "-s", pack]
    junit = tracee(*base, "-o", "junit")
    assert junit.returncode == 0, junit.stderr
    case = ET.fromstring(junit.stdout).find("testsuite/testcase/failure")
    assert case is not None and case.text is not None
    assert f"{COMM} read /etc/motd\\x1b]0;owned\\x07" in case.text
    sarif = json.loads(tracee(*base, "-o", "sarif").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["properties"]["detail"] == f"{COMM} read {PATH}"
    table = tracee(*base)
    human(table.stdout)
    assert f"{COMM} read /etc/motd\\x1b]0;owned\\x07\\u202e" in table.stdout


def test_the_error_line_does_not_read_markup(tmp_path: Path) -> None:
    missing = tmp_path / "[bold]x[/bold]\x1b[31m"
    result = tracee("query", "--data", missing, "SELECT 1")
    assert result.returncode == 2
    assert result.stderr == (
        f"error: data directory {tmp_path}/[bold]x[/bold]\\x1b[31m does not exist "
        "(set --data or TRACEE_PY_DATA)\n"
    )
