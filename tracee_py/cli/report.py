"""``tracee-py report``: one self-contained HTML file about an incident."""

from __future__ import annotations

from pathlib import Path

import typer

from tracee_py.cli.common import (
    DATA_OPTION,
    FROM_OPTION,
    STRICT_OPTION,
    TO_OPTION,
    refuse_problems,
    status,
    time_or_none,
    warn,
)
from tracee_py.report import DEFAULT_MAX_BYTES, ReportSubject, write_report
from tracee_py.units import human_bytes, parse_size

DEFAULT_MAX_SIZE = f"{DEFAULT_MAX_BYTES >> 20}M"


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    output: Path = typer.Option(
        Path("report.html"), "--output", "-o", help="The HTML file to write."
    ),
    pid: int | None = typer.Option(None, "--pid", help="The process with this pid, and its tree."),
    process_id: int | None = typer.Option(
        None, "--process-id", help="The process with this process_id, and its tree."
    ),
    finding: str | None = typer.Option(
        None,
        "--finding",
        help="The process of this finding (a finding id from a report, or a signature id "
        "that matched once), and its tree.",
    ),
    at: str | None = typer.Option(None, "--at", help="With --pid: the moment the pid ran."),
    time_from: str | None = FROM_OPTION,
    time_to: str | None = TO_OPTION,
    max_size: str = typer.Option(
        DEFAULT_MAX_SIZE,
        "--max-size",
        help="The report stays under this size; bigger subjects are summarised and cut, "
        "and the report says what was left out.",
    ),
    verify_hashes: bool = typer.Option(
        True, "--verify/--no-verify", help="Check every file's sha256 against the manifest."
    ),
    strict: bool = STRICT_OPTION,
    data: str = DATA_OPTION,
) -> None:
    """Write an incident report: one HTML file that opens offline and prints.

    At the top, the recording (nodes, time span, events, lost events per kind, integrity
    against the manifest) and the findings of the built-in signatures by severity, with
    their ATT&CK techniques. Then the process tree of the subject (collapsible; a click
    shows a process's timeline and its findings' evidence) and sortable tables of files
    written and executed, failed exec attempts, network endpoints and privilege changes.

    The subject is one process and its tree (--pid, --process-id, --finding), the
    processes of a window (--from/--to), or else the whole recording. The file stays
    under --max-size (default 10M).

    Examples:

      tracee-py report --data ./rec -o incident.html

      tracee-py report --data ./rec --pid 4242 --at 2026-03-14T22:05:00Z -o pid4242.html

      tracee-py report --data ./rec --finding shadow-read --max-size 2M

      tracee-py report --data ./rec --from 2026-03-14T22:00:00Z --to 2026-03-14T22:10:00Z
    """
    subject = ReportSubject(
        pid=pid,
        process_id=process_id,
        finding=finding,
        from_ns=time_or_none(time_from),
        to_ns=time_or_none(time_to),
        at_ns=time_or_none(at),
    )
    summary = write_report(
        data,
        output,
        subject,
        max_bytes=parse_size(max_size, "--max-size"),
        verify_hashes=verify_hashes,
        progress=status,
    )
    warn(summary.warnings)
    shown = (
        f"{summary.processes_shown:,} of {summary.processes:,} processes (summarised)"
        if summary.trimmed
        else f"{summary.processes:,} processes"
    )
    status(
        f"wrote {summary.path}: {human_bytes(summary.bytes)} "
        f"(cap {human_bytes(summary.max_bytes)}), {shown}, {summary.findings:,} findings"
    )
    if strict:
        refuse_problems(summary.integrity_problems)
