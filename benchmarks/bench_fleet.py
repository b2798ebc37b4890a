"""DuckDB vs Spark (local mode) over a synthetic fleet: the same questions and the same
signature catalog, as ratios measured in one run.

    .venv/bin/python benchmarks/bench_fleet.py                    # 16 nodes, 1.6M events
    .venv/bin/python benchmarks/bench_fleet.py --events 100000000 --master 'local[8]'

The issue asks for 100M events; that is an argument away, but it is not what this script
defaults to (or was run with) on a 2-core machine shared with other jobs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_query import median_time
from tracee_py.query.dataset import open_dataset
from tracee_py.query.spark import spark_query, spark_session
from tracee_py.signatures.engine import run_on_dataset
from tracee_py.signatures.loader import builtin_catalog, load_signatures
from tracee_py.signatures.spark_sandbox import run_on_spark_dataset
from tracee_py.synth import generate

QUESTIONS = {
    "count per kind": "SELECT event, count(*) FROM events GROUP BY event",
    "one node, execs of curl": "SELECT node, pid, exe FROM events WHERE node = 'node-07' "
    "AND event = 'process_exec' AND exe LIKE '%/curl'",
    "processes per node": "SELECT node, count(*) FROM processes GROUP BY node",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_600_000)
    ap.add_argument("--nodes", type=int, default=16)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/tracee-bench-fleet"))
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--memory", default="2g", help="Spark driver memory")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = args.dir / f"{args.events}-{args.nodes}"
    if not root.exists():
        t = time.perf_counter()
        generate(root, events=args.events, nodes=args.nodes, seed=1)
        print(
            f"generated {args.events:,} events on {args.nodes} nodes "
            f"in {time.perf_counter() - t:.1f}s",
            file=sys.stderr,
        )
    started = time.perf_counter()
    spark_session(args.master, driver_memory=args.memory)
    spark_start = time.perf_counter() - started
    rows = []
    for name, sql in QUESTIONS.items():

        def on_duckdb(sql: str = sql) -> None:
            with open_dataset(root) as ds:
                ds.con.sql(sql).fetchall()

        def on_spark(sql: str = sql) -> None:
            spark_query(str(root), sql, master=args.master)

        rows.append((name, median_time(on_duckdb, args.repeat), median_time(on_spark, args.repeat)))
    sigs = list(load_signatures([builtin_catalog()], check_samples=False).signatures)
    rows.append(
        (
            "whole catalog (sig run)",
            median_time(lambda: run_on_dataset(root, sigs), 1),
            median_time(lambda: run_on_spark_dataset(str(root), sigs, master=args.master), 1),
        )
    )
    print(
        f"{args.events:,} events, {args.nodes} nodes, Spark {args.master} "
        f"(session start {spark_start:.1f}s, not counted)"
    )
    print("| question | DuckDB s | Spark s | Spark / DuckDB |\n|---|---:|---:|---:|")
    for name, d, s in rows:
        print(f"| {name} | {d:.2f} | {s:.2f} | {s / d:.1f}x |")


if __name__ == "__main__":
    main()
