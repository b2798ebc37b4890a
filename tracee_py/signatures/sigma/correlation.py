"""Sigma correlation rules as one query over the rows of the rules they reference.

``event_count``, ``value_count`` and ``temporal``: the referenced rules' rows (each with its
group-by columns, the counted value and its rule's index) are unioned; a window of
``timespan`` ending at each row counts events, distinct values or distinct rules per group;
a group gives one finding, at the first row where the condition holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)
from sigma.rule import SigmaRule

from tracee_py.signatures.sigma.pipeline import FINDING_COLUMNS, LOG_SOURCES

_CORRELATION_OPS = {
    SigmaCorrelationConditionOperator.GTE: ">=",
    SigmaCorrelationConditionOperator.GT: ">",
    SigmaCorrelationConditionOperator.EQ: "=",
}
# type -> (window aggregate, name of the evidence column that holds it)
_MEASURES = {
    SigmaCorrelationType.EVENT_COUNT: ("count(*)", "event_count"),
    SigmaCorrelationType.VALUE_COUNT: ("count(DISTINCT v)", "value_count"),
    SigmaCorrelationType.TEMPORAL: ("count(DISTINCT rule_index)", "rules_matched"),
}
MAX_COUNT = 1 << 53


class Unsupported(Exception):
    """A correlation this backend cannot express; the message is the reason."""


@dataclass(frozen=True)
class _Test:
    op: str  # SQL comparison
    threshold: int
    value_field: str | None  # the Sigma field value_count counts


def correlation_sql(rule: SigmaCorrelationRule, base: dict[int, tuple[SigmaRule, str]]) -> str:
    """The query of ``rule``; ``base`` holds each converted rule's (rule, SQL condition)."""
    if rule.type not in _MEASURES:
        raise Unsupported(f"correlation type {rule.type.name.lower()} is not supported")
    if rule.aliases.aliases:
        raise Unsupported("correlation field aliases are not supported")
    parts: list[tuple[SigmaRule, str]] = []
    for ref in rule.rules or ():
        if not isinstance(ref.rule, SigmaRule):
            raise Unsupported("a correlation of correlations is not supported")
        if id(ref.rule) not in base:
            raise Unsupported(f"referenced rule {ref.reference!r} was not converted")
        parts.append(base[id(ref.rule)])
    test = _test(rule, len(parts))
    group_by = list(rule.group_by or ())
    selects = [
        _base_select(index, base_rule, cond, group_by, test.value_field)
        for index, (base_rule, cond) in enumerate(parts)
    ]
    first_fields = LOG_SOURCES[parts[0][0].logsource.category or ""].fields if parts else {}
    aggregate, measure = _MEASURES[rule.type]
    groups = [f"g{n}" for n in range(len(group_by))]
    partition = f"PARTITION BY {', '.join(groups)} " if groups else ""
    shown = [f"g{n} AS group_{first_fields[name]}" for n, name in enumerate(group_by)]
    union = "\nUNION ALL\n".join(selects)
    return (
        f"WITH sigma_base AS (\n{union}\n),\nsigma_window AS (\n"
        f"SELECT *, {aggregate} OVER ({partition}ORDER BY time "
        f"RANGE BETWEEN INTERVAL {int(rule.timespan.seconds)} SECOND PRECEDING AND CURRENT ROW)"
        f" AS {measure}\nFROM sigma_base\n)\n"
        f"SELECT {', '.join([*FINDING_COLUMNS, *shown, measure])}\nFROM sigma_window\n"
        f"WHERE {measure} {test.op} {test.threshold}\n"
        f"QUALIFY row_number() OVER ({partition}ORDER BY time, process_id) = 1"
    )


def _test(rule: SigmaCorrelationRule, rules: int) -> _Test:
    """What the window's count is compared with; temporal: every referenced rule."""
    if rule.type is SigmaCorrelationType.TEMPORAL:
        return _Test(">=", rules, None)
    condition = rule.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        raise Unsupported("extended correlation conditions are not supported")
    if condition.op not in _CORRELATION_OPS:
        raise Unsupported(
            f"correlation condition {condition.op.name.lower()} is not supported "
            "(use gte, gt or eq)"
        )
    count = condition.count
    if not math.isfinite(count) or count != int(count) or not 0 <= count <= MAX_COUNT:
        raise Unsupported(f"correlation count {count!r} is not a whole number of events")
    value_field = None
    if rule.type is SigmaCorrelationType.VALUE_COUNT:
        if not isinstance(condition.fieldref, str):
            raise Unsupported("value_count needs one field in its condition")
        value_field = condition.fieldref
    return _Test(_CORRELATION_OPS[condition.op], int(count), value_field)


def _base_select(
    index: int, rule: SigmaRule, condition: str, group_by: list[str], value_field: str | None
) -> str:
    """One referenced rule's rows: finding columns, group columns g0.., the value v."""
    source = LOG_SOURCES[rule.logsource.category or ""]
    extra = []
    for n, name in enumerate(group_by):
        if name not in source.fields:
            raise Unsupported(f"group-by field {name!r} is not recorded for {rule.title!r}")
        extra.append(f"{source.fields[name]} AS g{n}")
    if value_field is not None:
        if value_field not in source.fields:
            raise Unsupported(f"field {value_field!r} is not recorded for {rule.title!r}")
        extra.append(f"{source.fields[value_field]} AS v")
    columns = ", ".join([*FINDING_COLUMNS, *extra, f"{index} AS rule_index"])
    return f"SELECT {columns}\nFROM (\n{source.sql}\n) AS r{index}\nWHERE {condition}"
