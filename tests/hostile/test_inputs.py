"""Absurd arguments: one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.query.conftest import Scenario

from .conftest import tracee

OUT_OF_RANGE = (
    "error: time '{t}' is out of range: times must lie between 1677-09-22 and 2262-04-11\n"
)


@pytest.mark.parametrize("moment", ["-99999999999h", "0001-01-01", "+" + "9" * 40 + "s"])
@pytest.mark.parametrize(
    "command",
    [
        ["tree", "--at"],
        ["ps", "--at"],
        ["timeline", "--pid", "300", "--at"],
        ["query", "SELECT 1", "--from"],
        ["sig", "run", "--to"],
    ],
    ids=["tree", "ps", "timeline", "query", "sig-run"],
)
def test_absurd_times_are_one_clear_line(
    scenario: Scenario, command: list[str], moment: str
) -> None:
    result = tracee(*command, moment, "--data", scenario.root)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == OUT_OF_RANGE.format(t=moment)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"SELECT 1\x00\x01\x02", "is not a SQL text file (it holds NUL bytes)"),
        (b"SELECT '\xff\xfe'", "is not UTF-8 text (byte 8)"),
    ],
)
def test_a_binary_sql_file_is_one_clear_line(
    scenario: Scenario, tmp_path: Path, content: bytes, why: str
) -> None:
    sql = tmp_path / "q.sql"
    sql.write_bytes(content)
    result = tracee("query", "--data", scenario.root, "-f", sql)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: {sql} {why}\n"


def test_a_fifo_as_sql_file_does_not_hang(scenario: Scenario, tmp_path: Path) -> None:
    fifo = tmp_path / "q.sql"
    os.mkfifo(fifo)
    result = tracee("query", "--data", scenario.root, "-f", fifo, timeout=30)
    assert result.returncode == 2
    assert result.stderr == f"error: {fifo} is a FIFO, not a regular file\n"


@pytest.mark.parametrize("value", ["0", "-1"])
def test_max_findings_below_one_is_refused(scenario: Scenario, value: str) -> None:
    result = tracee("sig", "run", "--data", scenario.root, "--max-findings", value)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: --max-findings must be at least 1, not {value}\n"
