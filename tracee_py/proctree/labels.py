"""Short texts that describe a process: what it ran, how it ended, where it ran.

Shared by every front end that shows processes (the terminal tree, the HTML report)."""

from __future__ import annotations

import shlex

from tracee_py.proctree.model import ProcessNode
from tracee_py.proctree.timeline import signal_name

COMMAND_MAX = 140


def command_line(n: ProcessNode, limit: int = COMMAND_MAX) -> str:
    """What the process ran: its execs in order (``sh -c … → curl …``), else its image."""
    if n.execs:
        parts = [shlex.join(e.argv) if e.argv else (e.path or "?") for e in n.execs]
        text = " → ".join(parts)
    elif n.argv:
        text = shlex.join(n.argv)
    else:
        text = n.exe or n.comm or "?"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def ending(n: ProcessNode) -> str:
    if n.exit_ns is None:
        return "running"
    if n.exit_signal:
        return f"killed by {signal_name(n.exit_signal)}"
    return f"exit {n.exit_code}"


def pod_of(n: ProcessNode) -> str | None:
    if not n.pod_name:
        return None
    return f"{n.pod_namespace}/{n.pod_name}" if n.pod_namespace else n.pod_name
