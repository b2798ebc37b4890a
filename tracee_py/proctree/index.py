"""The process index: every process of a dataset, with its event counts, as one Arrow table.

Building it reads the dataset once (the ``processes`` view, plus a count of file and network
events per process); after that every tree, ``ps`` and pid lookup is an in-memory array
operation. The index is cached as an uncompressed Arrow IPC file, memory-mapped on load, in
the user's cache directory (``TRACEE_PY_CACHE``, else ``$XDG_CACHE_HOME/tracee-py``, else
``~/.cache/tracee-py``; ``TRACEE_PY_CACHE=off`` disables it). The cache key covers the
files read (path, size, mtime) and the dataset's node and time selection, so a file added,
changed or found damaged gives a new index. The data directory itself is never written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa

from tracee_py.errors import NotFoundError
from tracee_py.lazy import pc
from tracee_py.proctree.model import ExecRecord, ProcessNode
from tracee_py.query.dataset import Dataset
from tracee_py.query.views import PROCESS_COLUMNS
from tracee_py.schema import EVENT_KINDS, SCHEMA_VERSION

INDEX_VERSION = 3
FILE_KINDS: tuple[str, ...] = tuple(k for k in EVENT_KINDS if k.startswith("file_"))
NET_KINDS: tuple[str, ...] = tuple(k for k in EVENT_KINDS if k.startswith("net_"))
NO_END = np.iinfo(np.int64).max
_KEEP_CACHED = 16  # index files kept in the cache directory, newest first
_DAMAGED = b"tracee_py.damaged_files"

# Per process: how many events, and how many of them touch files or the network.
COUNTS_SQL = f"""
SELECT
    process_id,
    count(*) AS events,
    count(*) FILTER (WHERE event IN {FILE_KINDS!r}) AS file_events,
    count(*) FILTER (WHERE event IN {NET_KINDS!r}) AS net_events
