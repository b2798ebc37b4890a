"""Findings as documents: JSON, JSON lines, SARIF 2.1.0 and JUnit XML.

These functions return text or dicts; the CLI decides where they go.
"""

from __future__ import annotations

import hashlib
import json
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from tracee_py import __version__
from tracee_py.printable import xml_text
from tracee_py.signatures.engine import RunResult, SignatureRun
from tracee_py.signatures.model import Confidence, Finding, Severity, Signature

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "tracee-py"

# SARIF has three problem levels; GitHub code scanning ranks security alerts by the
# numeric ``security-severity`` property of the rule (>= 9 critical, >= 7 high, >= 4
# medium, else low).
SARIF_LEVEL = {
    Severity.INFO: "note",
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}
SECURITY_SEVERITY = {
    Severity.INFO: "1.0",
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}

# GitHub code scanning reads a rule's ``precision`` (very-high, high, medium, low) beside
# its security-severity; ours is the rule's confidence, one to one.
SARIF_PRECISION = {
    Confidence.LOW: "low",
    Confidence.MEDIUM: "medium",
    Confidence.HIGH: "high",
}


def findings_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"


def findings_jsonl(findings: Sequence[Finding]) -> str:
    return "".join(json.dumps(f.to_dict(), ensure_ascii=False) + "\n" for f in findings)


def ancestry_text(finding: Finding, limit: int = 6) -> str:
    """``bash <- nginx <- systemd``: the process and its ancestors, by image name."""
    names = [PurePath(finding.exe).name if finding.exe else (finding.comm or "?")]
    names += [PurePath(a).name or a for a in finding.ancestry]
    if len(names) > limit:
        names = [*names[: limit - 1], "...", names[-1]]
    return " <- ".join(names)


# -- SARIF ------------------------------------------------------------------------------------


