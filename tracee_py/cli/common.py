"""Options and helpers shared by the investigation commands."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from tracee_py.cli.console import err_console
from tracee_py.errors import UsageError
from tracee_py.query.dataset import Dataset, open_dataset
from tracee_py.query.times import parse_time

DEFAULT_DATA = "./tracee-data"

DATA_OPTION = typer.Option(
    DEFAULT_DATA,
    "--data",
    "-d",
    envvar="TRACEE_PY_DATA",
    help="Data directory (or s3://... URL) of the recordings. Default: $TRACEE_PY_DATA, "
    "else ./tracee-data.",
    show_default=False,
)
OUTPUT_OPTION = typer.Option(
    "table", "--output", "-o", help="Output format: table, json, jsonl or csv."
)
NODES_OPTION = typer.Option(None, "--node", "-n", help="Only this node (repeat for several).")
NODE_OPTION = typer.Option(None, "--node", "-n", help="Only this node.")
FROM_OPTION = typer.Option(
    None, "--from", help="Start of the time window: ISO-8601 or relative (-2h, now)."
)
TO_OPTION = typer.Option(None, "--to", help="End of the time window: ISO-8601 or relative.")
AT_OPTION = typer.Option(
    None, "--at", help="A moment: ISO-8601 (2026-03-14T22:05:00Z) or relative (-10m)."
)

_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def time_or_none(text: str | None) -> int | None:
    return None if text is None else parse_time(text)


@contextmanager
def open_data(
    data: str,
    *,
    nodes: list[str] | None = None,
    time_from: str | None = None,
    time_to: str | None = None,
) -> Iterator[Dataset]:
    """The open dataset; its warnings (damaged files, ...) go to stderr, including those
    found while the command runs."""
    ds = open_dataset(
        data,
        nodes=nodes or None,
        time_from_ns=time_or_none(time_from),
        time_to_ns=time_or_none(time_to),
    )
    warn(ds.warnings)
    shown = len(ds.warnings)
    try:
        yield ds
    finally:
        warn(ds.warnings[shown:])
        ds.close()


def warn(messages: list[str]) -> None:
    for message in messages:
        err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def status(message: str) -> None:
    err_console.print(f"[dim]{message}[/]", highlight=False, soft_wrap=True)


def parse_params(items: list[str] | None) -> dict[str, str]:
    """``name=value`` pairs for DuckDB's ``$name`` parameters."""
    params: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not _PARAM_NAME.match(name):
            raise UsageError(
                f"bad --param {item!r}: write name=value, name made of letters, digits and _"
            )
        if name in params:
            raise UsageError(f"--param {name} is given twice")
        params[name] = value
    return params
