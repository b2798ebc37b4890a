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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import (
    SigmaAuthorError,
    SigmaConditionError,
    SigmaDateError,
    SigmaDescriptionError,
    SigmaDetectionError,
    SigmaError,
    SigmaFalsePositivesError,
    SigmaFieldsError,
    SigmaLicenseError,
    SigmaModifiedError,
    SigmaModifierError,
    SigmaReferencesError,
    SigmaRegularExpressionError,
    SigmaRelatedError,
    SigmaRuleLocation,
    SigmaScopeError,
    SigmaStatusError,
    SigmaTaxonomyError,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaLogSource, SigmaRule, SigmaRuleBase

from tracee_py.signatures.model import (
    Confidence,
    MitreRef,
    Problem,
    Severity,
    Signature,
    SourceLocation,
)
from tracee_py.signatures.sigma.backend import TraceeSqlBackend
from tracee_py.signatures.sigma.correlation import Unsupported, correlation_sql
from tracee_py.signatures.sigma.files import (
    RuleDocument,
    error_line,
    message,
    read_documents,
    sigma_files,
)
from tracee_py.signatures.sigma.pipeline import FINDING_COLUMNS, source_for, tracee_pipeline
from tracee_py.signatures.sqlcheck import check_signature_sql

CONVERTED = "converted"
NOT_CONVERTED = "not_converted"

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
# Errors pySigma finds only while converting that still mean the rule is not valid Sigma
# (a condition naming a missing search, a modifier on the wrong type, a broken regex).
_INVALID = (
    SigmaConditionError,
    SigmaDetectionError,
    SigmaModifierError,
    SigmaRegularExpressionError,
)
# Errors in fields that change nothing a converted rule matches or reports (a date written
# as 2023/30/05, an author that is not text): the rule converts, and the report says what
# was ignored. Title, id, level, tags and log source stay strict: findings carry them.
METADATA_ERRORS = (
    SigmaAuthorError,
    SigmaDateError,
    SigmaDescriptionError,
    SigmaFalsePositivesError,
    SigmaFieldsError,
    SigmaLicenseError,
    SigmaModifiedError,
    SigmaReferencesError,
    SigmaRelatedError,
    SigmaScopeError,
    SigmaStatusError,
    SigmaTaxonomyError,
)


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
    logsource: str | None = None  # "linux/process_creation", "linux/service:auditd", ...

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "line": self.line,
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "logsource": self.logsource,
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


# -- conversion ---------------------------------------------------------------------------------


def load_sigma(paths: Sequence[Path], *, timeout: float | None = None) -> SigmaSet:
    """Read, convert and check every Sigma rule under ``paths``."""
    result = SigmaSet()
    files, problems = sigma_files(paths)
    result.problems += problems
    rules: list[tuple[SigmaRule | SigmaCorrelationRule, RuleDocument]] = []
    for path in files:
        documents, problems = read_documents(path)
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
                blocking = [e for e in rule.errors if not isinstance(e, METADATA_ERRORS)]
                if blocking:
                    _malformed(result, doc, blocking[0], value, blocking[1:])
                    continue
                doc.ignored = [message(e) for e in rule.errors]
                if isinstance(rule, (SigmaRule, SigmaCorrelationRule)):
                    rules.append((rule, doc))
                else:
                    reason = "Sigma filters are not supported"
                    result.conversions.append(_report(rule, doc, NOT_CONVERTED, reason))
    _convert_all(result, rules)
    _check_sql(result, timeout)
    return result


def _malformed(
    result: SigmaSet,
    doc: RuleDocument,
    exc: Exception,
    value: dict[str, Any],
    more: Sequence[Exception] = (),
) -> None:
    for error in (exc, *more):
        result.problems.append(
            Problem(SourceLocation(doc.path, error_line(error, doc)), message(error))
        )
    title, rule_id = value.get("title"), value.get("id")
    result.conversions.append(
        SigmaConversion(
            doc.path,
            error_line(exc, doc),
            str(rule_id) if rule_id is not None else None,
            str(title) if title is not None else None,
            NOT_CONVERTED,
            f"not a valid Sigma rule: {message(exc)}",
            "correlation" if "correlation" in value else "rule",
            logsource=_logsource_of_value(value),
        )
    )


def logsource_text(product: object, category: object, service: object) -> str | None:
    """A rule's log source as one word: ``linux/process_creation``, ``linux/service:auditd``."""
    parts = [str(product or "-")]
    if category:
        parts.append(str(category))
    if service:
        parts.append(f"service:{service}")
    return None if parts == ["-"] else "/".join(parts)


def _logsource_of(rule: SigmaRuleBase) -> str | None:
    source = getattr(rule, "logsource", None)
    if not isinstance(source, SigmaLogSource):
        return None
    return logsource_text(source.product, source.category, source.service)


def _logsource_of_value(value: dict[str, Any]) -> str | None:
    source = value.get("logsource")
    if not isinstance(source, dict):
        return None
    return logsource_text(source.get("product"), source.get("category"), source.get("service"))


@dataclass
class _Conversion:
    """State shared while one set is converted."""

    problems: list[Problem]
    hidden: dict[int, str]  # id(rule) -> title of the correlation that uses it
    unresolved: dict[int, str]  # id(correlation) -> why its references do not resolve
    seen: dict[str, RuleDocument] = field(default_factory=dict)  # rule id -> first document
    base: dict[int, tuple[SigmaRule, str]] = field(default_factory=dict)  # -> (rule, condition)

    def duplicate(self, rule_id: str, doc: RuleDocument) -> str | None:
        first = self.seen.setdefault(rule_id, doc)
        return None if first is doc else f"duplicate id (first in {first.path}:{first.line})"


def _convert_all(
    result: SigmaSet, rules: list[tuple[SigmaRule | SigmaCorrelationRule, RuleDocument]]
) -> None:
    docs = {id(rule): doc for rule, doc in rules}
    collection = SigmaCollection([rule for rule, _ in rules])
    unresolved: dict[int, str] = {}
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule):
            try:
                rule.resolve_rule_references(collection)
            except SigmaError as exc:
                unresolved[id(rule)] = message(exc)
    # Rules a correlation uses are not run on their own unless it says ``generate: true``.
    hidden: dict[int, str] = {}
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule) and id(rule) not in unresolved:
            for ref in rule.rules or ():
                if not rule.generate:
                    hidden[id(ref.rule)] = rule.title
    state = _Conversion(result.problems, hidden, unresolved)
    for rule in collection.rules:  # rules first: correlations need their conditions
        if isinstance(rule, SigmaRule):
            result.conversions.append(_convert_rule(rule, docs[id(rule)], state))
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule):
            result.conversions.append(_convert_correlation(rule, docs[id(rule)], state))


