"""200 Sigma rules over a synthetic recording, as a ratio to one full read.

The rules are generated variants (five templates over the log sources we map, times 40
values), written to a temporary directory and converted with ``load_sigma`` as
``sig run --sigma`` does; they then run like the catalog: the recording is read once into
the sandbox and every converted rule queries it. Compared in the same process with one
full read (every column of every event copied into memory) and one full scan, from
``bench_signatures.py``.

Run::

    .venv/bin/python benchmarks/bench_sigma.py                       # 10M events
    .venv/bin/python benchmarks/bench_sigma.py --events 1000000 --repeat 1
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench_signatures import best_of, dataset, full_read, full_scan, parse_arguments

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracee_py.signatures import RunResult  # noqa: E402
from tracee_py.signatures.engine import run_on_dataset  # noqa: E402
from tracee_py.signatures.sigma import load_sigma  # noqa: E402

NAMES = [f"tool{i}" for i in range(40)]
TEMPLATES = {
    "exec": ("process_creation", "Image|endswith: '/{v}'\n    CommandLine|contains: ' -{v} '"),
    "parent": ("process_creation", "ParentImage|endswith: '/{v}'\n    User: '0'"),
    "write": ("file_event", "TargetFilename|startswith: '/etc/{v}/'"),
    "delete": ("file_delete", "TargetFilename|re: '^/var/log/{v}\\.[0-9]+$'"),
    "connect": ("network_connection", "DestinationIp|cidr: '10.{n}.0.0/16'\n    Initiated: 'true'"),
}


def write_rules(folder: Path) -> int:
    count = 0
    for kind, (category, detection) in TEMPLATES.items():
        for n, value in enumerate(NAMES):
            body = detection.format(v=value, n=n)
            (folder / f"{kind}-{n}.yml").write_text(
                f"title: {kind} {value}\nid: 00000000-0000-4000-9000-{count:012d}\n"
                f"level: medium\nlogsource: {{product: linux, category: {category}}}\n"
                f"detection:\n  sel:\n    {body}\n  condition: sel\n"
            )
            count += 1
    return count


def main() -> None:
    args = parse_arguments(__doc__ or "")

    data = dataset(args.dir, args.events, args.nodes)
    with tempfile.TemporaryDirectory() as tmp:
        total = write_rules(Path(tmp))
        started = time.perf_counter()
        converted = load_sigma([Path(tmp)])
        convert_seconds = time.perf_counter() - started
    assert not converted.problems, converted.problems
    signatures = converted.signatures
    print(
        f"dataset: {args.events:,} events; {total} Sigma rules, {len(signatures)} converted "
        f"in {convert_seconds:.1f}s; best of {args.repeat}"
    )
    read, _ = best_of(lambda: full_read(data), args.repeat)
    scan, _ = best_of(lambda: full_scan(data), args.repeat)
    run_time, result = best_of(lambda: run_on_dataset(data, signatures), args.repeat)
    assert isinstance(result, RunResult)
    assert not result.errors, [r.error for r in result.errors]
    queries = sum(r.seconds for r in result.runs)
    rows = [
        ("one full read (SELECT * into memory)", read),
        ("one full scan (every column of every event)", scan),
        (f"{len(signatures)} Sigma rules (sig run --sigma, library)", run_time),
        ("  loading the sandbox", result.load_seconds),
        (f"  {len(result.runs)} rule queries, findings included", queries),
    ]
    print(f"\n{'':52} {'seconds':>8} {'x full read':>12}")
    for label, seconds in rows:
        print(f"{label:52} {seconds:8.2f} {seconds / read:12.2f}")
    slowest = sorted(result.runs, key=lambda r: -r.seconds)[:5]
    print("\nslowest rules: " + ", ".join(f"{r.signature.name} {r.seconds:.2f}s" for r in slowest))
    print(
        f"\nconversion (not in the ratio): {convert_seconds:.1f}s; findings: "
        f"{len(result.findings):,}; {len(signatures)} Sigma rules / one full read: "
        f"{run_time / read:.2f}x"
    )


if __name__ == "__main__":
    main()
