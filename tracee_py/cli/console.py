"""The two consoles: data on stdout, everything else on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from tracee_py.printable import printable

out_console = Console(soft_wrap=False)
err_console = Console(stderr=True)


def error_line(message: str) -> Text:
    """``error: MESSAGE`` with the message as plain text: messages quote recorded strings
    and file contents, which must never be read as Rich markup."""
    return Text.assemble(("error:", "bold red"), " ", printable(message, keep_newlines=True))


def warning_line(message: str) -> Text:
    """``warning: MESSAGE``, the message as plain text (see :func:`error_line`)."""
    return Text.assemble(("warning:", "yellow"), " ", printable(message))
