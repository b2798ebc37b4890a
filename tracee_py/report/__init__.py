"""The incident report: one self-contained HTML file a person reads at a glance.

:func:`write_report` is the entry the CLI calls: it gathers the report's data with the
query, process-tree and signature library (:mod:`.collect`), draws it under a size cap
(:mod:`.render`) and writes the file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tracee_py.errors import UsageError
from tracee_py.query.dataset import open_dataset
from tracee_py.report.collect import collect, finding_id
from tracee_py.report.model import (
    DEFAULT_MAX_BYTES,
    Limits,
    ReportData,
    ReportSubject,
    ReportSummary,
)
from tracee_py.report.render import fit, script_json, visible
from tracee_py.signatures.model import Signature

MIN_MAX_BYTES = 64 << 10  # below this not even the summary fits

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Limits",
    "ReportData",
    "ReportSubject",
    "ReportSummary",
    "finding_id",
    "script_json",
    "visible",
    "write_report",
]


def write_report(
    root: str | Path,
    output: str | Path,
    subject: ReportSubject | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    verify_hashes: bool = True,
    signatures: Sequence[Signature] | None = None,
    limits: Limits | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> ReportSummary:
    """Write the report about ``subject`` in the recording at ``root`` to ``output``.

    The file stays under ``max_bytes``: big subjects are summarised and cut, and the page
    says what was left out. ``signatures`` defaults to the built-in catalog. The file
    appears whole or not at all (written to a temporary name, then renamed). ``progress``
    hears what is being done, one short sentence per step.
    """
    if max_bytes < MIN_MAX_BYTES:
        raise UsageError(f"the size cap must be at least {MIN_MAX_BYTES >> 10} KiB")
    out = Path(output)
    if out.is_dir():
        raise UsageError(f"{out} is a directory: give the report's file name")
    if not out.parent.is_dir():
        raise UsageError(f"cannot write {out}: directory {out.parent} does not exist")
    with open_dataset(root) as ds:
        data = collect(
            ds,
            subject or ReportSubject(),
            limits=limits or Limits(),
            verify_hashes=verify_hashes,
            signatures=signatures,
            progress=progress,
        )
        integrity_problems = ds.problems
    progress("drawing the report")
    html, view = fit(data, max_bytes, limits or Limits())
    encoded = html.encode("utf-8")
    try:
        _write_atomically(out, encoded)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return ReportSummary(
        path=str(out),
        bytes=len(encoded),
        max_bytes=max_bytes,
        processes=len(data.processes),
        processes_shown=len(view.processes),
        findings=len(data.findings),
        trimmed=view.trimmed,
        limits=view.limits,
        warnings=[*data.recording.warnings, *data.signature_problems],
        integrity_problems=integrity_problems,
    )


def _write_atomically(out: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
