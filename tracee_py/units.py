"""Parsing sizes and durations given on the command line."""

from __future__ import annotations

import re

from tracee_py.errors import UsageError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$", re.IGNORECASE)
_SIZE_FACTORS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_DURATION_FACTORS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_size(text: str, what: str = "size") -> int:
    """``64M``, ``1.5G``, ``4096`` -> bytes (binary multiples)."""
    m = _SIZE.match(text)
    if not m:
        raise UsageError(f"invalid {what} {text!r}: use a number with K, M, G or T (e.g. 64M)")
    return int(float(m.group(1)) * _SIZE_FACTORS[m.group(2).lower()])


def parse_duration(text: str, what: str = "duration") -> float:
    """``30`` (seconds), ``500ms``, ``10m``, ``2h``, ``7d`` -> seconds."""
    m = _DURATION.match(text)
    if not m:
        raise UsageError(f"invalid {what} {text!r}: use e.g. 30s, 10m, 2h or 7d")
    return float(m.group(1)) * _DURATION_FACTORS[(m.group(2) or "s").lower()]


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"
