"""Process-tree questions: which process is this pid, its ancestors and descendants, what ran
at a moment, in a container, in a pod, during a window. Answers are dataclasses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tracee_py.errors import NotFoundError, UsageError
from tracee_py.proctree.index import NO_END, ProcessIndex
from tracee_py.proctree.model import AmbiguousProcessError, ProcessNode, ProcessTree
from tracee_py.query.dataset import Dataset
from tracee_py.query.times import format_ns

PID_MAX_LIMIT = 4_194_304  # the largest pid Linux hands out (64-bit)
_MAX_LISTED = 8


def process_index(ds: Dataset, *, on_build: Callable[[int], None] | None = None) -> ProcessIndex:
    """The dataset's process index (built on first use, then cached)."""
    return ProcessIndex.load(ds, on_build=on_build)


# -- one process --------------------------------------------------------------------------------


def find_process(ds: Dataset, process_id: int) -> ProcessNode:
    index = process_index(ds)
    return index.nodes([index.require(process_id)])[0]


def resolve_pid(
    ds: Dataset, pid: int, *, at_ns: int | None = None, node: str | None = None
) -> ProcessNode:
    """The process that had ``pid`` (at ``at_ns``, on ``node``).

    A pid reused during the recording names several processes: ``at_ns`` picks the one
    running then. Without it, or when two nodes had the pid at that moment,
    :class:`AmbiguousProcessError` lists the candidates.
    """
    index = process_index(ds)
    rows = index.rows_with_pid(pid, node)
    where = f" on {node}" if node else ""
    if not len(rows):
        raise NotFoundError(f"pid {pid} is not in the recording{where}")
    if at_ns is not None:
        alive = rows[index.alive_at(at_ns)[rows]]
        if not len(alive):
            lives = _describe(index, rows)
            raise NotFoundError(
                f"pid {pid} was not running at {format_ns(at_ns)}{where}; it ran as {lives}"
            )
        rows = alive
    if len(rows) > 1:
        candidates = index.nodes(_by_start(index, rows))
        when = f" at {format_ns(at_ns)}" if at_ns is not None else ""
        hint = "--node" if at_ns is not None else "--at TIME, --node or --process-id"
        raise AmbiguousProcessError(
            f"pid {pid} names {len(rows)} processes{when}{where}, pick one with {hint}: "
            + _describe(index, rows),
            candidates,
        )
    return index.nodes(rows)[0]


def resolve(
    ds: Dataset, selector: int, *, at_ns: int | None = None, node: str | None = None
) -> ProcessNode:
    """A process from a number that is either a process_id or a pid.

    A number that is a recorded process_id selects that process; otherwise it is a pid
    (resolved with :func:`resolve_pid`).
    """
    index = process_index(ds)
    row = index.row_of(selector)
    if row is not None:
        return index.nodes([row])[0]
    if 0 < selector <= PID_MAX_LIMIT:
        return resolve_pid(ds, selector, at_ns=at_ns, node=node)
    raise NotFoundError(f"process_id {selector} is not in the recording")


def ancestors(ds: Dataset, process_id: int) -> list[ProcessNode]:
    """Parent first, then grandparent, up to the oldest recorded ancestor."""
    index = process_index(ds)
    return index.nodes(index.ancestors(index.require(process_id)))


def descendants(ds: Dataset, process_id: int) -> list[ProcessNode]:
    """Every process below ``process_id``, depth first, children in start order."""
    index = process_index(ds)
    return index.nodes(index.descendants(index.require(process_id)))


def process_tree(
    ds: Dataset, process_id: int, *, from_ns: int | None = None, to_ns: int | None = None
) -> ProcessTree:
    """The chain of ancestors down to the process, and all its descendants.

    With a window, only descendants alive during it are kept (with the processes between
    them and the focus, so the shape stays true).
    """
    index = process_index(ds)
    row = index.require(process_id)
    chain = list(reversed(index.ancestors(row)))
    below = index.descendants(row)
    if from_ns is not None or to_ns is not None:
        alive = index.alive_during(from_ns, to_ns)
        keep = {r for r in below if alive[r]}
        for r in list(keep):
            keep.update(a for a in index.ancestors(r) if a not in chain and a != row)
        below = [r for r in below if r in keep]
    rows = [*chain, row, *below]
    nodes = dict(zip(rows, index.nodes(rows), strict=True))
    roots = _link(index, rows, nodes)
    return ProcessTree(roots=roots, focus=process_id, title=_title(nodes[row]))


# -- many processes ------------------------------------------------------------------------------


def processes_at(
    ds: Dataset,
    at_ns: int,
    *,
    node: str | None = None,
    container: str | None = None,
    pod: str | None = None,
) -> list[ProcessNode]:
    """Processes running at ``at_ns`` (``ps``), ordered by node and pid."""
    index = process_index(ds)
    mask = _selection(ds, index, node=node, container=container, pod=pod)
    rows = np.flatnonzero(mask & index.alive_at(at_ns))
    if not len(rows):
        raise NotFoundError(f"no process was running at {format_ns(at_ns)}; {_span(index)}")
    rank = np.argsort(np.argsort(index.node_names))  # node code -> alphabetical position
    order = np.lexsort((index.pid[rows], rank[index.node_code[rows]]))
    return index.nodes(rows[order])


