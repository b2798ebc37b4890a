"""Fixtures for the real-capture tests: they run the recorder for real (root, eBPF).

These tests never skip: on a machine without BPF they fail with the recorder's message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

HERE = Path(__file__).resolve().parent
TRACEE = [sys.executable, "-m", "tracee_py"]


def run_tracee(*args: str, timeout: float = 180, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRACEE, *args], capture_output=True, text=True, timeout=timeout, **kwargs
    )


def _literal(path: Path) -> str:
    """A SQL string literal for a path (views cannot take bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


@dataclass
class Recording:
    data: Path
    work: Path
    facts: dict[str, Any]
    result: subprocess.CompletedProcess[str]

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = duckdb.connect()
        glob = _literal(self.data / "events" / "*" / "*" / "*.parquet")
        con.execute(
            f"CREATE VIEW events AS SELECT * FROM read_parquet({glob}, hive_partitioning=true, "
            "union_by_name=true)"
        )
        return con.execute(query, params or []).fetchall()

    def one(self, query: str, params: list[Any] | None = None) -> tuple[Any, ...]:
        rows = self.sql(query, params)
        assert len(rows) == 1, rows
        return rows[0]

    def stats(self, query: str) -> list[tuple[Any, ...]]:
        con = duckdb.connect()
        glob = _literal(self.data / "stats" / "*" / "*" / "*.parquet")
        con.execute(
            f"CREATE VIEW stats AS SELECT * FROM read_parquet({glob}, hive_partitioning=true)"
        )
        return con.execute(query).fetchall()


def record_workload(data: Path, work: Path, *options: str) -> Recording:
    """`record OPTIONS -- python3 workload.py WORK` into ``data``, and the facts it printed."""
    result = run_tracee(
        "record", *options, "--data", str(data), "--", sys.executable,
        str(HERE / "workload.py"), str(work),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    return Recording(data=data, work=work, facts=facts, result=result)


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """`record -- python3 workload.py` once; the tests of the module read its output."""
    base = tmp_path_factory.mktemp("workload")
    (base / "work").mkdir()
    return record_workload(base / "data", base / "work", "--quiet")


def require_root() -> None:
    """Capture tests need root; say so plainly instead of skipping."""
    assert os.geteuid() == 0, "the capture tests must run as root (they load eBPF programs)"
