"""Times as typed on the command line."""

from __future__ import annotations

import pytest

from tracee_py.errors import TimeParseError
from tracee_py.query.times import format_duration_ns, format_ns, parse_time

NOW = 1_773_525_900_000_000_000  # 2026-03-14T22:05:00Z


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-14T22:05:00Z", NOW),
        ("2026-03-14T22:05:00.123456789Z", NOW + 123_456_789),
        ("2026-03-14 22:05:00.5", NOW + 500_000_000),
        ("2026-03-14T23:05:00+01:00", NOW),
        ("2026-03-14T17:05-0500", NOW),
        ("2026-03-14", NOW - (22 * 3600 + 5 * 60) * 1_000_000_000),
        ("now", NOW),
        ("NOW", NOW),
        ("-10m", NOW - 600_000_000_000),
        ("-1h30m", NOW - 5_400_000_000_000),
        ("+250ms", NOW + 250_000_000),
        ("-2d", NOW - 2 * 86_400_000_000_000),
    ],
)
def test_parse_time(text: str, expected: int) -> None:
    assert parse_time(text, now_ns=NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "10m",
        "-10x",
        "2026-13-01",
        "2026-03-14T25:00:00Z",
        "2026-03-14T22:05:00+24:00",
        "1773525900",
    ],
)
def test_bad_times_raise_one_clear_error(text: str) -> None:
    with pytest.raises(TimeParseError) as err:
        parse_time(text, now_ns=NOW)
    assert "\n" not in str(err.value)
    assert ("cannot read time" in str(err.value)) or ("empty time" in str(err.value))


def test_format_ns_round_trips() -> None:
    assert format_ns(NOW + 7) == "2026-03-14T22:05:00.000000007Z"
    assert format_ns(NOW + 123_456_789, digits=3) == "2026-03-14T22:05:00.123Z"
    assert format_ns(NOW, digits=0) == "2026-03-14T22:05:00Z"
    assert parse_time(format_ns(NOW + 42)) == NOW + 42


def test_format_duration() -> None:
    assert [
        format_duration_ns(n) for n in (5_000_000, 12_500_000_000, 184 * 10**9, 7500 * 10**9)
    ] == ["5ms", "12.5s", "3m04s", "2h05m"]
