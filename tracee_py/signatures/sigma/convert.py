"""Sigma rule files -> :class:`Signature` objects that run like our own, plus a report.

Every rule found under the given paths ends up as one :class:`SigmaConversion`: converted
(with the signature that runs it) or not converted, with the reason. A rule that is not
valid Sigma (or not valid YAML) is a :class:`Problem` with its file and line as well.

A converted rule is an ordinary signature: its SQL is ``WITH sigma_rows AS (<log source
rows>) SELECT <finding columns, matched fields> FROM sigma_rows WHERE <condition>``, checked
on empty tables like any signature's, run in the same sandbox with the same timeout.
Correlation rules (event_count, value_count, temporal) become one query over the rows of
the rules they reference, with a sliding time window per group.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)
from sigma.exceptions import (
    SigmaConditionError,
    SigmaDetectionError,
    SigmaError,
    SigmaModifierError,
    SigmaRegularExpressionError,
    SigmaRuleLocation,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule, SigmaRuleBase

from tracee_py.safeio import UnsafeFile, read_regular
from tracee_py.signatures.loader import MAX_RULE_BYTES, yaml_limit_problem
from tracee_py.signatures.model import MitreRef, Problem, Severity, Signature, SourceLocation
from tracee_py.signatures.sigma.backend import TraceeSqlBackend
from tracee_py.signatures.sigma.pipeline import FINDING_COLUMNS, LOG_SOURCES, tracee_pipeline
from tracee_py.signatures.sqlcheck import check_signature_sql

CONVERTED = "converted"
NOT_CONVERTED = "not_converted"
RULE_SUFFIXES = (".yml", ".yaml")

LEVELS = {
    "informational": Severity.INFO,
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}
# ATT&CK tactics for Linux, as Sigma tags them (attack.<name>).
TACTICS = {
    "reconnaissance": ("TA0043", "Reconnaissance"),
    "resource_development": ("TA0042", "Resource Development"),
    "initial_access": ("TA0001", "Initial Access"),
    "execution": ("TA0002", "Execution"),
    "persistence": ("TA0003", "Persistence"),
    "privilege_escalation": ("TA0004", "Privilege Escalation"),
    "defense_evasion": ("TA0005", "Defense Evasion"),
    "credential_access": ("TA0006", "Credential Access"),
    "discovery": ("TA0007", "Discovery"),
    "lateral_movement": ("TA0008", "Lateral Movement"),
    "collection": ("TA0009", "Collection"),
    "command_and_control": ("TA0011", "Command and Control"),
    "exfiltration": ("TA0010", "Exfiltration"),
    "impact": ("TA0040", "Impact"),
}
_TACTIC_BY_ID = {tid: (tid, name) for tid, name in TACTICS.values()}
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
# Errors pySigma finds only while converting that still mean the rule is not valid Sigma
# (a condition naming a missing search, a modifier on the wrong type, a broken regex).
_INVALID = (
    SigmaConditionError,
    SigmaDetectionError,
    SigmaModifierError,
    SigmaRegularExpressionError,
)
_CORRELATION_OPS = {
    SigmaCorrelationConditionOperator.GTE: ">=",
    SigmaCorrelationConditionOperator.GT: ">",
    SigmaCorrelationConditionOperator.EQ: "=",
}


@dataclass(frozen=True)
class SigmaConversion:
    """What became of one Sigma rule."""

    file: Path
    line: int
    id: str | None
    title: str | None
    status: str  # CONVERTED or NOT_CONVERTED
    reason: str | None = None
    kind: str = "rule"  # or "correlation"
    signature: Signature | None = None  # None when not converted or not run on its own

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "line": self.line,
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass
class SigmaSet:
    conversions: list[SigmaConversion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # malformed files and rules

    @property
    def signatures(self) -> list[Signature]:
        return [c.signature for c in self.conversions if c.signature is not None]


@dataclass
class _Document:
    path: Path
    line: int  # where the document starts
    keys: dict[tuple[str, ...], int]  # (key,) and (key, subkey) -> line


# -- finding the files and reading them ------------------------------------------------------


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


def _read_documents(path: Path) -> tuple[list[tuple[dict[str, Any], _Document]], list[Problem]]:
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
    out: list[tuple[dict[str, Any], _Document]] = []
    problems: list[Problem] = []
    for node, value in zip(nodes, values, strict=True):
        if node is None:
            continue
        line = node.start_mark.line + 1
        if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
            problems.append(Problem(SourceLocation(path, line), "a Sigma rule must be a mapping"))
            continue
        out.append((value, _Document(path, line, _key_lines(node))))
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


def _error_line(exc: Exception, doc: _Document) -> int:
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


def _message(exc: Exception) -> str:
    """The error without pySigma's ' in <absolute path>' suffix (the file is said once)."""
    text = str(exc.args[0]) if exc.args else str(exc)
    return " ".join(text.split()) or type(exc).__name__


