"""Sigma correlation rules as one query over the rows of the rules they reference.

Every correlation type pySigma defines is supported:

- ``event_count``, ``value_count`` and the metric types ``value_sum``, ``value_avg``,
  ``value_median`` and ``value_percentile``: the referenced rules' rows (each with its
  group-by columns and the value of the condition's field) are unioned, and a window of
  ``timespan`` per group computes the measure; a group gives one finding, at the first
  row where the condition holds. For ``gt``, ``gte``, ``eq`` and ``neq`` the window ends at
  the row (the events up to it); for ``lt`` and ``lte`` it starts at the row (the events
  from it on), so "fewer than N" is judged over a whole timespan, not over the first event.
- ``temporal``: every referenced rule matched within the window (distinct rules counted).
- ``temporal_ordered``: the rules matched in the order they are listed, the first to the
  last within ``timespan``: for each row of rule *k*, the latest start of a chain of rules
  0..k-1 before it is carried forward by a window pass per rule, and the chain counts when
  the last rule's row is no later than ``timespan`` after its start. Rows with the same
  time are ordered by their rule's position in the list.

Field aliases (``aliases``) give a group-by name a different field in each rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
    SigmaExtendedCorrelationCondition,
)
from sigma.rule import SigmaRule

from tracee_py.signatures.sigma.pipeline import FINDING_COLUMNS, source_for

Op = SigmaCorrelationConditionOperator
_CORRELATION_OPS = {Op.GTE: ">=", Op.GT: ">", Op.EQ: "=", Op.NEQ: "<>", Op.LT: "<", Op.LTE: "<="}
# Operators judged over the window that starts at a row (see the module docstring).
_FORWARD = frozenset({Op.LT, Op.LTE})
Kind = SigmaCorrelationType
# type -> (window aggregate over the value v, name of the evidence column that holds it)
_MEASURES = {
    Kind.EVENT_COUNT: ("count(*)", "event_count"),
    Kind.VALUE_COUNT: ("count(DISTINCT v)", "value_count"),
    Kind.VALUE_SUM: ("sum(v)", "value_sum"),
    Kind.VALUE_AVG: ("avg(v)", "value_avg"),
    Kind.VALUE_MEDIAN: ("median(v)", "value_median"),
    Kind.VALUE_PERCENTILE: ("quantile_cont(v, {fraction})", "value_percentile"),
    Kind.TEMPORAL: ("count(DISTINCT rule_index)", "rules_matched"),
}
# Types whose condition names a field whose values are measured.
_VALUE_TYPES = frozenset(
    {Kind.VALUE_COUNT, Kind.VALUE_SUM, Kind.VALUE_AVG, Kind.VALUE_MEDIAN, Kind.VALUE_PERCENTILE}
)
# Types that measure numbers: the value is cast, and a value that is not a number is null.
_NUMERIC_TYPES = _VALUE_TYPES - {Kind.VALUE_COUNT}
MAX_COUNT = 1 << 53


class Unsupported(Exception):
    """A correlation this backend cannot express; the message is the reason."""


@dataclass(frozen=True)
class _Test:
    op: Op
    threshold: float
    value_field: str | None  # the Sigma field the measure reads
    percentile: int | None = None

    @property
    def sql_op(self) -> str:
        return _CORRELATION_OPS[self.op]

    @property
    def threshold_sql(self) -> str:
        number = self.threshold
        return str(int(number)) if float(number).is_integer() else repr(float(number))


def correlation_sql(rule: SigmaCorrelationRule, base: dict[int, tuple[SigmaRule, str]]) -> str:
    """The query of ``rule``; ``base`` holds each converted rule's (rule, SQL condition)."""
    if rule.type not in _MEASURES and rule.type is not Kind.TEMPORAL_ORDERED:
        raise Unsupported(f"correlation type {rule.type.name.lower()} is not supported")
    if isinstance(rule.condition, SigmaExtendedCorrelationCondition):
        raise Unsupported("extended (boolean) temporal conditions are not supported")
    parts: list[tuple[SigmaRule, str]] = []
    for ref in rule.rules or ():
        if not isinstance(ref.rule, SigmaRule):
            raise Unsupported("a correlation of correlations is not supported")
        if id(ref.rule) not in base:
            raise Unsupported(f"referenced rule {ref.reference!r} was not converted")
        parts.append(base[id(ref.rule)])
    if not parts:
        raise Unsupported("the correlation references no rule")
    test = _test(rule, len(parts))
    group_by = list(rule.group_by or ())
    selects = [
        _base_select(rule, index, base_rule, cond, group_by, test)
        for index, (base_rule, cond) in enumerate(parts)
    ]
    groups = [f"g{n}" for n in range(len(group_by))]
    partition = f"PARTITION BY {', '.join(groups)} " if groups else ""
    shown = [f"g{n} AS group_{_column_name(rule, parts[0][0], name)}" for n, name in
             enumerate(group_by)]  # fmt: skip
    union = "\nUNION ALL\n".join(selects)
    seconds = int(rule.timespan.seconds)
    if rule.type is Kind.TEMPORAL_ORDERED:
        return _ordered_sql(union, len(parts), partition, shown, seconds)
    aggregate, measure = _MEASURES[rule.type]
    if test.percentile is not None:
        aggregate = aggregate.format(fraction=repr(test.percentile / 100))
    if test.op in _FORWARD:
        frame = f"RANGE BETWEEN CURRENT ROW AND INTERVAL {seconds} SECOND FOLLOWING"
    else:
        frame = f"RANGE BETWEEN INTERVAL {seconds} SECOND PRECEDING AND CURRENT ROW"
    return (
        f"WITH sigma_base AS (\n{union}\n),\nsigma_window AS (\n"
        f"SELECT *, {aggregate} OVER ({partition}ORDER BY time {frame}) AS {measure}\n"
        f"FROM sigma_base\n)\n"
        f"SELECT {', '.join([*FINDING_COLUMNS, *shown, measure])}\nFROM sigma_window\n"
        f"WHERE {measure} {test.sql_op} {test.threshold_sql}\n"
        f"QUALIFY row_number() OVER ({partition}ORDER BY time, process_id) = 1"
    )


