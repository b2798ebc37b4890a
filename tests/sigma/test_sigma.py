"""Sigma rules over a recording: every supported modifier, log source and correlation type,
with the exact findings each must give; the conversion report; malformed and hostile rules."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.sigma.rules import (
    CASES,
    CORRELATION_EXPECTED,
    CORRELATION_NOT_CONVERTED,
    MORE_CORRELATIONS,
    NOT_CONVERTED,
    rule,
    uuid,
    write_rules,
)
from tracee_py.cli.app import app
from tracee_py.signatures import run_on_dataset
from tracee_py.signatures.model import Severity
from tracee_py.signatures.sigma import CONVERTED, load_sigma

SECOND0 = "2026-03-14T22:00:"
# Every rule write_rules writes: one file per case, the connect rule, three correlations
# and three temporal documents, and the further correlations.
RULES_WRITTEN = len(CASES) + len(NOT_CONVERTED) + 7 + len(MORE_CORRELATIONS)


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rules(tmp_path_factory.mktemp("sigma-rules") / "rules")


@pytest.fixture(scope="module")
def findings(rules_dir: Path, recording: Path) -> dict[str, list[tuple[int, int]]]:
    loaded = load_sigma([rules_dir])
    assert not loaded.problems
    result = run_on_dataset(recording, loaded.signatures)
    assert not result.errors, result.warnings
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for f in result.findings:
        assert f.time.startswith(SECOND0)
        out[f.signature_id].append((f.process_id, int(f.time[len(SECOND0) : len(SECOND0) + 2])))
    return out


def _case_id(name: str) -> str:
    text = CASES[name][0]
    return text.split("id: ", 1)[1].split("\n", 1)[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_gives_exactly_its_findings(
    name: str, findings: dict[str, list[tuple[int, int]]]
) -> None:
    assert findings.get(_case_id(name), []) == CASES[name][1]


@pytest.mark.parametrize("rule_id", sorted(CORRELATION_EXPECTED))
def test_correlation_gives_exactly_its_findings(
    rule_id: str, findings: dict[str, list[tuple[int, int]]]
) -> None:
    assert findings.get(rule_id, []) == CORRELATION_EXPECTED[rule_id]


def test_rules_used_by_a_correlation_do_not_run_alone(
    findings: dict[str, list[tuple[int, int]]], rules_dir: Path
) -> None:
    for n in (30, 40, 41):
        assert uuid(n) not in findings
    report = {c.id: c for c in load_sigma([rules_dir]).conversions}
    assert report[uuid(30)].status == CONVERTED
    assert "used by correlation" in (report[uuid(30)].reason or "")


def test_every_rule_is_in_the_report_with_its_reason(rules_dir: Path) -> None:
    report = load_sigma([rules_dir]).conversions
    ids = [c.id for c in report]
    assert len(ids) == len(set(ids)) == RULES_WRITTEN
    by_file = {c.file.stem: c for c in report if c.file.parent == rules_dir}
    for name, (_, fragment) in NOT_CONVERTED.items():
        assert by_file[name].status == "not_converted"
        assert fragment in (by_file[name].reason or "")
    for rule_id, reason in CORRELATION_NOT_CONVERTED.items():
        unsupported = next(c for c in report if c.id == rule_id)
        assert (unsupported.status, unsupported.reason) == ("not_converted", reason)
    for rule_id in CORRELATION_EXPECTED:
        assert next(c for c in report if c.id == rule_id).status == CONVERTED


def test_finding_shape(rules_dir: Path, recording: Path) -> None:
    loaded = load_sigma([rules_dir])
    sig = next(s for s in loaded.signatures if s.id == uuid(15))
    assert sig.name == "private network"
    assert sig.severity is Severity.MEDIUM
    assert (sig.tactic.id, sig.tactic.name) == ("TA0011", "Command and Control")
    assert sig.technique.id == "T1071"
    assert sig.false_positives == ("Administrators",)
    assert sig.rule_file == rules_dir / "cidr.yml"
    result = run_on_dataset(recording, [sig])
    first = result.findings[0].to_dict()
    assert first["signature_id"] == uuid(15)
    assert first["exe"] == "/usr/bin/curl"
    assert first["ancestry"] == ["/usr/bin/bash"]
    assert first["evidence"] == {"destination_ip": "10.1.2.3", "initiated": "true"}
    critical = next(s for s in loaded.signatures if s.id == uuid(18))
    assert critical.severity is Severity.CRITICAL


def test_hostile_rule_stays_in_the_sandbox(
    findings: dict[str, list[tuple[int, int]]], rules_dir: Path
) -> None:
    assert not Path("/tmp/sigma-pwned.csv").exists()
    sig = next(s for s in load_sigma([rules_dir]).signatures if s.id == uuid(21))
    assert sig.detail == "Sigma: quote {{exe}} ' ; COPY"


MALFORMED = {
    "bad_yaml.yml": ("title: x\ndetection: [unclosed\n", 3),
    "bad_condition.yml": (
        "title: bad condition\nid: 00000000-0000-4000-8000-000000000099\n"
        "logsource: {product: linux, category: process_creation}\n"
        "detection:\n  sel:\n    Image: /bin/sh\n  condition: sel and missing\n",
        7,
    ),
    "bad_modifier.yml": (
        "title: bad modifier\nid: 00000000-0000-4000-8000-000000000098\n"
        "logsource: {product: linux, category: process_creation}\n"
        "detection:\n  sel:\n    Image|nonsense: /bin/sh\n  condition: sel\n",
        4,
    ),
    "alias.yml": ("a: &x [1]\nb: *x\n", 2),
    "list.yml": ("- not\n- a mapping\n", 1),
}


def test_malformed_rules_are_problems_with_file_and_line(tmp_path: Path) -> None:
    for name, (text, _) in MALFORMED.items():
        (tmp_path / name).write_text(text)
    loaded = load_sigma([tmp_path])
    lines = {p.where.file.name: p.where.line for p in loaded.problems}
    assert lines == {name: line for name, (_, line) in MALFORMED.items()}
    runner = CliRunner()
    result = runner.invoke(app, ["sig", "check", "--sigma", str(tmp_path), "-o", "jsonl"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(Path(r["file"]).name, r["line"], r["status"]) for r in rows} == {
        (name, line, "not_converted") for name, (_, line) in MALFORMED.items()
    }
    assert f"{tmp_path / 'bad_condition.yml'}:7:" in result.stderr


def test_sig_check_sigma_jsonl(rules_dir: Path) -> None:
    result = CliRunner().invoke(app, ["sig", "check", "--sigma", str(rules_dir), "-o", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == RULES_WRITTEN
    for row in rows:
        assert {"file", "id", "title", "status", "reason"} <= set(row)
    not_converted = len(NOT_CONVERTED) + len(CORRELATION_NOT_CONVERTED)
    assert sum(r["status"] == "not_converted" for r in rows) == not_converted


def test_sig_run_sigma_sarif_and_junit(rules_dir: Path, recording: Path) -> None:
    runner = CliRunner()
    args = ["sig", "run", "--data", str(recording), "--no-builtin", "--sigma", str(rules_dir)]
    sarif = runner.invoke(app, [*args, "-o", "sarif"])
    assert sarif.exit_code == 0, sarif.output
    log = json.loads(sarif.stdout)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules[uuid(1)]["shortDescription"]["text"] == "curl ran"
    assert rules[uuid(1)]["properties"]["rule-file"] == str(rules_dir / "endswith.yml")
    expected = sum(len(v) for _, v in CASES.values()) + sum(
        len(v) for v in CORRELATION_EXPECTED.values()
    )
    assert len(log["runs"][0]["results"]) == expected
    junit = runner.invoke(app, [*args, "-o", "junit"])
    root = ET.fromstring(junit.stdout)
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith(uuid(18)))
    assert case.get("file") == str(rules_dir / "file_delete.yml")
    assert case.find("failure") is not None
    failed = runner.invoke(app, [*args, "--fail-on", "critical"])
    assert failed.exit_code == 1


def test_a_sigma_rule_cannot_replace_a_catalog_signature(tmp_path: Path, recording: Path) -> None:
    text = CASES["endswith"][0].replace(f"id: {uuid(1)}\n", "name: shadow-read\n")
    (tmp_path / "clash.yml").write_text(text)
    result = CliRunner().invoke(
        app, ["sig", "run", "--data", str(recording), "--sigma", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "duplicate signature id 'shadow-read'" in result.stderr


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sigma"


def test_example_rules_report() -> None:
    runner = CliRunner()
    table = runner.invoke(app, ["sig", "check", "--sigma", str(EXAMPLES)])
    assert table.exit_code == 0, table.output
    assert "9 Sigma rules: 8 converted, 1 not converted" in table.stderr
    rows = runner.invoke(app, ["sig", "check", "--sigma", str(EXAMPLES), "-o", "json"])
    status = {Path(r["file"]).name + f":{r['line']}": r["status"] for r in json.loads(rows.stdout)}
    assert status == {
        "auditd-download-then-chmod.yml:1": "converted",
        "auditd-download-then-chmod.yml:18": "converted",
        "auditd-download-then-chmod.yml:39": "converted",
        "download-to-tmp.yml:1": "converted",
        "log-deleted.yml:1": "converted",
        "office-name.yml:1": "not_converted",
        "private-port-scan.yml:1": "converted",
        "private-port-scan.yml:21": "converted",
        "shell-from-web-server.yml:1": "converted",
    }


def test_sig_run_refuses_malformed_rules_and_counts_unconverted(
    tmp_path: Path, recording: Path
) -> None:
    (tmp_path / "ok.yml").write_text(CASES["endswith"][0])
    (tmp_path / "windows.yml").write_text(NOT_CONVERTED["windows"][0])
    args = ["sig", "run", "--data", str(recording), "--no-builtin", "--sigma", str(tmp_path)]
    runner = CliRunner()
    result = runner.invoke(app, [*args, "-o", "jsonl"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["signature_id"] for line in result.stdout.splitlines()] == [uuid(1)]
    assert "1 of 2 Sigma rules not converted" in result.stderr
    (tmp_path / "bad.yml").write_text(MALFORMED["bad_condition.yml"][0])
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert f"{tmp_path / 'bad.yml'}:7:" in refused.stderr


def test_duplicate_ids_are_not_converted_twice(tmp_path: Path) -> None:
    text = CASES["endswith"][0]
    (tmp_path / "a.yml").write_text(text + "---\n" + text)
    (tmp_path / "b.yml").write_text(text)
    report = load_sigma([tmp_path]).conversions
    assert [(c.file.name, c.line, c.status, c.reason) for c in report] == [
        ("a.yml", 1, "converted", None),
        (
            "a.yml",
            text.count("\n") + 2,
            "not_converted",
            f"duplicate id (first in {tmp_path / 'a.yml'}:1)",
        ),
        ("b.yml", 1, "not_converted", f"duplicate id (first in {tmp_path / 'a.yml'}:1)"),
    ]


def test_base64_values_match_case_sensitively(rules_dir: Path) -> None:
    signatures = {s.id: s for s in load_sigma([rules_dir]).signatures}
    offset = signatures[uuid(8)].sql.split("WHERE")[-1]
    assert " LIKE '%Y3Vyb%' ESCAPE" in offset and "ILIKE" not in offset
    whole = signatures[uuid(9)].sql.split("WHERE")[-1]
    assert " LIKE '%Y3VybA==%' ESCAPE" in whole and "ILIKE" not in whole


def test_confidence_comes_from_the_rule_status(tmp_path: Path, recording: Path) -> None:
    detection = "sel:\n  Image|endswith: /curl\ncondition: sel"
    statuses = {"stable": 31, "test": 32, "experimental": 33, "deprecated": 34, None: 35}
    for status, n in statuses.items():
        text = rule(n, f"curl {status}", "process_creation", detection)
        text = text.replace("status: test\n", f"status: {status}\n" if status else "")
        (tmp_path / f"r{n}.yml").write_text(text)
    loaded = load_sigma([tmp_path])
    by_id = {s.id: s.confidence.label for s in loaded.signatures}
    assert by_id == {
        uuid(31): "high",
        uuid(32): "medium",
        uuid(33): "low",
        uuid(34): "low",
        uuid(35): "low",
    }
    result = run_on_dataset(recording, [s for s in loaded.signatures if s.id == uuid(31)])
    assert [f.to_dict()["confidence"] for f in result.findings] == ["high"]
