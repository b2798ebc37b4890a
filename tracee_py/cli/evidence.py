"""``tracee-py verify`` (is the recording what the recorder wrote?) and ``setup-keys``
(the forward-secure key that seals the manifest)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tracee_py.cli.common import DATA_OPTION, OUTPUT_OPTION, status
from tracee_py.cli.output import check_format, render_rows
from tracee_py.errors import IntegrityError, UsageError
from tracee_py.query.dataset import verify_recording
from tracee_py.safeio import read_regular
from tracee_py.store.seal import DEFAULT_INTERVAL_S, SealingKey, VerificationKey

VERIFY_COLUMNS = ("file", "status", "detail")


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
    app.command("setup-keys")(setup_keys)


def verify(
    output: str = OUTPUT_OPTION,
    all_files: bool = typer.Option(
        False, "--all", help="List every file, not only the ones with a problem."
    ),
    key_file: Path | None = typer.Option(
        None,
        "--key-file",
        help="The verification key (from tracee-py setup-keys): every manifest line must "
        "carry a seal made with the key of its interval.",
    ),
    data: str = DATA_OPTION,
) -> None:
    """Check every file of a recording against its manifest.

    Each data file must be listed in the manifest, present, of the size and sha256 it was
    written with, and a regular file; every manifest line must read, and sealed lines must
    form an unbroken chain. With --key-file, every line must be sealed with the key of its
    interval: an edited file whose sha256 was recomputed, or dropped or reordered lines,
    are found even when the attacker had root on the node later. Files that retention
    removed on purpose are not problems. Exit 5 on any problem, else 0. The other reading
    commands do the cheap part of this (listed, present, size) every time they open a
    recording and warn on stderr; --strict makes those warnings an error.

    Examples:

      tracee-py verify --data /evidence/tracee-data

      tracee-py verify --all -o csv > checks.csv

      tracee-py verify --data /evidence/tracee-data --key-file /secure/node-1.key
    """
    fmt = check_format(output)
    key = None
    if key_file is not None:
        try:
            key = VerificationKey.parse(read_regular(key_file, 4096, follow_symlinks=True).decode())
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the key file {key_file}: {exc}") from exc
    checks = verify_recording(data, key)
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


def setup_keys(
    state: Path = typer.Option(
        ...,
        "--state",
        help="Where the node keeps its sealing key (give it to record --seal-key). Created "
        "0600; never overwritten.",
    ),
    interval: float = typer.Option(
        DEFAULT_INTERVAL_S, "--interval", help="Seconds between key changes."
    ),
) -> None:
    """Make a forward-secure key pair for sealing the manifest.

    The sealing key goes to --state, on the node: the recorder seals each manifest line
    with it and replaces it with the next one every --interval seconds, forgetting the old
    one. The verification key is printed on stdout, once: keep it off the node (a password
    manager, the investigator's laptop). Whoever takes the node later cannot rewrite what
    was sealed before; tracee-py verify --key-file says so.

    Example:

      tracee-py setup-keys --state /etc/tracee-py/seal.key > node-1.verification-key
    """
    if state.exists():
        raise UsageError(f"{state} exists: sealing keys are never overwritten")
    _, verification = SealingKey.create(state, interval)
    sys.stdout.write(f"{verification}\n")
    status(
        f"sealing key written to {state}; the verification key above is shown only now: "
        "keep it off the node"
    )
