"""Investigation benchmarks on a synthetic recording, printed as ratios.

Every figure is a ratio to a full scan of the same dataset measured in the same run
(``SELECT event, count(*) FROM events GROUP BY event``: one column of every row), so the
figures travel between machines better than seconds do:

- tree of one process (the ``make`` of a wide build: its ancestors and 2,000+ descendants),
- ``ps --at`` (every process running at the middle of the recording),
- a timeline (that process with all its descendants' events),
- the same tree through the ``tracee-py`` command (interpreter start included),
- building the process index, once per dataset (the other questions read it),
- and the same tree question answered by ``jq`` over a JSON-lines export of the events.

Run::

    .venv/bin/python benchmarks/bench_query.py                 # 10M events
    TRACEE_BENCH_100M=1 .venv/bin/python benchmarks/bench_query.py   # and 100M

Datasets are generated once under ``--dir`` (default /tmp/tracee-bench) and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracee_py import proctree  # noqa: E402
from tracee_py.query import open_dataset  # noqa: E402
from tracee_py.query.times import format_ns  # noqa: E402
from tracee_py.synth import SynthSummary, generate  # noqa: E402

TRACEE = str(Path(sys.executable).with_name("tracee-py"))
FULL_SCAN = "SELECT event, count(*) FROM events GROUP BY event"
JQ_TREE = r"""
# Ancestors and descendants of $target, from the fork and snapshot rows.
reduce (inputs | select(.event == "process_fork" or .event == "process_snapshot")) as $e
  ({}; if has($e.process_id) then . else .[$e.process_id] = $e.parent_process_id end)
| . as $parent
| ([to_entries[] | select(.value != null)] | group_by(.value)
   | map({key: .[0].value, value: map(.key)}) | from_entries) as $children
