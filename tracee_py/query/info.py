"""What a data directory holds: nodes, boots, time range, events and lost events per kind,
files, and every file that is damaged or does not match its manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracee_py.query.dataset import DamagedFile, DataFile, Dataset
from tracee_py.store.layout import DatasetLayout
from tracee_py.store.manifest import FileCheck, check_files


@dataclass(frozen=True)
class NodeSummary:
    node: str
    boot_ids: list[str]
    first_ns: int | None
    last_ns: int | None
    events: int
    files: int
    bytes: int


@dataclass(frozen=True)
class KindCount:
    node: str
    kind: str
    events: int
    lost: int


@dataclass(frozen=True)
class LostInterval:
    node: str
    start_ns: int
    end_ns: int
    kind: str | None
    lost: int


@dataclass(frozen=True)
class RunCapability:
    """What the kernel offered one recording run (``capability`` rows of ``stats``)."""

    node: str
    run_id: str
    name: str
    available: bool
    detail: str | None


@dataclass
class DatasetInfo:
    root: str
    nodes: list[NodeSummary] = field(default_factory=list)
    kinds: list[KindCount] = field(default_factory=list)
    lost: list[LostInterval] = field(default_factory=list)
    files: list[DataFile] = field(default_factory=list)
    damaged: list[DamagedFile] = field(default_factory=list)
    manifest: list[FileCheck] = field(default_factory=list)  # problems only
    capabilities: list[RunCapability] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total_events(self) -> int:
        return sum(n.events for n in self.nodes)

    @property
    def first_ns(self) -> int | None:
        firsts = [n.first_ns for n in self.nodes if n.first_ns is not None]
        return min(firsts) if firsts else None

    @property
    def last_ns(self) -> int | None:
        lasts = [n.last_ns for n in self.nodes if n.last_ns is not None]
        return max(lasts) if lasts else None


def dataset_info(ds: Dataset, *, verify_hashes: bool = True) -> DatasetInfo:
    """Summarise ``ds``. ``verify_hashes`` reads every file to check it against the manifest."""
    rows = ds.retrying(
        lambda: ds.con.execute(
            "SELECT node, boot_id, event, count(*), epoch_ns(min(time)), epoch_ns(max(time)) "
            "FROM events GROUP BY ALL"
        ).fetchall()
    )
    lost_rows = ds.retrying(
        lambda: ds.con.execute(
            "SELECT node, epoch_ns(interval_start), epoch_ns(interval_end), kind, sum(value) "
            "FROM stats WHERE metric = 'lost' AND value > 0 GROUP BY ALL ORDER BY 1, 2, 4"
        ).fetchall()
    )
    capability_rows = ds.retrying(
        lambda: ds.con.execute(
            "SELECT node, run_id, kind, value, detail FROM stats WHERE metric = 'capability' "
            "ORDER BY node, min(interval_start) OVER (PARTITION BY node, run_id), run_id"
        ).fetchall()
    )
    info = DatasetInfo(root=ds.root, warnings=list(ds.warnings), damaged=list(ds.damaged))
    info.capabilities = [RunCapability(n, r, k, bool(v), d) for n, r, k, v, d in capability_rows]
    info.files = sorted(ds.files + ds.stats_files, key=lambda f: f.path)
    info.lost = [LostInterval(n, s, e, k, int(v)) for n, s, e, k, v in lost_rows]

    per_node: dict[str, dict[str, object]] = {}
    counts: dict[tuple[str, str], int] = {}
    for node, boot_id, kind, n, first, last in rows:
        s = per_node.setdefault(node, {"boots": set(), "first": first, "last": last, "events": 0})
        s["boots"].add(boot_id)  # type: ignore[attr-defined]
        s["first"] = min(s["first"], first)  # type: ignore[type-var]
        s["last"] = max(s["last"], last)  # type: ignore[type-var]
        s["events"] = int(s["events"]) + n  # type: ignore[call-overload]
        counts[(node, kind)] = counts.get((node, kind), 0) + n
    lost_totals: dict[tuple[str, str], int] = {}
    for row in info.lost:
        key = (row.node, row.kind or "?")
        lost_totals[key] = lost_totals.get(key, 0) + row.lost
    for key in sorted(set(counts) | set(lost_totals)):
        info.kinds.append(KindCount(key[0], key[1], counts.get(key, 0), lost_totals.get(key, 0)))
    for node in sorted(per_node):
        s = per_node[node]
        files = [f for f in ds.files if f.node == node]
        info.nodes.append(
            NodeSummary(
                node=node,
                boot_ids=sorted(s["boots"]),  # type: ignore[call-overload]
                first_ns=s["first"],  # type: ignore[arg-type]
                last_ns=s["last"],  # type: ignore[arg-type]
                events=int(s["events"]),  # type: ignore[call-overload]
                files=len(files),
                bytes=sum(f.bytes for f in files),
            )
        )
    if not ds.remote:
        info.manifest = (
            [c for c in check_files(DatasetLayout(Path(ds.root)), hashes=True) if c.problem]
            if verify_hashes
            else list(ds.integrity)  # listed, present and sized: checked on open
        )
    return info
