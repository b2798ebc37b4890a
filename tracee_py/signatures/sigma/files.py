"""Finding Sigma rule files and reading them as YAML documents with the line of every key.

Rule files come from anywhere, so they are read as ours are: regular files only, at most
256 KiB, no YAML aliases, nesting bounded (see :mod:`tracee_py.signatures.loader`). pySigma
seldom says where in a file a problem is; the key an error concerns is looked up in the
document's key lines instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sigma.exceptions import SigmaRuleLocation

from tracee_py.safeio import UnsafeFile, read_regular
from tracee_py.signatures.loader import MAX_RULE_BYTES, yaml_limit_problem
from tracee_py.signatures.model import Problem, SourceLocation

RULE_SUFFIXES = (".yml", ".yaml")
# Which Sigma error concerns which top-level key, to point at its line.
_ERROR_KEYS = (
    ("SigmaCondition", ("detection", "condition")),
    ("SigmaDetection", ("detection",)),
    ("SigmaModifier", ("detection",)),
    ("SigmaValue", ("detection",)),
    ("SigmaRegularExpression", ("detection",)),
    ("SigmaType", ("detection",)),
    ("SigmaLogsource", ("logsource",)),
    ("SigmaLevel", ("level",)),
    ("SigmaIdentifier", ("id",)),
    ("SigmaStatus", ("status",)),
    ("SigmaDate", ("date",)),
    ("SigmaModified", ("modified",)),
    ("SigmaTitle", ("title",)),
    ("SigmaTag", ("tags",)),
    ("SigmaTimespan", ("correlation", "timespan")),
    ("SigmaCorrelationCondition", ("correlation", "condition")),
    ("SigmaCorrelation", ("correlation",)),
    ("SigmaRuleNotFound", ("correlation", "rules")),
)


@dataclass
class RuleDocument:
    path: Path
    line: int  # where the document starts
    keys: dict[tuple[str, ...], int]  # (key,) and (key, subkey) -> line
    ignored: list[str] = field(default_factory=list)  # metadata errors the rule converts with


def sigma_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Rule files under ``paths`` (files, or directories searched recursively)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in RULE_SUFFIXES and not any(s.startswith(".") for s in p.parts[-1:])
            )
            if not found:
                problems.append(Problem(SourceLocation(path), "no Sigma rules (*.yml, *.yaml)"))
            files += found
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(SourceLocation(path), "Sigma rule path does not exist"))
    return files, problems


def read_documents(path: Path) -> tuple[list[tuple[dict[str, Any], RuleDocument]], list[Problem]]:
    try:
        text = read_regular(path, MAX_RULE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError, UnsafeFile) as exc:
        return [], [Problem(SourceLocation(path), f"cannot read: {exc}")]
    try:
        limit = yaml_limit_problem(text, path)
        if limit is not None:
            return [], [limit]
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        values = list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        return [], [Problem(SourceLocation(path, line), f"not valid YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return [], [Problem(SourceLocation(path), f"not valid YAML: {exc}")]
    out: list[tuple[dict[str, Any], RuleDocument]] = []
    problems: list[Problem] = []
    for node, value in zip(nodes, values, strict=True):
        if node is None:
            continue
        line = node.start_mark.line + 1
        if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
            problems.append(Problem(SourceLocation(path, line), "a Sigma rule must be a mapping"))
            continue
        out.append((value, RuleDocument(path, line, _key_lines(node))))
    return out, problems


def _key_lines(node: yaml.MappingNode) -> dict[tuple[str, ...], int]:
    lines: dict[tuple[str, ...], int] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        lines[(key.value,)] = key.start_mark.line + 1
        if isinstance(value, yaml.MappingNode):
            for sub, _ in value.value:
                if isinstance(sub, yaml.ScalarNode):
                    lines[(key.value, sub.value)] = sub.start_mark.line + 1
    return lines


def error_line(exc: Exception, doc: RuleDocument) -> int:
    source = getattr(exc, "source", None)
    if isinstance(source, SigmaRuleLocation) and source.line:
        return source.line
    name = type(exc).__name__
    for prefix, keys in _ERROR_KEYS:
        if name.startswith(prefix):
            for n in range(len(keys), 0, -1):
                if keys[:n] in doc.keys:
                    return doc.keys[keys[:n]]
    return doc.line


def message(exc: Exception) -> str:
    """The error without pySigma's ' in <absolute path>' suffix (the file is said once)."""
    text = str(exc.args[0]) if exc.args else str(exc)
    return " ".join(text.split()) or type(exc).__name__