FROM events
WHERE process_id IS NOT NULL
GROUP BY process_id
"""
# Added to the ``processes`` columns, computed with numpy on narrow arrays (sorting or
# joining the wide rows in SQL would cost more than building them):
#   end_time     the exit, else the start of the next process with the same pid on the same
#                boot (an exit event can be lost; a pid is never in use twice), else null
#   by_id        row numbers in process_id order, for lookups by binary search
#   parent_row   the parent's row, -1 when the parent is not in the index
#   child_rows   rows grouped by parent, each group in start order; a row's children are
#                child_rows[first_child : first_child + child_count]
COUNT_COLUMNS = ("events", "file_events", "net_events")
LINEAGE_COLUMNS = ("by_id", "parent_row", "child_rows", "first_child", "child_count")
INDEX_COLUMNS: tuple[str, ...] = (*PROCESS_COLUMNS, *COUNT_COLUMNS, "end_time", *LINEAGE_COLUMNS)
_EXEC_INT = pa.list_(
    pa.struct(
        [
            ("time", pa.int64()),
            ("path", pa.string()),
            ("argv", pa.list_(pa.string())),
            ("exe_sha256", pa.string()),
            ("retval", pa.int64()),
        ]
    )
)


def default_cache_dir() -> Path | None:
    """Where indexes are cached, or None when caching is turned off."""
    env = os.environ.get("TRACEE_PY_CACHE")
    if env is not None:
        if env.strip().lower() in ("", "0", "off", "no", "none", "false"):
            return None
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tracee-py"


def cache_key(ds: Dataset) -> str | None:
    """A name for the index of exactly these files and this selection (None: no caching)."""
    if ds.remote:
        return None
    root = Path(ds.root)
    parts: list[object] = [
        INDEX_VERSION,
        SCHEMA_VERSION,
        os.path.realpath(root),
        list(ds.nodes or ()),
        ds.time_from_ns,
        ds.time_to_ns,
    ]
    for f in ds.files:
        st = os.stat(root / f.path)
        parts.append([f.path, st.st_size, st.st_mtime_ns])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


class ProcessIndex:
    """All processes of a dataset, sorted by ``process_id``, with lineage as numpy arrays."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.ids = _ints(table, "process_id", 0).astype(np.uint64, copy=False)
        self.by_id = _ints(table, "by_id", 0)
        self.sorted_ids = self.ids[self.by_id]
        self.parent_row = _ints(table, "parent_row", -1)
        self.child_rows = _ints(table, "child_rows", -1)
        self.first_child = _ints(table, "first_child", 0)
        self.child_count = _ints(table, "child_count", 0)
        self.pid = _ints(table, "pid", -1)
        self.start_ns = _ints(table, "start_time", 0)
        self.end_ns = _ints(table, "end_time", NO_END)
        nodes = table.column("node").combine_chunks().dictionary_encode()
        self.node_names: list[str] = nodes.dictionary.to_pylist()
        self.node_code = nodes.indices.to_numpy(zero_copy_only=False)

    def __len__(self) -> int:
        return self.table.num_rows

    # -- building and caching ------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        ds: Dataset,
        *,
        cache_dir: Path | str | None = "default",
        on_build: Callable[[int], None] | None = None,
    ) -> ProcessIndex:
        """The index of ``ds``: from memory, from the cache, or built (and cached).

        ``on_build`` is called with the number of events before a build starts.
        """
        memo = ds.cache.get("process_index")
        if isinstance(memo, ProcessIndex):
            return memo
        directory = default_cache_dir() if cache_dir == "default" else cache_dir
        key = cache_key(ds)
        path = Path(directory) / f"process-index-{key}.arrow" if directory and key else None
        table = _read_cached(path) if path else None
        if table is not None:
            for rel, reason in json.loads((table.schema.metadata or {}).get(_DAMAGED, b"[]")):
                if any(f.path == rel for f in ds.files):
                    ds.exclude(rel, reason)  # found damaged when the index was built
        else:
            if on_build:
                on_build(sum(f.rows for f in ds.files))
            table = build_index_table(ds)
            if path:
                _write_cached(path, table)
                table = _read_cached(path) or table
        index = cls(table)
        ds.cache["process_index"] = index
        return index

    # -- lookups -------------------------------------------------------------------------------

    def row_of(self, process_id: int) -> int | None:
        if not len(self) or process_id < 0 or process_id >= 1 << 64:
            return None
        pos = int(np.searchsorted(self.sorted_ids, np.uint64(process_id)))
        if pos < len(self) and int(self.sorted_ids[pos]) == process_id:
            return int(self.by_id[pos])
        return None

    def require(self, process_id: int) -> int:
        row = self.row_of(process_id)
        if row is None:
            raise NotFoundError(f"process_id {process_id} is not in the recording")
        return row

    def node_mask(self, node: str | None) -> np.ndarray:
        if node is None:
            return np.ones(len(self), dtype=bool)
        if node not in self.node_names:
            return np.zeros(len(self), dtype=bool)
        return self.node_code == self.node_names.index(node)

    def rows_with_pid(self, pid: int, node: str | None = None) -> np.ndarray:
        return np.flatnonzero((self.pid == pid) & self.node_mask(node))

    def alive_at(self, t_ns: int) -> np.ndarray:
        """Mask: started at or before ``t_ns`` and not yet ended."""
        return (self.start_ns <= t_ns) & (self.end_ns > t_ns)

    def alive_during(self, from_ns: int | None, to_ns: int | None) -> np.ndarray:
        mask = np.ones(len(self), dtype=bool)
        if to_ns is not None:
            mask &= self.start_ns <= to_ns
        if from_ns is not None:
            mask &= self.end_ns >= from_ns
        return mask

    def container_mask(self, text: str) -> np.ndarray:
        """Container id (or a prefix of it) or container name."""
        ids = self.table.column("container_id")
        names = self.table.column("container_name")
        mask = pc.or_kleene(pc.starts_with(ids, text), pc.equal(names, text))
        return _mask(mask)

    def pod_mask(self, text: str) -> np.ndarray:
        """``namespace/name``, a pod name or a pod uid."""
        names = self.table.column("pod_name")
        if "/" in text:
            namespace, name = text.split("/", 1)
            spaces = self.table.column("pod_namespace")
            mask = pc.and_kleene(pc.equal(spaces, namespace), pc.equal(names, name))
        else:
            mask = pc.or_kleene(pc.equal(names, text), pc.equal(self.table.column("pod_uid"), text))
        return _mask(mask)

    # -- lineage -------------------------------------------------------------------------------

    def ancestors(self, row: int) -> list[int]:
        """Rows of the parent, grandparent, ... up to the first process without a parent."""
        out: list[int] = []
        seen = {row}
        parent = int(self.parent_row[row])
        while parent >= 0 and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = int(self.parent_row[parent])
        return out

    def children(self, row: int) -> np.ndarray:
        first = self.first_child[row]
        return self.child_rows[first : first + self.child_count[row]]

    def descendants(self, row: int) -> list[int]:
        """Rows below ``row``, depth first, children in start order (``row`` excluded)."""
        out: list[int] = []
        seen = {row}
        stack = list(reversed(self.children(row).tolist()))
        while stack:
            r = stack.pop()
            if r in seen:
                continue
            seen.add(r)
            out.append(r)
            stack.extend(reversed(self.children(r).tolist()))
        return out

    # -- details -------------------------------------------------------------------------------

    def nodes(self, rows: Iterable[int]) -> list[ProcessNode]:
        """:class:`ProcessNode` objects for ``rows``, in that order (no children)."""
        rows = np.asarray(list(rows), dtype=np.int64)
        if not len(rows):
            return []
        sub = self.table.take(pa.array(rows))
        cols = {}
        for name in INDEX_COLUMNS[: -len(LINEAGE_COLUMNS)]:
            col = sub.column(name)
            if pa.types.is_timestamp(col.type):
                col = col.cast(pa.int64())
            elif name == "execs":
                col = col.cast(_EXEC_INT)
            cols[name] = col.to_pylist()
        parent_rows = self.parent_row[rows]
        parent_exe = self.table.column("exe").take(pa.array(np.maximum(parent_rows, 0))).to_pylist()
        out = []
        for i in range(len(rows)):
            out.append(
                ProcessNode(
                    process_id=cols["process_id"][i],
                    node=cols["node"][i],
                    boot_id=cols["boot_id"][i],
                    pid=cols["pid"][i],
                    ppid=cols["ppid"][i],
                    parent_process_id=cols["parent_process_id"][i],
                    start_ns=cols["start_time"][i],
                    exit_ns=cols["exit_time"][i],
                    exit_code=cols["exit_code"][i],
                    exit_signal=cols["exit_signal"][i],
                    uid=cols["uid"][i],
                    comm=cols["comm"][i],
                    exe=cols["exe"][i],
                    argv=cols["argv"][i],
                    execs=[
                        ExecRecord(e["time"], e["path"], e["argv"], e["exe_sha256"], e["retval"])
                        for e in cols["execs"][i] or []
                    ],
                    container_id=cols["container_id"][i],
                    container_name=cols["container_name"][i],
                    container_image=cols["container_image"][i],
                    pod_name=cols["pod_name"][i],
                    pod_namespace=cols["pod_namespace"][i],
                    pod_uid=cols["pod_uid"][i],
                    source=cols["source"][i],
                    events=cols["events"][i],
                    file_events=cols["file_events"][i],
                    net_events=cols["net_events"][i],
                    parent_exe=parent_exe[i] if parent_rows[i] >= 0 else None,
                )
            )
        return out


