"""End to end: real workloads recorded with eBPF by ``tracee-py record -- CMD``, then the
whole catalog run over the recording with ``tracee-py sig run``.

These need root and BPF; like the capture tests they never skip: on a machine without BPF
they fail with the recorder's message. The benign build must give no finding at medium or
above; each harmless-but-malicious-looking action must fire its signature on the exact
process that did it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import CATALOG_SIZE, TRACEE
from .test_report import validate_sarif

WORKLOADS = Path(__file__).resolve().parent / "workloads"
pytestmark = pytest.mark.ebpf


def record(data: Path, *command: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [TRACEE, "record", "--data", str(data), "-q", "--", *command],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"record failed ({proc.returncode}):\n{proc.stderr}"
    return proc


def sig_run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRACEE, "sig", "run", "--data", str(data), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def benign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("benign")
    (base / "work").mkdir()
    record(base / "data", sys.executable, str(WORKLOADS / "benign.py"), str(base / "work"))
    return base / "data"


@pytest.fixture(scope="module")
def malicious(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    base = tmp_path_factory.mktemp("malicious")
    (base / "work").mkdir()
    facts = base / "facts.json"
    record(
        base / "data",
        sys.executable,
        str(WORKLOADS / "malicious.py"),
        str(base / "work"),
        str(facts),
    )
    return base / "data", json.loads(facts.read_text())


def test_benign_build_has_no_medium_findings(benign: Path) -> None:
    """pip install of a local wheel, gcc, running the binary, pytest: what CI does."""
    proc = sig_run(benign, "-o", "json", "--fail-on", "medium")
    findings = json.loads(proc.stdout)
    serious = [
        f"{f['signature_id']}: {f['detail']}"
        for f in findings
        if f["severity"] not in ("info", "low")
    ]
    assert serious == []
    assert proc.returncode == 0, proc.stderr
    events = int(proc.stderr.rsplit(" over ", 1)[1].split()[0])
    assert events > 500, "the recording should hold the whole build"


def test_benign_build_sarif_for_ci(benign: Path) -> None:
    proc = sig_run(benign, "-o", "sarif", "--fail-on", "high")
    assert proc.returncode == 0, proc.stderr
    log = json.loads(proc.stdout)
    validate_sarif(log)
    # Only notes (info and low): discovery building blocks fire on a build too (Python's
    # platform module runs uname), and never above low.
    assert [r for r in log["runs"][0]["results"] if r["level"] != "note"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == CATALOG_SIZE


@pytest.fixture(scope="module")
def malicious_findings(
    malicious: tuple[Path, dict[str, int]],
) -> dict[str, list[dict[str, Any]]]:
    proc = sig_run(malicious[0], "-o", "jsonl")
    assert proc.returncode == 0, proc.stderr
    out: dict[str, list[dict[str, Any]]] = {}
    for line in proc.stdout.splitlines():
        f = json.loads(line)
        out.setdefault(f["signature_id"], []).append(f)
    return out


@pytest.mark.parametrize(
    ("signature", "comm"),
    [
        ("shadow-read", "cat"),
        ("ld-preload-env", "true"),
        ("ptrace-traceme", "<python>"),
        ("hidden-file-exec", ".hidden-tool"),
        ("reverse-shell-socket-dup", None),
        ("memfd-exec", None),
        ("setuid-setgid-bit", "chmod"),
        ("shell-history-deletion", "rm"),
        ("kernel-thread-masquerade", "true"),
        ("cryptominer-exec", "xmrig"),
    ],
)
def test_malicious_action_fires_on_its_process(
    malicious: tuple[Path, dict[str, int]],
    malicious_findings: dict[str, list[dict[str, Any]]],
    signature: str,
    comm: str | None,
) -> None:
    _, facts = malicious
    found = malicious_findings.get(signature, [])
    assert [f["pid"] for f in found] == [facts[signature]], found
    [finding] = found
    if comm == "<python>":  # the workload runs sys.executable: comm is its file name
        comm = Path(sys.executable).name[:15]
    if comm is not None:
        assert finding["comm"] == comm
    assert finding["process_id"] and finding["node"]
    assert any("python" in a for a in finding["ancestry"]), finding["ancestry"]
    assert finding["time"].endswith("Z") and len(finding["time"]) == len(
        "2026-03-14T22:00:00.123456789Z"
    )


def test_malicious_recording_fails_the_build(malicious: tuple[Path, dict[str, int]]) -> None:
    data, _ = malicious
    proc = sig_run(data, "-o", "sarif", "--fail-on", "high")
    assert proc.returncode == 1
    log = json.loads(proc.stdout)
    validate_sarif(log)
    fired = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert {"shadow-read", "reverse-shell-socket-dup", "memfd-exec"} <= fired