# -- conversion ---------------------------------------------------------------------------------


def load_sigma(paths: Sequence[Path], *, timeout: float | None = None) -> SigmaSet:
    """Read, convert and check every Sigma rule under ``paths``."""
    result = SigmaSet()
    files, problems = sigma_files(paths)
    result.problems += problems
    rules: list[tuple[SigmaRule | SigmaCorrelationRule, _Document]] = []
    for path in files:
        documents, problems = _read_documents(path)
        result.problems += problems
        for problem in problems:  # never dropped without a line in the report
            result.conversions.append(
                SigmaConversion(
                    path,
                    problem.where.line,
                    None,
                    None,
                    NOT_CONVERTED,
                    f"not a valid Sigma rule: {problem.message}",
                )
            )
        for value, doc in documents:
            try:
                parsed = SigmaCollection.from_dicts(
                    [value],
                    collect_errors=True,
                    source=SigmaRuleLocation(path),
                    resolve_references=False,
                )
            except (SigmaError, ValueError, TypeError, KeyError, AttributeError) as exc:
                _malformed(result, doc, exc, value)
                continue
            for rule in parsed.rules:
                if rule.errors:
                    _malformed(result, doc, rule.errors[0], value, rule.errors[1:])
                elif isinstance(rule, (SigmaRule, SigmaCorrelationRule)):
                    rules.append((rule, doc))
                else:
                    reason = "Sigma filters are not supported"
                    result.conversions.append(_report(rule, doc, NOT_CONVERTED, reason))
    _convert_all(result, rules)
    _check_sql(result, timeout)
    return result


def _malformed(
    result: SigmaSet,
    doc: _Document,
    exc: Exception,
    value: dict[str, Any],
    more: Sequence[Exception] = (),
) -> None:
    for error in (exc, *more):
        result.problems.append(
            Problem(SourceLocation(doc.path, _error_line(error, doc)), _message(error))
        )
    title, rule_id = value.get("title"), value.get("id")
    result.conversions.append(
        SigmaConversion(
            doc.path,
            _error_line(exc, doc),
            str(rule_id) if rule_id is not None else None,
            str(title) if title is not None else None,
            NOT_CONVERTED,
            f"not a valid Sigma rule: {_message(exc)}",
            "correlation" if "correlation" in value else "rule",
        )
    )


