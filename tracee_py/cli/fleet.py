"""``tracee-py ship``: copy a node's closed files and manifest to object storage."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracee_py.cli.common import DATA_OPTION, status, warn
from tracee_py.cli.console import err_console
from tracee_py.store.ship import ship as ship_recording


def register(app: typer.Typer) -> None:
    app.command("ship")(ship)


def ship(
    to: str = typer.Option(
        ..., "--to", help="Where to: s3://bucket/prefix or file:///path (any fsspec URL)."
    ),
    endpoint_url: str | None = typer.Option(
        None,
        "--endpoint-url",
        envvar="TRACEE_PY_S3_ENDPOINT",
        help="S3 endpoint for S3-compatible stores (MinIO, Ceph RGW). Default: AWS, or "
        "$TRACEE_PY_S3_ENDPOINT.",
        show_default=False,
    ),
    data: str = DATA_OPTION,
) -> None:
    """Copy every closed events and stats file, and the manifest, to object storage.

    Each file goes to the same relative path under --to, is read back and must have the
    size and sha256 its manifest gives; only then is it written to the ledger in
    DATA/ship/. A file already in the ledger is skipped, so running ship again (from cron,
    a sidecar, or after it was killed) sends only what is new. Files that do not match
    their manifest are not shipped and are named on stderr. Nothing local is deleted;
    once a data directory has a ledger, retention (record --max-size/--max-age) removes
    only files that were verified remotely.

    Credentials come from the usual places (AWS_* environment variables, the profile,
    the instance role) and are never printed.

    Examples:

      tracee-py ship --data /var/lib/tracee-py --to s3://forensics/fleet

      tracee-py ship --to file:///mnt/evidence-share

      tracee-py ship --to s3://forensics/fleet --endpoint-url http://minio:9000
    """
    with Progress(
        TextColumn("shipping"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("ship", total=None)

        def advance(_file: str, done: int, total: int) -> None:
            progress.update(task, completed=done - 1, total=total)

        report = ship_recording(Path(data), to, endpoint_url=endpoint_url, progress=advance)
    warn(report.problems)
    status(
        f"shipped {len(report.uploaded)} file(s) ({report.bytes_sent:,} bytes) to "
        f"{report.target}, verified; {len(report.resumed)} found there from an earlier run "
        f"and verified; {report.skipped} already shipped; {len(report.problems)} problem(s)"
    )
