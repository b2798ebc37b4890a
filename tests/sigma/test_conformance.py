"""The per-log-source conformance table (library and script) over a small rule set written
here, laid out like a public checkout, and its run over the recording of ``conftest.py``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.sigma.rules import CASES, rule
from tracee_py.signatures.sigma import load_sigma
from tracee_py.signatures.sigma.conformance import conformance

ROOT = Path(__file__).resolve().parents[2]


# (folder under the checkout, file, rule number, category, selection); the auditd rule
# gets ``service: auditd`` and the Windows one ``product: windows``.
CHECKOUT = (
    ("rules/linux/process_creation", "curl.yml", 80, "process_creation", "Image|endswith: /curl"),
    ("rules/linux/process_creation", "pe.yml", 81, "process_creation", "OriginalFileName: x.exe"),
    ("rules/linux/process_creation", "bad.yml", 82, "process_creation", "Image|nonsense: x"),
    ("rules/linux/network_connection", "host.yml", 83, "network_connection",
     "DestinationHostname: a.example"),
    ("rules/linux/network_connection", "port.yml", 84, "network_connection",
     "DestinationPort: 4444"),
    ("rules/linux/auditd", "execve.yml", 85, "process_creation", "a0: curl"),
    ("rules/linux/auditd", "key.yml", 87, "process_creation", "key: x"),
    ("rules/linux/journald", "msg.yml", 88, "process_creation", "MESSAGE: x"),
    ("rules/windows", "cmd.yml", 86, "process_creation", "Image|endswith: cmd.exe"),
)  # fmt: skip


def one_selection(n: int, category: str, selection: str) -> str:
    return rule(n, f"rule {n}", category, f"sel:\n  {selection}\ncondition: sel")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("checkout")
    for folder, name, n, category, selection in CHECKOUT:
        text = one_selection(n, category, selection)
        for service in ("auditd", "journald"):
            if service in folder:
                text = text.replace("category: process_creation", f"service: {service}")
        if "windows" in folder:
            text = text.replace("product: linux", "product: windows")
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(text)
    return root


def test_counts_per_log_source(checkout: Path) -> None:
    report = conformance([checkout])
    rows = [(t.logsource, t.counted, t.rules, t.converted, dict(t.reasons)) for t in report.tallies]
    assert rows == [
        ("linux/process_creation", True, 3, 1, {"field OriginalFileName": 1, "not valid Sigma": 1}),
        ("linux/network_connection", True, 2, 1, {"field DestinationHostname": 1}),
        ("linux/service:auditd", True, 2, 1, {"field key": 1}),
        ("linux/service:journald", False, 1, 0, {"log source not recorded": 1}),
        ("windows/process_creation", False, 1, 0, {"log source not recorded": 1}),
    ]
    assert report.total() == (7, 3)
    assert report.total(counted=False) == (2, 0)
    assert report.rate == 3 / 7
    assert report.problems == 1
    assert report.tallies[3].why == "log source not recorded"


def test_converted_rules_run_over_the_recording(checkout: Path, recording: Path) -> None:
    report = conformance([checkout], recording=recording)
    ran = [(t.logsource, t.ran, t.findings, t.runtime_errors) for t in report.tallies[:3]]
    assert ran == [
        ("linux/process_creation", 1, 1, []),
        ("linux/network_connection", 1, 1, []),
        ("linux/service:auditd", 1, 1, []),
    ]


def test_script_prints_the_table(checkout: Path, recording: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sigma-conformance.py"), str(checkout),
         "--data", str(recording), "--label", "written here"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert out[0] == "Rule set: written here"
    assert out[4] == (
        "| linux/process_creation | yes | 3 | 1 | field OriginalFileName (1), "
        "not valid Sigma (1) | 1 of 1 | 1 (1) |"
    )
    assert out[6] == "| linux/service:auditd | yes | 2 | 1 | field key (1) | 1 of 1 | 1 (1) |"
    assert out[7] == (
        "| linux/service:journald | no: log source not recorded | 1 | 0 | "
        "log source not recorded (1) | 0 of 0 | 0 (0) |"
    )
    assert "Counted log sources: 3 of 7 rules converted (42.9%); not valid Sigma: 1." in out
    missing = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sigma-conformance.py"), str(checkout / "nope")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"error: {checkout / 'nope'} does not exist"


def test_a_bad_date_is_ignored_and_said(tmp_path: Path) -> None:
    (tmp_path / "date.yml").write_text(CASES["bad_date"][0])
    [conversion] = load_sigma([tmp_path]).conversions
    assert conversion.status == "converted"
    assert conversion.reason == (
        "ignored invalid metadata: Rule date '2023/30/05' is invalid, use yyyy-mm-dd; "
        "Rule modified 'someday' is invalid, use yyyy-mm-dd"
    )
    assert conversion.logsource == "linux/process_creation"


def test_a_rule_that_cannot_run_does_not_claim_its_id(tmp_path: Path) -> None:
    host = one_selection(90, "network_connection", "DestinationHostname: x")
    curl = one_selection(90, "process_creation", "Image|endswith: /curl")
    (tmp_path / "a.yml").write_text(host)
    (tmp_path / "b.yml").write_text(curl)
    (tmp_path / "c.yml").write_text(curl)
    report = [(c.file.name, c.status) for c in load_sigma([tmp_path]).conversions]
    assert report == [
        ("a.yml", "not_converted"),
        ("b.yml", "converted"),
        ("c.yml", "not_converted"),
    ]