def _convert_rule(rule: SigmaRule, doc: RuleDocument, state: _Conversion) -> SigmaConversion:
    rule_id = _rule_id(rule, doc)
    try:
        condition = _condition(rule)
    except (SigmaError, NotImplementedError) as exc:
        failed = _report(rule, doc, NOT_CONVERTED, message(exc))
        if isinstance(exc, _INVALID):
            where = SourceLocation(doc.path, error_line(exc, doc))
            state.problems.append(Problem(where, message(exc)))
            reason = f"not a valid Sigma rule: {message(exc)}"
            failed = replace(failed, line=where.line, reason=reason)
        return failed
    # Only a converted rule claims its id: one that cannot run gives no finding to confuse.
    duplicate = state.duplicate(rule_id, doc)
    if duplicate:
        return _report(rule, doc, NOT_CONVERTED, duplicate)
    state.base[id(rule)] = (rule, condition)
    if id(rule) in state.hidden:
        why = f"used by correlation {state.hidden[id(rule)]!r}; not run on its own"
        return _report(rule, doc, CONVERTED, why)
    kinds = source_for(rule.logsource).kinds
    sig = _signature(rule, doc, rule_id, _rule_sql(rule, condition), kinds)
    return _report(rule, doc, CONVERTED, None, sig)


def _convert_correlation(
    rule: SigmaCorrelationRule, doc: RuleDocument, state: _Conversion
) -> SigmaConversion:
    if id(rule) in state.unresolved:
        return _report(rule, doc, NOT_CONVERTED, state.unresolved[id(rule)])
    rule_id = _rule_id(rule, doc)
    try:
        sql = correlation_sql(rule, state.base)
    except Unsupported as exc:
        return _report(rule, doc, NOT_CONVERTED, str(exc))
    duplicate = state.duplicate(rule_id, doc)
    if duplicate:
        return _report(rule, doc, NOT_CONVERTED, duplicate)
    kinds = tuple(
        kind
        for ref in rule.rules or ()
        if isinstance(ref.rule, SigmaRule)
        for kind in source_for(ref.rule.logsource).kinds
    )
    sig = _signature(rule, doc, rule_id, sql, kinds)
    return _report(rule, doc, CONVERTED, None, sig)


def _report(
    rule: SigmaRuleBase,
    doc: RuleDocument,
    status: str,
    reason: str | None,
    sig: Signature | None = None,
) -> SigmaConversion:
    if status == CONVERTED and doc.ignored:
        ignored = "ignored invalid metadata: " + "; ".join(doc.ignored)
        reason = f"{reason}; {ignored}" if reason else ignored
    return SigmaConversion(
        doc.path,
        doc.line,
        str(rule.id) if rule.id else None,
        rule.title,
        status,
        reason,
        "correlation" if isinstance(rule, SigmaCorrelationRule) else "rule",
        sig,
        _logsource_of(rule),
    )


def _rule_id(rule: SigmaRuleBase, doc: RuleDocument) -> str:
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
    source = source_for(rule.logsource)
    keyword = [source.keyword_column] if source.keyword_column else []
    ordered = list(dict.fromkeys([*source.fields.values(), *keyword]))
    return [c for c in ordered if c in names and c not in FINDING_COLUMNS]


def _rule_sql(rule: SigmaRule, condition: str) -> str:
    source = source_for(rule.logsource)
    columns = ", ".join([*FINDING_COLUMNS, *_columns_used(rule)])
    return (
        f"WITH sigma_rows AS (\n{source.sql}\n)\n"
        f"SELECT {columns}\nFROM sigma_rows\nWHERE {condition}"
    )


# Sigma has no confidence; its ``status`` says how far a rule has been tried against real
# traffic, which is the nearest thing: stable rules are high, test rules medium, the rest
# (experimental, unsupported, deprecated, none) low.
SIGMA_CONFIDENCE = {"stable": Confidence.HIGH, "test": Confidence.MEDIUM}


def sigma_confidence(rule: SigmaRuleBase) -> Confidence:
    status = rule.status.name.lower() if rule.status else ""
    return SIGMA_CONFIDENCE.get(status, Confidence.LOW)


def _signature(
    rule: SigmaRuleBase, doc: RuleDocument, rule_id: str, sql: str, kinds: tuple[str, ...]
) -> Signature:
    tactic, technique = _mitre(rule)
    title = rule.title or rule_id
    return Signature(
        id=rule_id,
        name=title,
        description=rule.description or title,
        severity=LEVELS.get(rule.level.name.lower() if rule.level else "", Severity.INFO),
        confidence=sigma_confidence(rule),
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
