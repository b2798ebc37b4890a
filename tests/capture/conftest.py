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

import pytest

from tracee_py.query.dataset import open_dataset

HERE = Path(__file__).resolve().parent
TRACEE = [sys.executable, "-m", "tracee_py"]
# The kernel matrix runs these tests in emulated guests, where compiling the BPF programs
# takes several times longer: it sets a factor for the limits below.
TIME_SCALE = float(os.environ.get("TRACEE_PY_TEST_TIME_SCALE", "1"))


def run_tracee(*args: str, timeout: float = 180, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRACEE, *args], capture_output=True, text=True, timeout=timeout * TIME_SCALE, **kwargs
    )


@dataclass
class Recording:
    data: Path
    work: Path
    facts: dict[str, Any]
    result: subprocess.CompletedProcess[str]

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """``query`` over the recording, read through the project's own dataset layer (the
        ``events``, ``processes`` and ``stats`` views every command reads)."""
        ds = open_dataset(self.data)
        try:
            return ds.con.execute(query, params or []).fetchall()
        finally:
            ds.close()

    def one(self, query: str, params: list[Any] | None = None) -> tuple[Any, ...]:
        rows = self.sql(query, params)
        assert len(rows) == 1, rows
        return rows[0]

    def stats(self, query: str) -> list[tuple[Any, ...]]:
        return self.sql(query)


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
