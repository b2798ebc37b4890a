"""Turn a procedure recorded for real into a signature's ``positive.jsonl``.

    python -m tests.detection.capture_samples tests/detection/procedures/NAME.sh SIGNATURE_ID
        [--out PATH] [--kinds KIND,KIND]

Records the procedure alone under ``tracee-py record`` (real eBPF, root), keeps the rows of
its process tree (the lifecycle kinds plus the kinds the signature reads, or ``--kinds``),
renumbers the process ids to small ones (the real ones are 63-bit hashes), drops the columns
that only identify this machine or may hold secrets (``node``, ``boot_id``, ``env`` unless
the signature reads it), runs the signature on the rows and marks the rows it fires on with
``"_finding": true``. The file starts with comment lines saying where the rows came from. It
refuses to write a file on which the signature finds nothing; with ``--negative`` the
procedure is a benign look-alike, the file is ``negative.jsonl`` and a finding is refused.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracee_py.query.dataset import open_dataset
from tracee_py.schema import EVENT_KINDS
from tracee_py.signatures import builtin_catalog, load_signatures
from tracee_py.signatures.engine import run_on_table, timestamps_ns
from tracee_py.store.rows import events_from_rows

from .harness import read_procedure, record_procedures

LIFECYCLE = ("process_snapshot", "process_fork", "process_exec", "process_exit")
DROPPED = {"node", "boot_id", "cgroup_id", "env"}
FIRST_ID = 1000


def _iso(ns: int) -> str:
    seconds, rest = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:09d}Z"


def tree_rows(data: Path, tree: set[int], kinds: set[str], keep_env: bool) -> list[dict[str, Any]]:
    """The rows of ``tree``'s processes of ``kinds``, in time order, nulls left out."""
    ds = open_dataset(data)
    try:
        cursor = ds.con.execute(
            "SELECT * EXCLUDE (time), epoch_ns(time) AS time_ns FROM events "
            "WHERE process_id IN (SELECT unnest($1::BIGINT[])) AND event IN "
            "(SELECT unnest($2::VARCHAR[])) ORDER BY time_ns, process_id",
            [sorted(tree), sorted(kinds)],
        )
        names = [d[0] for d in cursor.description]
        records = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    finally:
        ds.close()
    dropped = DROPPED - ({"env"} if keep_env else set())
    rows = []
    for raw in records:
        row: dict[str, Any] = {"time": _iso(raw.pop("time_ns"))}
        for key, value in raw.items():
            if key in dropped or key in ("date",) or value is None:
                continue
            row[key] = value.isoformat() if hasattr(value, "isoformat") else value
        rows.append(row)
    return rows


def renumber(rows: list[dict[str, Any]]) -> None:
    """Process ids become FIRST_ID, FIRST_ID+1, ... in order of first appearance."""
    new: dict[int, int] = {}
    for row in rows:
        for key in ("parent_process_id", "process_id"):
            old = row.get(key)
            if old is not None:
                row[key] = new.setdefault(old, FIRST_ID + len(new))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("procedure", type=Path)
    parser.add_argument("signature")
    parser.add_argument("--out", type=Path, help="default: signatures/ID/positive.jsonl")
    parser.add_argument("--kinds", help="event kinds to keep besides the lifecycle ones")
    parser.add_argument(
        "--negative",
        action="store_true",
        help="a benign look-alike: write negative.jsonl, and refuse if the signature fires",
    )
    args = parser.parse_args(argv)

    catalog = load_signatures([builtin_catalog()])
    [sig] = [s for s in catalog.signatures if s.id == args.signature] or [None]
    if sig is None:
        parser.error(f"no signature {args.signature!r} in the catalog")
    procedure = read_procedure(args.procedure.resolve())
    if args.kinds:
        wanted = set(args.kinds.split(","))
    elif sig.event_kinds is not None:
        wanted = set(sig.event_kinds)
    else:
        wanted = set(EVENT_KINDS)
    kinds = set(LIFECYCLE) | wanted
    with tempfile.TemporaryDirectory(prefix="capture-samples.") as tmp:
        session = record_procedures(Path(tmp) / "data", [procedure])
        run = session.runs[procedure.name]
        if run.returncode != 0 or not run.tree:
            print(f"the procedure failed ({run.returncode}):\n{run.stderr}", file=sys.stderr)
            return 1
        rows = tree_rows(Path(tmp) / "data", run.tree, kinds, keep_env="env" in sig.sql)
    renumber(rows)
    table = events_from_rows(rows)
    result = run_on_table(table, [sig]).runs[0]
    if result.error:
        print(f"{sig.id} failed on the rows: {result.error}", file=sys.stderr)
        return 1
    if args.negative and result.findings:
        print(f"{sig.id} fires on this look-alike: {result.findings[0].detail}", file=sys.stderr)
        return 1
    if not args.negative and not result.findings:
        print(f"{sig.id} found nothing in {len(rows)} rows", file=sys.stderr)
        return 1
    times = timestamps_ns(table.column("time"))
    hits = {(f.process_id, f.time_ns) for f in result.findings}
    name = "negative.jsonl" if args.negative else "positive.jsonl"
    out = args.out or builtin_catalog() / sig.id / name
    repo = Path(__file__).resolve().parents[2]
    rel = (
        procedure.path.relative_to(repo) if procedure.path.is_relative_to(repo) else procedure.path
    )
    what = "benign look-alike" if args.negative else "procedure"
    lines = [
        f"# Recorded for real: {rel} ({what}) run under `tracee-py record` on Linux "
        f"{platform.release()}, {datetime.now(UTC):%Y-%m-%d}",
        "# (tests/detection/capture_samples.py). The rows of the procedure's process tree",
        f"# ({', '.join(sorted(kinds))}); process ids renumbered; node, boot id, cgroup and",
        "# environment left out.",
    ]
    for i, row in enumerate(rows):
        if (row.get("process_id"), times[i]) in hits:
            row = {**row, "_finding": True}
        lines.append(json.dumps(row, ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}: {len(rows)} rows, {len(hits)} finding(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