def _convert_all(
    result: SigmaSet, rules: list[tuple[SigmaRule | SigmaCorrelationRule, _Document]]
) -> None:
    docs = {id(rule): doc for rule, doc in rules}
    collection = SigmaCollection([rule for rule, _ in rules])
    unresolved: dict[int, str] = {}
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule):
            try:
                rule.resolve_rule_references(collection)
            except SigmaError as exc:
                unresolved[id(rule)] = _message(exc)
    # Rules a correlation uses are not run on their own unless it says ``generate: true``.
    hidden: dict[int, str] = {}
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule) and id(rule) not in unresolved:
            for ref in rule.rules or ():
                if not rule.generate:
                    hidden[id(ref.rule)] = rule.title
    seen: dict[str, Path] = {}
    base: dict[int, tuple[SigmaRule, str]] = {}  # id(rule) -> (rule after the pipeline, condition)
    for rule in collection.rules:
        doc = docs[id(rule)]
        if isinstance(rule, SigmaCorrelationRule):
            continue
        assert isinstance(rule, SigmaRule)
        rule_id = _rule_id(rule, doc)
        if rule_id in seen:
            result.conversions.append(
                _report(rule, doc, NOT_CONVERTED, f"duplicate id (first in {seen[rule_id]})")
            )
            continue
        seen[rule_id] = doc.path
        try:
            condition = _condition(rule)
        except (SigmaError, NotImplementedError) as exc:
            failed = _report(rule, doc, NOT_CONVERTED, _message(exc))
            if isinstance(exc, _INVALID):
                where = SourceLocation(doc.path, _error_line(exc, doc))
                result.problems.append(Problem(where, _message(exc)))
                reason = f"not a valid Sigma rule: {_message(exc)}"
                failed = replace(failed, line=where.line, reason=reason)
            result.conversions.append(failed)
            continue
        base[id(rule)] = (rule, condition)
        if id(rule) in hidden:
            result.conversions.append(
                _report(
                    rule,
                    doc,
                    CONVERTED,
                    f"used by correlation {hidden[id(rule)]!r}; not run on its own",
                )
            )
            continue
        kinds = LOG_SOURCES[rule.logsource.category or ""].kinds
        sig = _signature(rule, doc, rule_id, _rule_sql(rule, condition), kinds)
        result.conversions.append(_report(rule, doc, CONVERTED, None, sig))
    for rule in collection.rules:
        if not isinstance(rule, SigmaCorrelationRule):
            continue
        doc = docs[id(rule)]
        rule_id = _rule_id(rule, doc)
        if id(rule) in unresolved:
            result.conversions.append(_report(rule, doc, NOT_CONVERTED, unresolved[id(rule)]))
            continue
        if rule_id in seen:
            result.conversions.append(
                _report(rule, doc, NOT_CONVERTED, f"duplicate id (first in {seen[rule_id]})")
            )
            continue
        seen[rule_id] = doc.path
        try:
            sql = _correlation_sql(rule, base)
        except _Unsupported as exc:
            result.conversions.append(_report(rule, doc, NOT_CONVERTED, str(exc)))
            continue
        kinds = tuple(
            kind
            for ref in rule.rules or ()
            if isinstance(ref.rule, SigmaRule)
            for kind in LOG_SOURCES[ref.rule.logsource.category or ""].kinds
        )
        sig = _signature(rule, doc, rule_id, sql, kinds)
        result.conversions.append(_report(rule, doc, CONVERTED, None, sig))


class _Unsupported(Exception):
    """A correlation this backend cannot express; the message is the reason."""


def _report(
    rule: SigmaRuleBase,
    doc: _Document,
    status: str,
    reason: str | None,
    sig: Signature | None = None,
) -> SigmaConversion:
    return SigmaConversion(
        doc.path,
        doc.line,
        str(rule.id) if rule.id else None,
        rule.title,
        status,
        reason,
        "correlation" if isinstance(rule, SigmaCorrelationRule) else "rule",
        sig,
    )


def _rule_id(rule: SigmaRuleBase, doc: _Document) -> str:
    if rule.id:
        return str(rule.id)
    if rule.name:
        return rule.name
    return f"{doc.path.stem}-line-{doc.line}"


def _condition(rule: SigmaRule) -> str:
    """The rule's detection as one SQL condition; pySigma applies our pipeline to ``rule``."""
    backend = TraceeSqlBackend(tracee_pipeline())
    # pySigma leaves out the query of a rule a correlation uses; we run it inside the
    # correlation's query, so ask for it all the same.
    rule._output = True
    queries = backend.convert_rule(rule)
    if len(queries) != 1 or not isinstance(queries[0], str):
        raise NotImplementedError("the rule does not convert into one query")
    return queries[0]


