"""A synthetic recording: realistic events for tests and benchmarks, written by the real writer.

Each node gets a machine that was running before the recording (``process_snapshot``:
systemd, sshd, containerd, kubelet, six containers in pods), then jobs over the recorded
span: ssh sessions with pipelines, sudo and daemonised agents (orphans), cron runs, a wide
build (make -> hundreds of gcc -> cc1, as), a deep recursive script, container health
probes (runc -> sh -c -> exec curl) and work inside containers. Pids are handed out like the
kernel does and wrap at a small ``pid_max``, so they are reused many times. File, network
and other events fill the lives of the processes. Everything is built as numpy columns and
written with :class:`tracee_py.store.writer.EventWriter`, like the recorder's output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from tracee_py.store.writer import EventWriter, StatsWriter, WriterSettings, stats_manifest
from tracee_py.synth.events import NodeIdentity, RowBuilder, sort_order
from tracee_py.synth.plan import S, assign_pids, build_plan

DEFAULT_START_NS = 1_773_525_600 * S  # 2026-03-14T22:00:00Z: the span crosses midnight
DEFAULT_DURATION_S = 4 * 3600
EVENTS_PER_PROCESS = 16  # lifecycle rows are about 3 of them
WRITE_ROWS = 256 * 1024


@dataclass(frozen=True)
class SynthSummary:
    root: Path
    nodes: tuple[str, ...]
    events: int
    processes: int
    start_ns: int
    end_ns: int
    marks: dict[str, tuple[str, int]]  # "deep_leaf", "wide_root" -> (node, process_id)


def node_name(k: int) -> str:
    return f"node-{k + 1:02d}"


def generate(
    root: str | Path,
    *,
    events: int,
    nodes: int = 3,
    seed: int = 0,
    start_ns: int = DEFAULT_START_NS,
    duration_s: int = DEFAULT_DURATION_S,
    progress: Callable[[str], None] | None = None,
) -> SynthSummary:
    """Write about ``events`` events (exactly, unless that is too few for the process
    lifecycles) spread over ``nodes`` nodes into the data directory ``root``."""
    if events < 1 or nodes < 1:
        raise ValueError("events and nodes must be positive")
    root = Path(root)
    total = processes = 0
    marks: dict[str, tuple[str, int]] = {}
    names = []
    for k in range(nodes):
        budget = events // nodes + (1 if k < events % nodes else 0)
        rng = np.random.default_rng([seed, k])
        name = node_name(k)
        names.append(name)
        t0 = start_ns + k * 137 * S
        t1 = t0 + duration_s * S
        n_proc = max(120, budget // EVENTS_PER_PROCESS)
        plan = build_plan(rng, t0, t1, n_proc)
        assign_pids(plan, pid_max=int(np.clip(n_proc // 3, 512, 32768)))
        boot_id = _uuid(rng)
        ident = NodeIdentity(name, boot_id, plan.boot_ns)
        rows = RowBuilder(plan, ident, (t0, t1))
        parts = [rows.snapshots(), rows.forks(), rows.execs(), rows.exits()]
        lifecycle = sum(p.num_rows for p in parts)
        parts.append(rows.others(rng, budget - lifecycle))
        table = pa.concat_tables(parts).combine_chunks()
        _write(root, name, seed, table)
        _write_stats(root, name, boot_id, table, rng)
        total += table.num_rows
        processes += len(plan)
        for mark, i in plan.marks.items():
            marks.setdefault(mark, (name, int(rows.cols.id[i])))
        if progress:
            progress(f"{name}: {table.num_rows:,} events, {len(plan):,} processes")
    return SynthSummary(
        root=root,
        nodes=tuple(names),
        events=total,
        processes=processes,
        start_ns=start_ns,
        end_ns=start_ns + (nodes - 1) * 137 * S + duration_s * S,
        marks=marks,
    )


def _uuid(rng: np.random.Generator) -> str:
    h = "".join(f"{int(x):02x}" for x in rng.integers(0, 256, 16))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _write(root: Path, node: str, seed: int, table: pa.Table) -> None:
    order = sort_order(table)
    writer = EventWriter(
        root,
        node,
        run_id=f"synth{seed}",
        settings=WriterSettings(rotate_seconds=1e12, rotate_bytes=32 << 20),
    )
    try:
        for at in range(0, len(order), WRITE_ROWS):
            writer.write(table.take(pa.array(order[at : at + WRITE_ROWS])))
    finally:
        writer.close()


def _write_stats(
    root: Path, node: str, boot_id: str, table: pa.Table, rng: np.random.Generator
) -> None:
    """Events per kind per minute, and a few intervals where the kernel dropped events."""
    minute = 60 * S
    time = table.column("time").cast(pa.int64()).to_numpy()
    encoded = table.column("event").combine_chunks().dictionary_encode()
    kinds = encoded.dictionary.to_pylist()
    kind_idx = encoded.indices.to_numpy()
    bucket = time // minute
    keys, counts = np.unique(bucket * len(kinds) + kind_idx, return_counts=True)
    rows: list[dict[str, object]] = []
    for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
        b, k = divmod(key, len(kinds))
        rows.append(_stat(node, boot_id, b * minute, "events", kinds[k], count))
    lossy = rng.choice(np.unique(bucket), size=min(3, len(np.unique(bucket))), replace=False)
    for b in sorted(lossy.tolist()):
        rows.append(
            _stat(node, boot_id, b * minute, "lost", "file_open", int(rng.integers(10, 500)))
        )
    rows.sort(key=lambda r: (r["interval_start"], r["metric"], r["kind"]))  # type: ignore[arg-type,return-value]
    manifest = stats_manifest(root, node, "synth")
    writer = StatsWriter(root, node, manifest=manifest)
    by_hour: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        by_hour.setdefault(int(row["interval_start"]) // (3600 * S), []).append(row)  # type: ignore[call-overload]
    try:
        for hour in sorted(by_hour):  # one file per hour, so a file never spans two days
            writer.write_rows(by_hour[hour])
    finally:
        manifest.close()


def _stat(
    node: str, boot_id: str, start: int, metric: str, kind: str, value: int
) -> dict[str, object]:
    return {
        "interval_start": start,
        "interval_end": start + 60 * S,
        "node": node,
        "boot_id": boot_id,
        "run_id": "synth",
        "metric": metric,
        "kind": kind,
        "value": value,
    }
