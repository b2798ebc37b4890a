"""Options and helpers shared by the investigation commands."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

import typer
from rich.text import Text

from tracee_py.cli.console import err_console, warning_line
from tracee_py.errors import IntegrityError, UsageError
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
STRICT_OPTION = typer.Option(
    False,
    "--strict",
    help="Exit 5 when the recording is damaged or does not match its manifest (the answer "
    "is still printed). Without it those are warnings on stderr.",
)
AT_OPTION = typer.Option(
    None, "--at", help="A moment: ISO-8601 (2026-03-14T22:05:00Z) or relative (-10m)."
)


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


ENGINE_OPTION = typer.Option(
    Engine.duckdb,
    "--engine",
    help="duckdb (this machine) or spark (pyspark: local mode, or --spark-master; for a "
    "fleet's recordings in object storage).",
)
SPARK_MASTER_OPTION = typer.Option(
    None,
    "--spark-master",
    help="Spark master URL (spark://host:7077, yarn, k8s://...). Default: local[2].",
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
    strict: bool = False,
) -> Iterator[Dataset]:
    """The open dataset; its warnings (damaged files, files that do not match the manifest,
    ...) go to stderr, including those found while the command runs. ``strict``: after
    the command, any of those is an :class:`IntegrityError`."""
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
    if strict:
        refuse_problems(ds.problems)


def refuse_problems(count: int) -> None:
    """``--strict``: warnings about the recording become an error."""
    if count:
        raise IntegrityError(
            f"--strict: {count} damaged or unlisted file(s) or manifest problem(s) "
            "(see the warnings above; tracee-py verify checks every hash)"
        )


def warn(messages: list[str]) -> None:
    for message in messages:
        err_console.print(warning_line(message), highlight=False, soft_wrap=True)


def status(message: str) -> None:
    err_console.print(Text(message, style="dim"), highlight=False, soft_wrap=True)


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
