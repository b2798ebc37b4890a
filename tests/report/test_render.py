"""What the page is drawn from: escaping of recorded strings, and what is kept under a cap."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.query.conftest import Scenario, at
from tests.report.conftest import HOSTILE_CLOSE, Incident
from tracee_py.query import open_dataset
from tracee_py.report import Limits, ReportData, ReportSubject, script_json, visible, write_report
from tracee_py.report.collect import collect
from tracee_py.report.render import view
from tracee_py.signatures import builtin_catalog, load_signatures


def test_script_json_cannot_end_its_element() -> None:
    value = {"cmd": HOSTILE_CLOSE, "amp": "a&b", "sep": "x\u2028y", "<k>": 1}
    text = str(script_json(value))
    assert not set("<>&") & set(text)
    assert "\u2028" not in text
    assert json.loads(text) == value


def test_control_characters_show_as_escapes() -> None:
    assert visible("red\x1b[31m\x00bell\x07\ttab\nline") == "red\\x1b[31m\\x00bell\\x07\ttab\nline"
    assert visible("\x9b") == "\\x9b"
    assert visible(42) == 42


@pytest.fixture(scope="module")
def data(incident: Incident) -> ReportData:
    sigs = load_signatures([builtin_catalog()], check_samples=False).signatures
    with open_dataset(incident.root) as ds:
        return collect(ds, ReportSubject(), limits=Limits(), signatures=sigs)


def test_every_process_and_exec_of_the_incident(data: ReportData, incident: Incident) -> None:
    assert set(data.processes) == set(incident.ids.values())
    server = data.processes[incident.id("server")]
    assert (server.failed_execs, server.ending) == (3, "killed by SIGTERM")
    assert server.command == "python3 -m http.server 8765 --bind 127.0.0.1"
    assert data.failed_exec_attempts == 4
    tables = {t.key: t for t in data.tables}
    assert [r[0] for r in tables["failed_execs"].rows] == [
        "/usr/local/sbin/python3",
        "/usr/local/bin/python3",
        "/usr/sbin/python3",
        "/usr/local/bin/id",
    ]
    executed = [r[0] for r in tables["executed"].rows]
    assert "/usr/local/bin/id" not in executed and "/usr/bin/id" in executed
    assert sorted(f.signature_id for f in data.findings) == [
        "non-standard-port-shell",  # the miner's python3 talks to port 3333
        "shadow-read",
        "shell-history-deletion",
        "tmp-download-exec",
        "user-discovery",  # the incident runs `id`
    ]


def test_a_small_tree_keeps_the_findings_and_their_ancestors(
    data: ReportData, incident: Incident
) -> None:
    v = view(data, Limits(tree_nodes=1, table_rows=1, timeline_total=2))
    kept = {p.process_id for p in v.processes}
    # The most severe finding first (high, earliest): the payload, and its ancestors.
    chain = ["init", "sshd", "bash", "incident", "payload"]
    assert kept == {incident.id(n) for n in chain}
    assert [f.signature_id for f in v.findings] == ["tmp-download-exec"]
    for p in v.payload["procs"].values():  # never a child without its parent
        assert p["parent"] is None or p["parent"] in v.payload["procs"]
    assert list(v.payload["timelines"]) == [str(incident.id("payload"))]
    assert any(c.startswith("the tree shows 5 of 15 processes") for c in v.cuts)


def test_window(incident: Incident, tmp_path: Path) -> None:
    out = tmp_path / "w.html"
    summary = write_report(incident.root, out, ReportSubject(from_ns=at(4), to_ns=at(4.5)))
    # sudo, and the long-lived processes around it
    assert summary.processes == 4
    assert "Password hashes" not in out.read_text()


def test_containers_pods_and_nodes(scenario: Scenario) -> None:
    """The query tests' two-node recording: a container in a pod, a kill, a lost fork."""
    with open_dataset(scenario.root) as ds:
        data = collect(ds, ReportSubject(), limits=Limits(), signatures=[])
    nginx = data.processes[scenario.id("alpha:nginx")]
    assert nginx.where == "container web, pod prod/web-1"
    assert (nginx.user, nginx.node) == ("root", "alpha")
    assert data.processes[scenario.id("alpha:sleep")].ending == "killed by SIGKILL"
    assert data.processes[scenario.id("beta:curl")].node == "beta"
    assert data.findings == [] and data.recording.lost == 7
    v = view(data, Limits())
    assert v.payload["nodes"] == 2


def test_findings_carry_their_confidence(
    data: ReportData, incident: Incident, tmp_path: Path
) -> None:
    by_id = {f.signature_id: f for f in data.findings}
    assert {s: (f.severity, f.confidence) for s, f in by_id.items()} == {
        "shadow-read": ("high", "high"),
        "shell-history-deletion": ("medium", "medium"),
        "tmp-download-exec": ("high", "medium"),
        "user-discovery": ("info", "low"),
        "non-standard-port-shell": ("medium", "low"),
    }
    v = view(data, Limits())
    assert {f["sig"]: f["conf"] for f in v.payload["findings"].values()} == {
        "shadow-read": "high",
        "shell-history-deletion": "medium",
        "tmp-download-exec": "medium",
        "user-discovery": "low",
        "non-standard-port-shell": "low",
    }
    out = tmp_path / "report.html"
    write_report(incident.root, out)
    html = out.read_text()
    rows = re.findall(r'<tr data-sev="(\w+)" data-rank="\d" data-confidence="(\w+)"', html)
    assert sorted(rows) == [
        ("high", "high"),
        ("high", "medium"),
        ("info", "low"),
        ("medium", "low"),
        ("medium", "medium"),
    ]
    assert html.count('<span class="small muted confidence">medium confidence</span>') == 2
