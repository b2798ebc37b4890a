"""The whole signature catalog over a synthetic recording, as a ratio to one full scan.

``sig run`` reads the recording once: the rows of every kind a selected signature uses,
with only the columns the signatures name, go into one locked in-memory DuckDB database,
``processes`` and the helper tables are derived from it, then each signature queries that.
This script times that run and compares it, in the same process, with:

- one full scan: a single query that reads every column of every event
  (``max()`` of each column; the unit the target is expressed in),
- one full read: every column of every event copied into memory (``SELECT *``), i.e. what
  any engine that looks at all the data must at least do once,
- the query benchmark's unit (``count(*)`` per kind: one column of every row).

Run::

    .venv/bin/python benchmarks/bench_signatures.py              # 10M events
    .venv/bin/python benchmarks/bench_signatures.py --events 1000000 --repeat 3

The dataset is generated once with ``tracee-py synth`` under ``--dir`` (default
/tmp/tracee-bench, shared with bench_query.py) and reused. Each figure is the best of
``--repeat`` runs (the machines this runs on are shared; the best run is the least
disturbed one). The CPU time of that run (every thread of this process) is shown too: on a
machine shared with other jobs, wall time stretches with the load while CPU time barely
moves, so the CPU ratio is the steadier figure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracee_py.query import open_dataset  # noqa: E402
from tracee_py.schema import EVENT_COLUMNS  # noqa: E402
from tracee_py.signatures import RunResult, builtin_catalog, load_signatures  # noqa: E402
from tracee_py.signatures.engine import run_on_dataset  # noqa: E402

TRACEE = str(Path(sys.executable).with_name("tracee-py"))
LIST_COLUMNS = ("argv", "env")


def best_of(run: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """The fastest of ``repeat`` runs: its wall time, its CPU time and what it returned."""
    best, cpu, value = float("inf"), 0.0, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = run()
        took = time.perf_counter() - start
        if took < best:
            best, cpu, value = took, time.process_time() - start_cpu, out
    return best, cpu, value


def dataset(base: Path, events: int, nodes: int) -> Path:
    data = base / f"events-{events}"
    if not any(data.glob("events/node=*/date=*/*.parquet")):
        base.mkdir(parents=True, exist_ok=True)
        print(f"generating {events:,} events into {data} ...", file=sys.stderr)
        subprocess.run(
            [TRACEE, "synth", "--data", str(data), "--events", str(events), "--nodes",
             str(nodes)],
            check=True,
        )  # fmt: skip
    return data


def full_scan(data: Path) -> None:
    """One query that reads every column of every event."""
    with open_dataset(data) as ds:
        names = [d[0] for d in ds.con.execute("SELECT * FROM events LIMIT 0").description]
        parts = [f'max(len("{c}"))' if c in LIST_COLUMNS else f'max("{c}")' for c in names]
        ds.con.execute(f"SELECT {', '.join(parts)} FROM events").fetchall()


def full_read(data: Path) -> None:
    """Every column of every event copied into memory once."""
    with open_dataset(data) as ds:
        ds.con.execute("SET enable_progress_bar = false")
        ds.con.execute("CREATE TEMP TABLE everything AS SELECT * FROM events")


def count_per_kind(data: Path) -> None:
    with open_dataset(data) as ds:
        ds.con.execute("SELECT event, count(*) FROM events GROUP BY event").fetchall()


def parse_arguments(doc: str) -> argparse.Namespace:
    """The options the signature benchmarks share (dataset size, place, repeats)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--nodes", type=int, default=4)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/tracee-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    args = parse_arguments(__doc__ or "")

    data = dataset(args.dir, args.events, args.nodes)
    signatures = load_signatures([builtin_catalog()], check_samples=False).signatures
    size = sum(p.stat().st_size for p in data.glob("events/node=*/date=*/*.parquet"))
    print(
        f"dataset: {args.events:,} events, {size / 1e6:.0f} MB of Parquet, "
        f"{len(EVENT_COLUMNS)} columns; {len(signatures)} signatures; best of {args.repeat}"
    )

    scan, scan_cpu, _ = best_of(lambda: full_scan(data), args.repeat)
    read, read_cpu, _ = best_of(lambda: full_read(data), args.repeat)
    count, count_cpu, _ = best_of(lambda: count_per_kind(data), args.repeat)
    run_time, run_cpu, result = best_of(lambda: run_on_dataset(data, signatures), args.repeat)
    assert isinstance(result, RunResult)
    assert not result.errors, [r.error for r in result.errors]

    steps = result.load_steps
    phases = result.phase_seconds
    loading = sum(steps.values())
    rows = [
        ("one full scan (every column of every event)", scan),
        ("one full read (SELECT * into memory)", read),
        ("count per kind (one column: bench_query's unit)", count),
        ("all signatures (sig run, library)", run_time),
        ("  load: events the signatures read", steps.get("events", 0.0)),
        ("  load: processes", steps.get("processes", 0.0)),
        ("  load: helper tables (file_writes)", steps.get("helpers", 0.0)),
        (f"  {len(result.runs)} signature queries (wall)", phases.get("queries", 0.0)),
        ("  findings: process lookups and records", phases.get("findings", 0.0)),
        ("  correlation rules", phases.get("correlations", 0.0)),
        (
            "  rest: opening the recording",
            run_time - loading - sum(phases.values()),
        ),
    ]
    print(f"\n{'':52} {'seconds':>8} {'x full scan':>12} {'x full read':>12}")
    for label, seconds in rows:
        print(f"{label:52} {seconds:8.2f} {seconds / scan:12.2f} {seconds / read:12.2f}")
    print(
        f"\nCPU seconds (all threads): full scan {scan_cpu:.2f}, full read {read_cpu:.2f}, "
        f"count per kind {count_cpu:.2f}, all signatures {run_cpu:.2f}"
    )
    slowest = sorted(result.runs, key=lambda r: -r.seconds)[:5]
    print(
        "\nslowest signatures: " + ", ".join(f"{r.signature.id} {r.seconds:.2f}s" for r in slowest)
    )
    print(
        f"rows loaded: {result.rows_loaded:,} of {args.events:,}; findings: "
        f"{len(result.findings):,} (synthetic paths are drawn at random, so some fire)"
    )
    print(
        f"\nall signatures / one full scan: {run_time / scan:.2f}x; "
        f"/ one full read: {run_time / read:.2f}x (CPU time: {run_cpu / read_cpu:.2f}x)"
    )


if __name__ == "__main__":
    main()