def recording_end(ds: Dataset, *, node: str | None = None) -> int:
    """The last moment the recording (of ``node``) covers: the newest event of its files, or
    the latest process start when the files do not say (``ps`` without ``--at``)."""
    lasts = [
        f.last_ns for f in ds.files if f.last_ns is not None and (node is None or f.node == node)
    ]
    if lasts:
        return max(lasts)
    return int(process_index(ds).start_ns.max(initial=0))


def forest(
    ds: Dataset,
    *,
    at_ns: int | None = None,
    from_ns: int | None = None,
    to_ns: int | None = None,
    node: str | None = None,
    container: str | None = None,
    pod: str | None = None,
) -> ProcessTree:
    """The processes of a container, a pod, a moment or a window, as trees.

    A process whose parent is not selected is a root; its ``ppid`` still says who the
    parent was.
    """
    if at_ns is None and from_ns is None and to_ns is None and not (container or pod):
        raise UsageError("say which processes: a container, a pod, a time or a time window")
    index = process_index(ds)
    mask = _selection(ds, index, node=node, container=container, pod=pod)
    if at_ns is not None:
        mask &= index.alive_at(at_ns)
    if from_ns is not None or to_ns is not None:
        mask &= index.alive_during(from_ns, to_ns)
    found = np.flatnonzero(mask)
    if not len(found):
        raise NotFoundError(f"no process matches; {_span(index)}")
    rows = _by_start(index, found)
    nodes = dict(zip(rows, index.nodes(rows), strict=True))
    parts = [
        f"container {container}" if container else "",
        f"pod {pod}" if pod else "",
        f"at {format_ns(at_ns)}" if at_ns is not None else "",
        f"from {format_ns(from_ns)}" if from_ns is not None else "",
        f"to {format_ns(to_ns)}" if to_ns is not None else "",
    ]
    title = f"{len(rows)} processes " + " ".join(p for p in parts if p)
    return ProcessTree(roots=_link(index, rows, nodes), title=title)


# -- helpers -------------------------------------------------------------------------------------


def _selection(
    ds: Dataset, index: ProcessIndex, *, node: str | None, container: str | None, pod: str | None
) -> np.ndarray:
    mask = index.node_mask(node)
    if node and not mask.any():
        raise NotFoundError(f"node {node!r} is not in the recording")
    if container:
        found = index.container_mask(container)
        if not found.any():
            known = _known(index, "container_name")
            raise NotFoundError(f"no process ran in container {container!r} (containers: {known})")
        mask &= found
    if pod:
        found = index.pod_mask(pod)
        if not found.any():
            known = _known(index, "pod_name")
            raise NotFoundError(f"no process ran in pod {pod!r} (pods: {known})")
        mask &= found
    return mask


def _known(index: ProcessIndex, column: str) -> str:
    values = sorted({v for v in index.table.column(column).unique().to_pylist() if v})
    if not values:
        return "none recorded"
    more = f", ... {len(values) - _MAX_LISTED} more" if len(values) > _MAX_LISTED else ""
    return ", ".join(values[:_MAX_LISTED]) + more


def _by_start(index: ProcessIndex, rows: np.ndarray) -> list[int]:
    return [int(r) for r in rows[np.lexsort((index.ids[rows], index.start_ns[rows]))]]


def _link(index: ProcessIndex, rows: list[int], nodes: dict[int, ProcessNode]) -> list[ProcessNode]:
    """Attach each node to its parent when the parent is among ``rows``; the rest are roots."""
    roots = []
    for r in rows:
        parent = int(index.parent_row[r])
        if parent >= 0 and parent in nodes and parent != r:
            nodes[parent].children.append(nodes[r])
        else:
            roots.append(nodes[r])
    for n in nodes.values():
        n.children.sort(key=lambda c: (c.start_ns or 0, c.process_id))
    return roots


def _describe(index: ProcessIndex, rows: np.ndarray) -> str:
    parts = []
    ordered = _by_start(index, rows)
    for r in ordered[:_MAX_LISTED]:
        start = format_ns(int(index.start_ns[r]), digits=3)
        end_ns = int(index.end_ns[r])
        end = "still running" if end_ns == NO_END else format_ns(end_ns, digits=3)
        exe = index.table.column("exe")[r].as_py() or "?"
        node = index.node_names[index.node_code[r]]
        parts.append(f"process_id {int(index.ids[r])} ({node}, {start} to {end}, {exe})")
    if len(ordered) > _MAX_LISTED:
        parts.append(f"... {len(ordered) - _MAX_LISTED} more")
    return "; ".join(parts)


def _span(index: ProcessIndex) -> str:
    if not len(index):
        return "the recording has no processes"
    first = int(index.start_ns.min())
    ends = index.end_ns[index.end_ns != NO_END]
    last = int(max(ends.max() if len(ends) else first, index.start_ns.max()))
    return f"processes in the recording run from {format_ns(first)} to {format_ns(last)}"


def _title(node: ProcessNode) -> str:
    return f"process {node.pid} ({node.exe or node.comm or '?'}) on {node.node}"