def sarif_log(
    result: RunResult, *, artifact_uri: str = "tracee-data", command: str | None = None
) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: every signature as a rule, every finding a result.

    Findings are about processes, not source lines, so each result points at
    ``artifact_uri`` (the recording, or a file of the repository the CI job built) and
    names the process as a logical location.
    """
    signatures = [run.signature for run in result.runs]
    index = {sig.id: i for i, sig in enumerate(signatures)}
    results = [_sarif_result(f, index[f.signature_id], artifact_uri) for f in result.findings]
    notifications = [{"level": "warning", "message": {"text": w}} for w in result.warnings]
    invocation: dict[str, Any] = {
        "executionSuccessful": not result.errors,
        "toolExecutionNotifications": notifications,
    }
    if command:
        invocation["commandLine"] = command
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_sarif_rule(sig) for sig in signatures],
                    }
                },
                "invocations": [invocation],
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def sarif_text(result: RunResult, **kwargs: Any) -> str:
    return json.dumps(sarif_log(result, **kwargs), indent=2, ensure_ascii=False) + "\n"


def _sarif_rule(sig: Signature) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": sig.id,
        "name": "".join(part.capitalize() for part in sig.id.split("-")),
        "shortDescription": {"text": sig.name},
        "fullDescription": {"text": sig.description},
        "help": {"text": help_text(sig), "markdown": help_markdown(sig)},
        "defaultConfiguration": {"level": SARIF_LEVEL[sig.severity]},
        "properties": {
            "tags": mitre_tags(sig),
            "security-severity": SECURITY_SEVERITY[sig.severity],
            "severity": sig.severity.label,
            "precision": SARIF_PRECISION[sig.confidence],
            "confidence": sig.confidence.label,
            "mitre-tactic": str(sig.tactic),
            "mitre-technique": str(sig.technique),
            "mitre-also": [str(ref) for ref in sig.also],
            "rule-file": str(sig.rule_file),
        },
    }
    if sig.technique.id:  # Sigma rules may carry no ATT&CK tag
        rule["helpUri"] = technique_url(sig.technique.id)
    return rule


def mitre_tags(sig: Signature) -> list[str]:
    tags = ["security", "mitre-attack"]
    refs = (sig.tactic, sig.technique, *sig.also)
    tags += [f"external/mitre-attack/{ref.id}" for ref in refs if ref.id]
    return tags + [t for t in sig.tags if t not in tags]


def technique_url(technique_id: str) -> str:
    return "https://attack.mitre.org/techniques/" + technique_id.replace(".", "/") + "/"


def help_text(sig: Signature) -> str:
    lines = [
        sig.description,
        "",
        f"MITRE ATT&CK: {sig.tactic} / {sig.technique}",
        *[f"Also: {ref}" for ref in sig.also],
        f"Severity: {sig.severity.label}",
        f"Confidence: {sig.confidence.label}",
    ]
    if sig.false_positives:
        lines += ["", "Known benign look-alikes:"] + [f"- {fp}" for fp in sig.false_positives]
    if sig.status:
        lines += ["", f"Status: {sig.status}"]
    return "\n".join(lines)


def help_markdown(sig: Signature) -> str:
    lines = [
        sig.description,
        "",
        f"**MITRE ATT&CK:** {sig.tactic} / [{sig.technique}]({technique_url(sig.technique.id)})",
        *[f"**Also:** [{ref}]({technique_url(ref.id)})" for ref in sig.also],
        f"**Severity:** {sig.severity.label}",
        f"**Confidence:** {sig.confidence.label}",
    ]
    if sig.false_positives:
        lines += ["", "**Known benign look-alikes:**"] + [f"- {fp}" for fp in sig.false_positives]
    for ref in sig.references:
        lines.append(f"- <{ref}>")
    if sig.status:
        lines += ["", f"**Status:** {sig.status}"]
    return "\n".join(lines)


def _sarif_result(f: Finding, rule_index: int, artifact_uri: str) -> dict[str, Any]:
    process = f"{f.comm or '?'} (pid {f.pid if f.pid is not None else '?'})"
    message = f"{f.detail} [process {process}; ancestry {ancestry_text(f)}"
    if f.container_name or f.container_id:
        message += f"; container {f.container_name or f.container_id}"
    if f.pod_name:
        message += f"; pod {f.pod_namespace or '?'}/{f.pod_name}"
    message += f"; node {f.node or '?'}; {f.time}]"
    fingerprint = hashlib.sha256(
        "\x1f".join([f.signature_id, f.node or "", f.exe or "", f.detail]).encode()
    ).hexdigest()
    return {
        "ruleId": f.signature_id,
        "ruleIndex": rule_index,
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {
                        "name": f.comm or "?",
                        "fullyQualifiedName": f"{f.node or '?'}/pid/{f.pid}/{f.process_id}",
                        "kind": "process",
                    }
                ],
            }
        ],
        "partialFingerprints": {"traceePyFinding/v1": fingerprint},
        "properties": f.to_dict(),
    }


# -- JUnit XML --------------------------------------------------------------------------------


def junit_xml(result: RunResult, *, suite_name: str = "tracee-py signatures") -> str:
    """One ``testcase`` per signature: a ``failure`` when it found something, an ``error``
    when its query failed, ``skipped`` when it cannot fire on recordings yet."""
    runs = result.runs
    failures = sum(1 for r in runs if r.findings and not r.error)
    errors = sum(1 for r in runs if r.error)
    skipped = sum(1 for r in runs if not r.findings and not r.error and r.signature.status)
    total_time = f"{sum(r.seconds for r in runs):.3f}"
    counts = {
        "tests": str(len(runs)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(skipped),
        "time": total_time,
    }
    root = ET.Element("testsuites", {"name": suite_name, **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": suite_name,
            **counts,
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "hostname": socket.gethostname(),
        },
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "tool", "value": f"{TOOL_NAME} {__version__}"})
    ET.SubElement(props, "property", {"name": "events_loaded", "value": str(result.rows_loaded)})
    for run in runs:
        _junit_case(suite, run)
    if result.warnings:
        ET.SubElement(suite, "system-err").text = "\n".join(result.warnings)
    _xml_safe(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _xml_safe(root: ET.Element) -> None:
    """Every text and attribute as XML 1.0 can hold it: recorded strings may carry any
    character, and ElementTree writes control characters as they are (an XML parser then
    refuses the whole report)."""
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        for key, value in element.attrib.items():
            element.set(key, xml_text(value))


def _junit_case(suite: ET.Element, run: SignatureRun) -> None:
    sig = run.signature
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": f"signatures.{(sig.tactic.name or 'unmapped').lower().replace(' ', '_')}",
            "name": f"{sig.id}: {sig.name}",
            "file": str(sig.rule_file),
            "time": f"{run.seconds:.3f}",
        },
    )
    if run.error:
        error = ET.SubElement(case, "error", {"message": run.error, "type": "SignatureError"})
        error.text = run.error
    elif run.findings:
        n = len(run.findings)
        failure = ET.SubElement(
            case,
            "failure",
            {
                "message": f"{n} finding{'s' if n != 1 else ''} ({sig.severity.label}, "
                f"confidence {sig.confidence.label}, {sig.technique})",
                "type": sig.severity.label,
            },
        )
        failure.text = "\n".join(
            f"{f.time} node={f.node} pid={f.pid} process_id={f.process_id} "
            f"ancestry={ancestry_text(f)}: {f.detail}"
            for f in run.findings
        )
    elif sig.status:
        ET.SubElement(case, "skipped", {"message": sig.status})
