"""``tracee-py verify``: is the recording what the recorder wrote?"""

from __future__ import annotations

import typer

from tracee_py.cli.common import DATA_OPTION, OUTPUT_OPTION, status
from tracee_py.cli.output import check_format, render_rows
from tracee_py.errors import IntegrityError
from tracee_py.query.dataset import verify_recording

VERIFY_COLUMNS = ("file", "status", "detail")


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


def verify(
    output: str = OUTPUT_OPTION,
    all_files: bool = typer.Option(
        False, "--all", help="List every file, not only the ones with a problem."
    ),
    data: str = DATA_OPTION,
) -> None:
    """Check every file of a recording against its manifest.

    Each data file must be listed in the manifest, present, of the size and sha256 it was
    written with, and a regular file; every manifest line must read. Files that retention
    removed on purpose are not problems. Exit 5 on any problem, else 0. The other reading
    commands do the cheap part of this (listed, present, size) every time they open a
    recording and warn on stderr; --strict makes those warnings an error.

    Examples:

      tracee-py verify --data /evidence/tracee-data

      tracee-py verify --all -o csv > checks.csv
    """
    fmt = check_format(output)
    checks = verify_recording(data)
    problems = [c for c in checks if c.problem]
    shown = checks if all_files else problems
    render_rows(
        VERIFY_COLUMNS,
        ({"file": c.file, "status": c.status, "detail": c.detail} for c in shown),
        fmt,
        title="Files" if all_files else "Problems",
        max_rows=None,
    )
    status(f"{len(checks)} files checked, {len(problems)} with a problem")
    if problems:
        raise IntegrityError(f"{len(problems)} file(s) do not match the manifest")