def build_index_table(ds: Dataset) -> pa.Table:
    """The ``processes`` view and the event counts, with the derived columns added.

    Files found damaged while reading are left out (and named in the table's metadata, so
    a cached index says so again).
    """
    ds.con.execute("SET enable_progress_bar = false")
    before = {d.path for d in ds.damaged}
    processes = ds.retrying(lambda: ds.con.sql("SELECT * FROM processes").to_arrow_table())
    counts = ds.retrying(lambda: ds.con.sql(COUNTS_SQL).to_arrow_table())
    table = processes.select(list(PROCESS_COLUMNS)).combine_chunks()
    for name, values in derived_columns(table, counts).items():
        table = table.append_column(name, values)
    found = [[d.path, d.reason] for d in ds.damaged if d.path not in before]
    return table.replace_schema_metadata({_DAMAGED: json.dumps(found).encode()})


def derived_columns(table: pa.Table, counts: pa.Table) -> dict[str, pa.Array]:
    """Counts, ``end_time`` and the lineage columns (see :data:`INDEX_COLUMNS`)."""
    n = table.num_rows
    ids = _ints(table, "process_id", 0).astype(np.uint64, copy=False)
    by_id = np.argsort(ids, kind="stable")
    sorted_ids = ids[by_id]

    def rows_of(wanted: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the ids in ``wanted`` (where ``valid``), and which ones were found."""
        pos = np.minimum(np.searchsorted(sorted_ids, wanted), max(n - 1, 0))
        found = valid & (sorted_ids[pos] == wanted) if n else np.zeros(len(wanted), bool)
        return np.where(found, by_id[pos], -1), found

    out: dict[str, pa.Array] = {}
    count_ids = _ints(counts, "process_id", 0).astype(np.uint64, copy=False)
    count_rows, found = rows_of(count_ids, np.ones(len(count_ids), dtype=bool))
    for name in COUNT_COLUMNS:
        values = np.zeros(n, dtype=np.int64)
        values[count_rows[found]] = _ints(counts, name, 0)[found]
        out[name] = pa.array(values)

    start = _ints(table, "start_time", 0)
    exits = table.column("exit_time").is_valid().to_numpy(zero_copy_only=False)
    node = (
        table.column("node")
        .combine_chunks()
        .dictionary_encode()
        .indices.to_numpy(zero_copy_only=False)
    )
    boot = (
        table.column("boot_id")
        .combine_chunks()
        .dictionary_encode()
        .indices.to_numpy(zero_copy_only=False)
    )
    pid = _ints(table, "pid", -1)
    order = np.lexsort((start, pid, boot, node))
    same = (node[order[1:]] == node[order[:-1]]) & (boot[order[1:]] == boot[order[:-1]])
    same &= pid[order[1:]] == pid[order[:-1]]
    next_start = np.full(n, -1, dtype=np.int64)
    next_start[order[:-1][same]] = start[order[1:][same]]
    end = np.where(exits, _ints(table, "exit_time", 0), next_start)
    out["end_time"] = pa.array(end, mask=end < 0 if n else None, type=pa.int64()).cast(
        pa.timestamp("ns", tz="UTC")
    )

    parents = _ints(table, "parent_process_id", 0).astype(np.uint64, copy=False)
    has_parent = table.column("parent_process_id").is_valid().to_numpy(zero_copy_only=False)
    parent_row, _ = rows_of(parents, has_parent)
    parent_row[parent_row == np.arange(n)] = -1  # a process is never its own parent
    rows = np.flatnonzero(parent_row >= 0)
    child_rows = rows[np.lexsort((start[rows], parent_row[rows]))]
    child_count = np.bincount(parent_row[rows], minlength=n).astype(np.int64)
    first_child = np.concatenate([[0], np.cumsum(child_count)[:-1]]).astype(np.int64)
    out["by_id"] = pa.array(by_id.astype(np.int64))
    out["parent_row"] = pa.array(parent_row.astype(np.int64))
    out["child_rows"] = pa.array(np.concatenate([child_rows, np.full(n - len(rows), -1)]))
    out["first_child"] = pa.array(first_child[:n])
    out["child_count"] = pa.array(child_count)
    return out


def _ints(table: pa.Table, name: str, null: int) -> np.ndarray:
    col = table.column(name)
    if pa.types.is_timestamp(col.type):
        col = col.cast(pa.int64())
    if col.null_count:
        col = pc.fill_null(col, null)
    return col.to_numpy()


def _mask(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool)


def _read_cached(path: Path) -> pa.Table | None:
    """The memory-mapped cached index, or None when absent or unusable (then rebuilt)."""
    try:
        # Not closed here: the table's buffers point into the mapping.
        table = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    except (OSError, pa.ArrowException):
        return None
    if tuple(table.column_names) != INDEX_COLUMNS:
        return None
    return table


def _write_cached(path: Path, table: pa.Table) -> None:
    """Write atomically, private to the user; a cache that cannot be written is skipped."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(tmp, path)
        _prune_cache(path.parent)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _prune_cache(directory: Path) -> None:
    files = sorted(
        directory.glob("process-index-*.arrow"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in files[_KEEP_CACHED:]:
        with contextlib.suppress(OSError):
            old.unlink()
