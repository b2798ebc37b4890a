"""The CI examples are valid for their CI systems (the JSON schemas check-jsonschema ships)
and run the commands the docs promise."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ci"


def load(example: str) -> Any:
    """The example as its CI reads it: YAML 1.2, where ``on`` is a key, not ``True``."""
    document = yaml.safe_load((EXAMPLES / example).read_text())
    if isinstance(document, dict) and True in document:
        document["on"] = document.pop(True)
    return document


def vendored_schema(name: str) -> dict[str, Any]:
    path = importlib.resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / name
    return json.loads(path.read_text())


@pytest.mark.parametrize(
    ("example", "schema"),
    [("github-actions.yml", "github-workflows.json"), ("gitlab-ci.yml", "gitlab-ci.json")],
)
def test_example_matches_its_ci_schema(example: str, schema: str) -> None:
    document = load(example)
    validator_class = jsonschema.validators.validator_for(vendored_schema(schema))
    validator = validator_class(vendored_schema(schema))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


@pytest.mark.parametrize("example", ["github-actions.yml", "gitlab-ci.yml"])
def test_example_records_the_build_and_fails_on_high(example: str) -> None:
    text = (EXAMPLES / example).read_text()
    assert "tracee-py record --data tracee-data" in text and "npm ci" in text
    assert "sig run --data tracee-data --fail-on high --strict" in text and "-o sarif" in text


def test_github_example_uploads_sarif_even_when_the_build_fails() -> None:
    workflow = load("github-actions.yml")
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["build"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload"))
    assert upload["if"] == "always()" and upload["with"]["sarif_file"] == "results.sarif"


def test_gitlab_example_keeps_reports_on_failure() -> None:
    job = load("gitlab-ci.yml")["recorded-build"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "tracee-junit.xml"