def _ordered_sql(union: str, rules: int, partition: str, shown: list[str], seconds: int) -> str:
    """temporal_ordered: ``chain<k>`` is, on a row of rule k, the latest time at which a
    chain rule 0, ..., rule k (in that order) can have started."""
    steps = ["sigma_chain0 AS (\nSELECT *, CASE WHEN rule_index = 0 THEN time END AS chain0"
             "\nFROM sigma_base\n)"]  # fmt: skip
    for k in range(1, rules):
        steps.append(
            f"sigma_chain{k} AS (\nSELECT *, CASE WHEN rule_index = {k} THEN "
            f"max(chain{k - 1}) OVER ({partition}ORDER BY time, rule_index "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) END AS chain{k}\n"
            f"FROM sigma_chain{k - 1}\n)"
        )
    last = rules - 1
    return (
        f"WITH sigma_base AS (\n{union}\n),\n" + ",\n".join(steps) + "\n"
        f"SELECT {', '.join([*FINDING_COLUMNS, *shown, f'{rules} AS rules_matched'])}\n"
        f"FROM sigma_chain{last}\n"
        f"WHERE rule_index = {last} AND chain{last} IS NOT NULL"
        f" AND time <= chain{last} + INTERVAL {seconds} SECOND\n"
        f"QUALIFY row_number() OVER ({partition}ORDER BY time, process_id) = 1"
    )


def _test(rule: SigmaCorrelationRule, rules: int) -> _Test:
    """What the window's measure is compared with; temporal: every referenced rule."""
    if rule.type in (Kind.TEMPORAL, Kind.TEMPORAL_ORDERED):
        if isinstance(rule.condition, SigmaExtendedCorrelationCondition):
            raise Unsupported("extended (boolean) temporal conditions are not supported")
        return _Test(Op.GTE, rules, None)
    condition = rule.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        raise Unsupported("extended correlation conditions are not supported")
    count = condition.count
    if not math.isfinite(count) or abs(count) > MAX_COUNT:
        raise Unsupported(f"correlation threshold {count!r} is out of range")
    if rule.type in (Kind.EVENT_COUNT, Kind.VALUE_COUNT) and (count != int(count) or count < 0):
        raise Unsupported(f"correlation count {count!r} is not a whole number of events")
    value_field = None
    if rule.type in _VALUE_TYPES:
        if not isinstance(condition.fieldref, str):
            raise Unsupported(f"{rule.type.name.lower()} needs one field in its condition")
        value_field = condition.fieldref
    percentile = None
    if rule.type is Kind.VALUE_PERCENTILE:
        percentile = condition.percentile
        if percentile is None or not 0 <= percentile <= 100:
            raise Unsupported("value_percentile needs a percentile from 0 to 100")
    return _Test(condition.op, count, value_field, percentile)


def _column_name(rule: SigmaCorrelationRule, base_rule: SigmaRule, name: str) -> str:
    """The column a group-by name (a field, or an alias of one per rule) is read from."""
    source = source_for(base_rule.logsource)
    field = name
    alias = rule.aliases.aliases.get(name)
    if alias is not None:
        names = {base_rule.name, str(base_rule.id) if base_rule.id else None} - {None}
        mapped = next((f for ref, f in alias.mapping.items() if ref.reference in names), None)
        if mapped is None:
            raise Unsupported(f"alias {name!r} names no field of {base_rule.title!r}")
        field = mapped
    if field not in source.fields:
        raise Unsupported(f"group-by field {field!r} is not recorded for {base_rule.title!r}")
    return source.fields[field]


def _base_select(
    rule: SigmaCorrelationRule,
    index: int,
    base_rule: SigmaRule,
    condition: str,
    group_by: list[str],
    test: _Test,
) -> str:
    """One referenced rule's rows: finding columns, group columns g0.., the value v."""
    source = source_for(base_rule.logsource)
    extra = [f"{_column_name(rule, base_rule, name)} AS g{n}" for n, name in enumerate(group_by)]
    if test.value_field is not None:
        column = _column_name(rule, base_rule, test.value_field)
        if rule.type in _NUMERIC_TYPES:
            extra.append(f"TRY_CAST({column} AS DOUBLE) AS v")
        else:
            extra.append(f"{column} AS v")
    columns = ", ".join([*FINDING_COLUMNS, *extra, f"{index} AS rule_index"])
    return f"SELECT {columns}\nFROM (\n{source.sql}\n) AS r{index}\nWHERE {condition}"
