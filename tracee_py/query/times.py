"""Times as investigators type them: ISO-8601 or relative to now (``-10m``, ``-2h``, ``now``).

Everything inside tracee-py is nanoseconds since the Unix epoch, UTC; these helpers are the
only place that turns text into that number and back.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from tracee_py.errors import TimeParseError

NS_PER_S = 1_000_000_000
# Times are int64 nanoseconds (Arrow and DuckDB timestamps): 1677-09-21 to 2262-04-11.
MIN_NS = -(2**63) + 1
MAX_NS = 2**63 - 1
_MAX_DIGITS = 19  # per number of a relative time; more cannot fit in the range anyway

_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": NS_PER_S,
    "m": 60 * NS_PER_S,
    "h": 3600 * NS_PER_S,
    "d": 86_400 * NS_PER_S,
    "w": 7 * 86_400 * NS_PER_S,
}
_RELATIVE = re.compile(r"^([+-])((?:\d+(?:ns|us|ms|s|m|h|d|w))+)$")
_RELATIVE_PART = re.compile(r"(\d+)(ns|us|ms|s|m|h|d|w)")
_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hm>\d{2}:\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
HINT = "use ISO-8601 (2026-03-14T22:05:00Z) or a time relative to now (-10m, -2h, now)"


def parse_time(text: str, *, now_ns: int | None = None) -> int:
    """Nanoseconds since the epoch for ``text``.

    Accepts ``now``, relative times (``-10m``, ``-1h30m``, ``+5s``; units ns, us, ms, s, m,
    h, d, w) and ISO-8601 dates and times with up to nine fractional digits. A time without
    an offset is UTC.

    >>> parse_time("2026-03-14T22:05:00.123456789Z")
    1773525900123456789
    """
    value = text.strip()
    if not value:
        raise TimeParseError(f"empty time: {HINT}")
    now = time.time_ns() if now_ns is None else now_ns
    if value.lower() == "now":
        return now
    rel = _RELATIVE.match(value)
    if rel:
        sign = -1 if rel.group(1) == "-" else 1
        parts = _RELATIVE_PART.findall(rel.group(2))
        if any(len(n) > _MAX_DIGITS for n, _ in parts):
            raise TimeParseError(f"time {_shown(text)} is out of range: {RANGE}")
        total = sum(int(n) * _UNIT_NS[u] for n, u in parts)
        return _in_range(now + sign * total, text)
    iso = _ISO.match(value)
    if not iso:
        raise TimeParseError(f"cannot read time {_shown(text)}: {HINT}")
    try:
        base = datetime.fromisoformat(iso.group("date") + "T" + (iso.group("hm") or "00:00"))
        base = base.replace(second=int(iso.group("s") or 0), tzinfo=UTC)
        base -= _offset(iso.group("tz"))
    except ValueError as exc:
        raise TimeParseError(f"cannot read time {_shown(text)}: {exc}") from exc
    frac = (iso.group("frac") or "").ljust(9, "0")
    return _in_range(_seconds(base) * NS_PER_S + int(frac), text)


RANGE = "times must lie between 1677-09-22 and 2262-04-11"


def _in_range(ns: int, text: str) -> int:
    if not MIN_NS <= ns <= MAX_NS:
        raise TimeParseError(f"time {_shown(text)} is out of range: {RANGE}")
    return ns


def _shown(text: str, limit: int = 60) -> str:
    """The user's text for a message, cut when it is absurdly long."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _offset(tz: str | None) -> timedelta:
    if tz is None or tz.upper() in ("Z", "UTC"):
        return timedelta(0)
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"bad UTC offset {tz}")
    return sign * timedelta(hours=hours, minutes=minutes)


def _seconds(dt: datetime) -> int:
    return int((dt - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())


@lru_cache(maxsize=4096)
def _second_stamp(seconds: int) -> str:
    # Cached: a run formats the times of many events that share their second.
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def format_ns(ns: int, *, digits: int = 9) -> str:
    """ISO-8601 UTC with ``digits`` fractional digits: ``2026-03-14T22:05:00.123456789Z``."""
    seconds, rest = divmod(int(ns), NS_PER_S)
    stamp = _second_stamp(seconds)
    if digits <= 0:
        return stamp + "Z"
    return f"{stamp}.{rest:09d}"[: len(stamp) + 1 + digits] + "Z"


def format_duration_ns(ns: int) -> str:
    """A short human duration: ``850ms``, ``12.5s``, ``3m04s``, ``2h05m``."""
    if ns < NS_PER_S:
        return f"{ns / 1_000_000:.0f}ms"
    seconds = ns / NS_PER_S
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