| {
    ancestors: [$target | recurse($parent[.] // empty)][1:],
    descendants: [$target | recurse($children[.][]?)][1:]
  }
"""


def median_time(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def dataset(base: Path, events: int, nodes: int) -> tuple[Path, SynthSummary, float]:
    """The dataset for ``events`` (generated once; its summary is kept next to it)."""
    data = base / f"events-{events}"
    info = base / f"events-{events}.json"
    if info.exists():
        saved = json.loads(info.read_text())
        summary = SynthSummary(
            root=data, nodes=tuple(saved["nodes"]), events=saved["events"],
            processes=saved["processes"], start_ns=saved["start_ns"], end_ns=saved["end_ns"],
            marks={k: tuple(v) for k, v in saved["marks"].items()},  # type: ignore[misc]
        )  # fmt: skip
        return data, summary, float(saved["seconds"])
    shutil.rmtree(data, ignore_errors=True)
    start = time.perf_counter()
    summary = generate(data, events=events, nodes=nodes, seed=7,
                       progress=lambda m: print("  " + m, flush=True))  # fmt: skip
    seconds = time.perf_counter() - start
    info.write_text(json.dumps({
        "nodes": summary.nodes, "events": summary.events, "processes": summary.processes,
        "start_ns": summary.start_ns, "end_ns": summary.end_ns, "marks": summary.marks,
        "seconds": seconds,
    }))  # fmt: skip
    return data, summary, seconds


def export_jsonl(data: Path, target: Path) -> float:
    """All events as JSON lines (process ids as strings: jq's numbers are doubles)."""
    if target.exists():
        return 0.0
    start = time.perf_counter()
    tmp = target.with_suffix(".tmp")
    with open_dataset(data) as ds:
        ds.con.execute(
            "COPY (SELECT * REPLACE (process_id::VARCHAR AS process_id, "
            "parent_process_id::VARCHAR AS parent_process_id) FROM events) "
            f"TO '{tmp}' (FORMAT json)"
        )
    tmp.rename(target)
    return time.perf_counter() - start


def bench(base: Path, events: int, nodes: int, repeat: int, with_jq: bool) -> dict[str, float]:
    print(f"\n== {events:,} events on {nodes} nodes", flush=True)
    data, summary, gen_seconds = dataset(base, events, nodes)
    print(f"  dataset: {summary.processes:,} processes; generated in {gen_seconds:.0f}s "
          f"({summary.events / gen_seconds / 1e6:.2f}M events/s)")  # fmt: skip
    cache = base / f"cache-{events}"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["TRACEE_PY_CACHE"] = str(cache)
    target = summary.marks["wide_root"][1]
    at_ns = (summary.start_ns + summary.end_ns) // 2

    def full_scan() -> None:
        with open_dataset(data) as ds:
            ds.con.execute(FULL_SCAN).fetchall()

    def index_build() -> int:
        with open_dataset(data) as ds:
            return len(proctree.process_index(ds))

    def tree() -> int:
        with open_dataset(data) as ds:
            return len(proctree.process_tree(ds, target))

    def ps() -> int:
        with open_dataset(data) as ds:
            return len(proctree.processes_at(ds, at_ns))

    def timeline() -> int:
        with open_dataset(data) as ds:
            return sum(1 for _ in proctree.timeline(ds, target, descendants=True))

    def cli_tree() -> None:
        subprocess.run(
            [TRACEE, "tree", "--data", str(data), "--process-id", str(target), "-o", "json"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    full_scan()  # warm the page cache: every figure below reads from memory
    start = time.perf_counter()
    n_proc = index_build()
    cold = time.perf_counter() - start
    results = {
        "full scan (count per kind)": median_time(full_scan, repeat),
        "tree of one process": median_time(tree, repeat),
        "ps --at": median_time(ps, repeat),
        "timeline with descendants": median_time(timeline, repeat),
        "tree via the CLI (process start included)": median_time(cli_tree, repeat),
        "process index build (once per dataset)": cold,
    }
    print(f"  tree: {tree()} processes; ps --at {format_ns(at_ns, digits=0)}: {ps()} "
          f"processes; timeline: {timeline():,} events; index: {n_proc:,} processes")  # fmt: skip
    if with_jq:
        export = base / f"events-{events}.jsonl"
        seconds = export_jsonl(data, export)
        if seconds:
            print(f"  JSON-lines export: {export.stat().st_size / 1e9:.1f} GB in {seconds:.0f}s")
        program = base / "tree.jq"
        program.write_text(JQ_TREE)
        start = time.perf_counter()
        run = subprocess.run(
            ["jq", "-n", "-c", "--arg", "target", str(target), "-f", str(program), str(export)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        results["tree via jq over JSON lines"] = time.perf_counter() - start
        answer = json.loads(run.stdout)
        with open_dataset(data) as ds:
            ours = {str(p.process_id) for p in proctree.ancestors(ds, target)}
            ours |= {str(p.process_id) for p in proctree.descendants(ds, target)}
        same = set(answer["ancestors"]) | set(answer["descendants"]) == ours
        print(f"  jq found the same {len(ours):,} processes: {same}")
    scan = results["full scan (count per kind)"]
    print(f"\n  {'question':45} {'seconds':>9} {'x full scan':>12}")
    for name, seconds in results.items():
        print(f"  {name:45} {seconds:9.3f} {seconds / scan:12.2f}")
    if "tree via jq over JSON lines" in results:
        jq_ratio = results["tree via jq over JSON lines"] / results["tree of one process"]
        cli_ratio = (
            results["tree via jq over JSON lines"]
            / results["tree via the CLI (process start included)"]
        )
        print(f"  jq / tracee-py tree: {jq_ratio:,.0f}x (library), {cli_ratio:,.0f}x (CLI)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/tracee-bench"))
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--nodes", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-jq", action="store_true", help="Skip the jq comparison.")
    args = parser.parse_args()
    if not args.no_jq and shutil.which("jq") is None:
        sys.exit("jq is not installed (apt-get install -y jq), or pass --no-jq")
    args.dir.mkdir(parents=True, exist_ok=True)
    bench(args.dir, args.events, args.nodes, args.repeat, not args.no_jq)
    if os.environ.get("TRACEE_BENCH_100M"):
        bench(args.dir, 100_000_000, max(args.nodes, 8), args.repeat, not args.no_jq)


if __name__ == "__main__":
    main()