def _columns_used(rule: SigmaRule) -> list[str]:
    """The columns the rule's detections name (after mapping), in the log source's order."""
    names: set[str] = set()

    def walk(item: SigmaDetection | SigmaDetectionItem) -> None:
        if isinstance(item, SigmaDetectionItem):
            if item.field:
                names.add(item.field)
            for value in item.value:
                ref = getattr(value, "field", None)
                if isinstance(ref, str):
                    names.add(ref)
        else:
            for child in item.detection_items:
                walk(child)

    for detection in rule.detection.detections.values():
        walk(detection)
    source = LOG_SOURCES[rule.logsource.category or ""]
    ordered = list(dict.fromkeys(source.fields.values()))
    return [c for c in ordered if c in names and c not in FINDING_COLUMNS]


def _rule_sql(rule: SigmaRule, condition: str) -> str:
    source = LOG_SOURCES[rule.logsource.category or ""]
    columns = ", ".join([*FINDING_COLUMNS, *_columns_used(rule)])
    return (
        f"WITH sigma_rows AS (\n{source.sql}\n)\n"
        f"SELECT {columns}\nFROM sigma_rows\nWHERE {condition}"
    )


def _correlation_sql(rule: SigmaCorrelationRule, base: dict[int, tuple[SigmaRule, str]]) -> str:
    if rule.type not in (
        SigmaCorrelationType.EVENT_COUNT,
        SigmaCorrelationType.VALUE_COUNT,
        SigmaCorrelationType.TEMPORAL,
    ):
        raise _Unsupported(f"correlation type {rule.type.name.lower()} is not supported")
    if rule.aliases.aliases:
        raise _Unsupported("correlation field aliases are not supported")
    refs = list(rule.rules or ())
    parts: list[tuple[SigmaRule, str]] = []
    for ref in refs:
        if not isinstance(ref.rule, SigmaRule):
            raise _Unsupported("a correlation of correlations is not supported")
        if id(ref.rule) not in base:
            raise _Unsupported(f"referenced rule {ref.reference!r} was not converted")
        parts.append(base[id(ref.rule)])
    group_by = list(rule.group_by or ())
    value_field = None
    condition = rule.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        raise _Unsupported("extended correlation conditions are not supported")
    if rule.type is SigmaCorrelationType.TEMPORAL:
        op, threshold = ">=", len(parts)
    else:
        if condition.op not in _CORRELATION_OPS:
            raise _Unsupported(
                f"correlation condition {condition.op.name.lower()} is not supported "
                "(use gte, gt or eq)"
            )
        op, threshold = _CORRELATION_OPS[condition.op], int(condition.count)
        if rule.type is SigmaCorrelationType.VALUE_COUNT:
            if not isinstance(condition.fieldref, str):
                raise _Unsupported("value_count needs one field in its condition")
            value_field = condition.fieldref
    selects = []
    group_columns: list[str] = []
    for index, (base_rule, cond) in enumerate(parts):
        fields = LOG_SOURCES[base_rule.logsource.category or ""].fields
        extra = []
        for n, name in enumerate(group_by):
            if name not in fields:
                raise _Unsupported(
                    f"group-by field {name!r} is not recorded for {base_rule.title!r}"
                )
            extra.append(f"{fields[name]} AS g{n}")
            if index == 0:
                group_columns.append(fields[name])
        if value_field is not None:
            if value_field not in fields:
                raise _Unsupported(f"field {value_field!r} is not recorded for {base_rule.title!r}")
            extra.append(f"{fields[value_field]} AS v")
        source = LOG_SOURCES[base_rule.logsource.category or ""].sql
        columns = ", ".join([*FINDING_COLUMNS, *extra, f"{index} AS rule_index"])
        selects.append(f"SELECT {columns}\nFROM (\n{source}\n) AS r{index}\nWHERE {cond}")
    aggregate = {
        SigmaCorrelationType.EVENT_COUNT: "count(*)",
        SigmaCorrelationType.VALUE_COUNT: "count(DISTINCT v)",
        SigmaCorrelationType.TEMPORAL: "count(DISTINCT rule_index)",
    }[rule.type]
    measure = {
        SigmaCorrelationType.EVENT_COUNT: "event_count",
        SigmaCorrelationType.VALUE_COUNT: "value_count",
        SigmaCorrelationType.TEMPORAL: "rules_matched",
    }[rule.type]
    groups = [f"g{n}" for n in range(len(group_by))]
    partition = f"PARTITION BY {', '.join(groups)} " if groups else ""
    seconds = int(rule.timespan.seconds)
    shown = [f"g{n} AS group_{column}" for n, column in enumerate(group_columns)]
    union = "\nUNION ALL\n".join(selects)
    return (
        f"WITH sigma_base AS (\n{union}\n),\nsigma_window AS (\n"
        f"SELECT *, {aggregate} OVER ({partition}ORDER BY time "
        f"RANGE BETWEEN INTERVAL {seconds} SECOND PRECEDING AND CURRENT ROW) AS {measure}\n"
        f"FROM sigma_base\n)\n"
        f"SELECT {', '.join([*FINDING_COLUMNS, *shown, measure])}\nFROM sigma_window\n"
        f"WHERE {measure} {op} {threshold}\n"
        f"QUALIFY row_number() OVER ({partition}ORDER BY time, process_id) = 1"
    )


