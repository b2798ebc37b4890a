"""Recorded strings shown to people: control characters made visible, never obeyed.

Whoever ran the recorded processes chose their names, arguments and paths. Written to a
terminal as they are, an ESC sequence recolours or rewrites the screen and a newline forges
a line of output. Every human format passes recorded text through :func:`printable`; XML
documents (JUnit) pass it through :func:`xml_text`, since XML 1.0 cannot hold most control
characters at all.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 controls, DEL, C1 controls, the bidirectional overrides and isolates (which reorder
# what follows them on screen), line and paragraph separators, and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNPRINTABLE_KEEP_NEWLINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Characters XML 1.0 does not allow, plus the ones a terminal would obey.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def one_line(text: str) -> str:
    """Whitespace and newlines collapsed: a message fit for one line."""
    return " ".join(text.split())


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``).

    ``keep_newlines`` leaves line breaks alone, for multi-line messages whose lines are
    made by tracee-py itself.
    """
    pattern = _UNPRINTABLE_KEEP_NEWLINES if keep_newlines else _UNPRINTABLE
    return pattern.sub(_escape, text)


def xml_text(text: str) -> str:
    """``text`` as XML 1.0 can hold it: disallowed characters written as escapes."""
    return _NOT_XML.sub(_escape, text)
