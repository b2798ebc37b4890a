"""DuckDB vs Spark (local mode) over a synthetic fleet: the same questions and the same
signature catalog, as ratios measured in one run, with each engine's peak memory.

    .venv/bin/python benchmarks/bench_fleet.py                      # 16 nodes, 1.6M events
    .venv/bin/python benchmarks/bench_fleet.py --events 1000000,4000000   # several sizes
    .venv/bin/python benchmarks/bench_fleet.py --events 100000000 --master 'local[8]' \\
        --memory 16g                                               # the issue's 100M

Several sizes in one run show how the ratio moves with size on the same machine under the
same load. Peak memory is the resident high-water mark (``VmHWM``) of this process while
DuckDB answers and of Spark's JVM while Spark does, each reset before its engine runs
(``/proc/PID/clear_refs``); the run fails if either passes ``--max-memory`` (24 GiB).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
GIB = 1 << 30


def reset_peak(pid: int | str) -> None:
    """Start a new resident high-water mark for ``pid`` (Linux: 5 resets VmHWM)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_bytes(pid: int | str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def dir_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.parquet"))


def one_size(args: argparse.Namespace, events: int, jvm: int, sigs: list[Any]) -> list[str]:
    root = args.dir / f"{events}-{args.nodes}"
    if not root.exists():
        t = time.perf_counter()
        generate(root, events=events, nodes=args.nodes, seed=1)
        print(f"generated {events:,} events in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    size = dir_bytes(root)

    def q_duckdb(sql: str) -> Callable[[], None]:
        def run() -> None:
            with open_dataset(root) as ds:
                ds.con.sql(sql).fetchall()

        return run

    def q_spark(sql: str) -> Callable[[], None]:
        return lambda: spark_query(str(root), sql, master=args.master) and None

    jobs: list[tuple[str, Callable[[], Any], Callable[[], Any], int]] = [
        (name, q_duckdb(sql), q_spark(sql), args.repeat) for name, sql in QUESTIONS.items()
    ]
    if not args.skip_catalog:
        jobs.append(
            (
                "whole catalog (sig run)",
                lambda: run_on_dataset(root, sigs),
                lambda: run_on_spark_dataset(str(root), sigs, master=args.master),
                1,
            )
        )
    times: list[tuple[str, float, float]] = []
    reset_peak("self")
    for name, on_duckdb, _, repeat in jobs:
        times.append((name, median_time(on_duckdb, repeat), 0.0))
    duck_peak = peak_bytes("self")
    reset_peak(jvm)
    for i, (name, _, on_spark, repeat) in enumerate(jobs):
        times[i] = (name, times[i][1], median_time(on_spark, repeat))
    spark_peak = peak_bytes(jvm)
    for engine, peak in (("DuckDB", duck_peak), ("Spark", spark_peak)):
        if peak > args.max_memory * GIB:
            raise SystemExit(f"{engine} peaked at {peak / GIB:.1f} GiB > {args.max_memory} GiB")
    lines = [f"| {events:,} | {name} | {d:.2f} | {s:.2f} | {s / d:.1f}x |" for name, d, s in times]
    lines.append(
        f"| {events:,} | peak resident memory (GiB) | {duck_peak / GIB:.2f} | "
        f"{spark_peak / GIB:.2f} | {spark_peak / duck_peak:.1f}x |"
    )
    print(f"{events:,} events: {size / 2**20:.0f} MiB of Parquet", file=sys.stderr)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--events", default="1600000", help="events per fleet; several sizes: 1000000,4000000"
    )
    ap.add_argument("--nodes", type=int, default=16)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/tracee-bench-fleet"))
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--memory", default="2g", help="Spark driver memory")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-catalog", action="store_true", help="questions only")
    ap.add_argument("--max-memory", type=float, default=24, help="GiB either engine may peak at")
    args = ap.parse_args()
    sizes = [int(x.replace("_", "")) for x in args.events.split(",")]
    started = time.perf_counter()
    spark = spark_session(args.master, driver_memory=args.memory)
    spark_start = time.perf_counter() - started
    jvm = int(spark._jvm.java.lang.ProcessHandle.current().pid())
    sigs = list(load_signatures([builtin_catalog()], check_samples=False).signatures)
    print(
        f"{args.nodes} nodes, Spark {args.master}, driver memory {args.memory} "
        f"(session start {spark_start:.1f}s, not counted)"
    )
    print("| events | question | DuckDB s | Spark s | Spark / DuckDB |")
    print("|---:|---|---:|---:|---:|", flush=True)
    for events in sizes:  # each size's rows as soon as they are measured
        print("\n".join(one_size(args, events, jvm, sigs)), flush=True)


if __name__ == "__main__":
    main()