def _signature(
    rule: SigmaRuleBase, doc: _Document, rule_id: str, sql: str, kinds: tuple[str, ...]
) -> Signature:
    tactic, technique = _mitre(rule)
    title = rule.title or rule_id
    return Signature(
        id=rule_id,
        name=title,
        description=rule.description or title,
        severity=LEVELS.get(rule.level.name.lower() if rule.level else "", Severity.INFO),
        tactic=tactic,
        technique=technique,
        sql=sql,
        folder=doc.path.parent,
        tags=tuple(str(t) for t in rule.tags),
        detail="Sigma: " + title.replace("{", "{{").replace("}", "}}"),
        false_positives=tuple(str(f) for f in rule.falsepositives or ()),
        references=tuple(str(r) for r in rule.references or ()),
        required_events=tuple(dict.fromkeys(kinds)),
        rule_file=doc.path,
        id_line=doc.keys.get(("id",), doc.line),
    )


def _mitre(rule: SigmaRuleBase) -> tuple[MitreRef, MitreRef]:
    tactic = technique = MitreRef("", "")
    for tag in rule.tags:
        if tag.namespace != "attack":
            continue
        name = tag.name.lower().replace("-", "_")
        if not technique.id and name[:1] == "t" and name[1:5].isdigit():
            technique = MitreRef(name.upper(), "")
        elif not tactic.id and name in TACTICS:
            tactic = MitreRef(*TACTICS[name])
        elif not tactic.id and name.upper() in _TACTIC_BY_ID:
            tactic = MitreRef(*_TACTIC_BY_ID[name.upper()])
    return tactic, technique


def _check_sql(result: SigmaSet, timeout: float | None) -> None:
    """Our checks on the generated SQL; a rule whose query fails them is not converted."""
    pending = [c for c in result.conversions if c.signature is not None]
    if not pending:
        return
    checked = dict(
        (sig.id, (sig, problems))
        for sig, problems in check_signature_sql(
            [c.signature for c in pending if c.signature], timeout=timeout
        )
    )
    out = []
    for conversion in result.conversions:
        sig = conversion.signature
        if sig is None:
            out.append(conversion)
            continue
        checked_sig, problems = checked[sig.id]
        if problems:
            reason = "generated SQL failed the checks: " + "; ".join(p.message for p in problems)
            out.append(replace(conversion, status=NOT_CONVERTED, reason=reason, signature=None))
        else:
            out.append(replace(conversion, signature=checked_sig))
    result.conversions = out


def iter_report(conversions: Iterable[SigmaConversion]) -> Iterator[dict[str, Any]]:
    for conversion in conversions:
        yield conversion.to_dict()
