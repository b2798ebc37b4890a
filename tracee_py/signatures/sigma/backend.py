"""A pySigma backend that compiles a Sigma detection into a DuckDB SQL condition.

The condition is written over the columns of one log source's rows (see
:mod:`.pipeline`); :mod:`.convert` puts it into the ``SELECT`` a signature runs. Like
pySigma's text backends, this is mostly a table of tokens; the few methods below exist
because DuckDB needs something the tokens cannot say:

- Every string value becomes one SQL literal through :func:`sql_literal` (quotes doubled,
  nothing else is special in a DuckDB string); matching is ``ILIKE ... ESCAPE '\\'`` (Sigma
  is case-insensitive) with Sigma's ``*``/``?`` as ``%``/``_`` and a literal ``%``, ``_`` or
  ``\\`` escaped, so the same path serves plain, ``contains``, ``startswith``, ``endswith``,
  ``windash`` and ``base64``/``base64offset`` values (pySigma expands those modifiers into
  plain strings before they get here); ``cased`` values, and base64 ones (see
  :class:`~.pipeline.Base64IsCased`), use ``LIKE``.
- ``cidr`` is an integer range test on dotted IPv4 text (the sandbox loads no extension,
  so there is no ``inet`` type); IPv6 networks use pySigma's expansion into text prefixes.
- Numbers compare numerically whatever the column's type.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, ClassVar

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
)
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.state import ConversionState
from sigma.types import (
    CompareOperators,
    SigmaBool,
    SigmaCIDRExpression,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SpecialChars,
)

LIKE_ESCAPE = "\\"
_LIKE_SPECIAL = re.compile(r"([%_\\])")


def sql_literal(text: str) -> str:
    """``text`` as a DuckDB string literal: the only special character is the quote."""
    return "'" + text.replace("'", "''") + "'"


def like_pattern(value: SigmaString) -> str:
    """A Sigma string as an ``ILIKE`` pattern (before quoting)."""
    out = []
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append("%")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append("_")
        else:
            out.append(_LIKE_SPECIAL.sub(lambda m: LIKE_ESCAPE + m.group(1), str(part)))
    return "".join(out)


_ESCAPE_CLAUSE = f"ESCAPE {sql_literal(LIKE_ESCAPE)}"


class TraceeSqlBackend(TextQueryBackend):
    """Sigma detections as DuckDB conditions over tracee-py log source rows."""

    name: ClassVar[str] = "tracee-py DuckDB"
    formats: ClassVar[dict[str, str]] = {"default": "DuckDB condition over a log source"}
    requires_pipeline: ClassVar[bool] = True

    precedence: ClassVar[tuple[type[ConditionNOT], type[ConditionAND], type[ConditionOR]]] = (
        ConditionNOT,
        ConditionAND,
        ConditionOR,
    )
    parenthesize = True
    group_expression: ClassVar[str] = "({expr})"
    or_token: ClassVar[str] = "OR"
    and_token: ClassVar[str] = "AND"
    not_token: ClassVar[str] = "NOT"
    eq_token: ClassVar[str] = " = "

    # Field names are our column names (the pipeline fails any other); quoted anyway.
    field_quote: ClassVar[str] = '"'
    field_quote_pattern: ClassVar[re.Pattern[str]] = re.compile(r"^$")
    field_quote_pattern_negation: ClassVar[bool] = True

    # A NULL (a column the event kind does not fill) matches nothing, and NOT over it is
    # true as in Sigma: every comparison is false, never NULL, on a missing value.
    eq_expression: ClassVar[str] = (
        "coalesce(CAST({field} AS VARCHAR), '') ILIKE {value} " + _ESCAPE_CLAUSE
    )
    wildcard_match_expression: ClassVar[str] = eq_expression
    case_sensitive_match_expression: ClassVar[str] = (
        "coalesce(CAST({field} AS VARCHAR), '') LIKE {value} " + _ESCAPE_CLAUSE
    )
    re_expression: ClassVar[str] = "regexp_matches(coalesce(CAST({field} AS VARCHAR), ''), {regex})"

    compare_op_expression: ClassVar[str] = (
        "coalesce(TRY_CAST({field} AS DOUBLE) {operator} {value}, false)"
    )
    compare_operators: ClassVar[dict[CompareOperators, str]] = {
        CompareOperators.LT: "<",
        CompareOperators.LTE: "<=",
        CompareOperators.GT: ">",
        CompareOperators.GTE: ">=",
        CompareOperators.NEQ: "<>",
    }
    field_null_expression: ClassVar[str] = "{field} IS NULL"
    field_exists_expression: ClassVar[str] = "{field} IS NOT NULL"
    field_not_exists_expression: ClassVar[str] = "{field} IS NULL"
    bool_values: ClassVar[dict[bool, str | None]] = {True: "'true'", False: "'false'"}

    # fieldref: both sides as text, case-insensitive like every Sigma comparison.
    field_equals_field_expression: ClassVar[str] = (
        "coalesce(lower(CAST({field1} AS VARCHAR)) = lower(CAST({field2} AS VARCHAR)), false)"
    )
    field_equals_field_startswith_expression: ClassVar[str] = (
        "coalesce(starts_with(lower(CAST({field1} AS VARCHAR)), "
        "lower(CAST({field2} AS VARCHAR))), false)"
    )
    field_equals_field_endswith_expression: ClassVar[str] = (
        "coalesce(ends_with(lower(CAST({field1} AS VARCHAR)), "
        "lower(CAST({field2} AS VARCHAR))), false)"
    )
    field_equals_field_contains_expression: ClassVar[str] = (
        "coalesce(contains(lower(CAST({field1} AS VARCHAR)), "
        "lower(CAST({field2} AS VARCHAR))), false)"
    )

    def convert_value_str(self, s: SigmaString, state: ConversionState) -> str:
        return sql_literal(like_pattern(s))

    def convert_value_re(self, r: SigmaRegularExpression, state: ConversionState) -> Any:
        # Flags as an inline group ((?i), (?m), (?s)): RE2, which DuckDB uses, reads them.
        return sql_literal(r.escape([], "\\", False, True))

    def convert_condition_field_eq_val_num(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        value = cond.value
        assert isinstance(value, SigmaNumber)
        number = float(value.number)  # a Python number: no text reaches the query
        field = self.escape_and_quote_field(cond.field)
        return f"coalesce(TRY_CAST({field} AS DOUBLE) = {number!r}, false)"

    def convert_condition_field_eq_val_bool(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaBool)
        value = "true" if cond.value.boolean else "false"
        field = self.escape_and_quote_field(cond.field)
        return f"coalesce(lower(CAST({field} AS VARCHAR)) = '{value}', false)"

    def convert_condition_field_eq_val_cidr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        cidr = cond.value
        assert isinstance(cidr, SigmaCIDRExpression)
        network = cidr.network
        if not isinstance(network, ipaddress.IPv4Network):
            # IPv6: pySigma's own expansion into text prefixes ('fe8?:*'), which fits the
            # compressed form the recorder writes.
            return super().convert_condition_field_eq_val_cidr(cond, state)
        field = self.escape_and_quote_field(cond.field)
        low, high = int(network.network_address), int(network.broadcast_address)
        octets = " + ".join(
            f"TRY_CAST(split_part({field}, '.', {i + 1}) AS BIGINT) * {256 ** (3 - i)}"
            for i in range(4)
        )
        dotted = f"regexp_full_match(coalesce({field}, ''), '\\d{{1,3}}(\\.\\d{{1,3}}){{3}}')"
        return f"({dotted} AND ({octets}) BETWEEN {low} AND {high})"
