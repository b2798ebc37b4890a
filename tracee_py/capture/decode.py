"""Wire records -> Arrow tables in the event schema.

Bulk events (file, network, system) are decoded column-wise with NumPy; which slot fills
which column comes from the wire contract, ``WIRE_CONTRACT`` in :mod:`tracee_py.schema`.
Lifecycle events, chdir and aux records (argv, env, second paths) are few and change
state, so they are walked in order and the bulk rows between two of them take the process
state of their segment.
"""

from __future__ import annotations

import ipaddress
import posixpath
from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracee_py.capture.wire import (
    F_ARGV_TRUNCATED,
    F_EXIT_UNKNOWN,
    F_NO_STR,
    F_STR_TRUNCATED,
    F_STR_UNREADABLE,
)
from tracee_py.enrich.proctable import (
    CONTAINER_FIELDS,
    NO_CONTAINER,
    ProcessTable,
    ProcInfo,
    resolve_path,
)
from tracee_py.schema import (
    ARG_POSITION,
    AUX_SLOTS,
    BPF_CMD_MAP_CREATE,
    BPF_CMD_PROG_LOAD,
    BPF_MAP_TYPES,
    BPF_PROG_TYPES,
    DIRFD,
    DIRFD2,
    EVENT_SCHEMA,
    INT_SLOTS,
    LIFECYCLE_KINDS,
    NEGATIVE_IS_NULL,
    OLD_TID,
    SOCKET_TYPES,
    SOCKLEN,
    SYSCALL_NUMBER,
    SYSCALLS,
    TIME_NOW,
    TIME_OMIT,
    WIRE_CONTRACT,
    AuxRecord,
    EventKind,
    Slot,
)
from tracee_py.store.rows import events_from_rows

K = EventKind
AT_FDCWD = -100
_LABELS = np.array([""] * 128, dtype=object)
for _k in EventKind:
    _LABELS[int(_k)] = _k.label
_LABEL_ARRAY = pa.array(_LABELS.tolist(), type=pa.string())
_SYSCALL_NAMES = pa.array(list(SYSCALLS), type=pa.string())
# Kind tests are table lookups (``table[kinds]``), not np.isin: kinds are clipped to 255,
# and everything from 100 up (aux records, garbage) is special.
_KIND_SLOTS = 256
_FAMILIES = {
    1: "unix", 2: "inet", 10: "inet6", 15: "key", 16: "netlink", 17: "packet", 29: "can",
    31: "bluetooth", 38: "alg", 40: "vsock", 44: "xdp",
}  # fmt: skip

# The wire contract (schema.WIRE_CONTRACT) as lookup tables indexed by [kind, syscall]:
# which integer slot fills each column, which records carry a path in ``str``, and where
# their directory fds are. Lifecycle kinds are decoded through the process table instead.
_N_SYSCALLS = len(SYSCALLS) + 1  # the last index stands for numbers out of range


def _contract_tables() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    sources: dict[str, np.ndarray] = {}  # column -> index into INT_SLOTS, -1: none
    helpers = {
        name: np.full((_KIND_SLOTS, _N_SYSCALLS), -1, dtype=np.int8)
        for name in ("dirfd", "dirfd2", "socklen")
    }
    for name in ("path", "path2", "name", "old_name"):
        helpers[name] = np.zeros((_KIND_SLOTS, _N_SYSCALLS), dtype=bool)
    for (kind, syscall), slots in WIRE_CONTRACT.items():
        if kind in LIFECYCLE_KINDS:
            continue
        at = (int(kind), SYSCALL_NUMBER.get(syscall, 0))
        for name, slot in slots.items():
            if slot is DIRFD:
                helpers["dirfd"][at] = INT_SLOTS.index(name)
            elif slot is DIRFD2:
                helpers["dirfd2"][at] = INT_SLOTS.index(name)
            elif slot is SOCKLEN:
                helpers["socklen"][at] = INT_SLOTS.index(name)
            elif name == "str" and slot.column == "path":
                helpers["path"][at] = True
            elif name == "path2" and slot.column == "path2":
                helpers["path2"][at] = True
            elif name == "str" and slot.column == "name":
                helpers["name"][at] = True
            elif name == "addr" and slot.column == "old_name":
                helpers["old_name"][at] = True
            elif name in INT_SLOTS and slot.column is not None:
                table = sources.setdefault(
                    slot.column, np.full((_KIND_SLOTS, _N_SYSCALLS), -1, dtype=np.int8)
                )
                table[at] = INT_SLOTS.index(name)
    return sources, helpers


_SOURCES, _HELPERS = _contract_tables()
# Columns with decoding of their own below (the address family names the others' format).
_SPECIAL_COLUMNS = ("family", "port", "socket_type", "bpf_type", "atime", "mtime")


def _slot_of(kind: EventKind, target: str | Slot) -> str:
    """The slot that holds ``target`` (a column, or a decoder-only Slot) in every record
    of ``kind``: how the in-order path below reads lifecycle records."""
    names = {
        name
        for (k, _), slots in WIRE_CONTRACT.items()
        if k is kind
        for name, slot in slots.items()
        if slot is target or slot.column == target
    }
    if len(names) != 1:
        raise ValueError(f"{kind.label}: {target!r} is in slots {sorted(names)}")
    return names.pop()


(_ARG_POSITION,) = (n for n, s in AUX_SLOTS[AuxRecord.EXEC_ARG].items() if s is ARG_POSITION)
_FORK_FLAGS = _slot_of(K.PROCESS_FORK, "flags")
_FORK_CHILD = _slot_of(K.PROCESS_FORK, "pid")
_EXEC_FLAGS = _slot_of(K.PROCESS_EXEC, "flags")
_EXEC_OLD_TID = _slot_of(K.PROCESS_EXEC, OLD_TID)
_EXIT_STATUS = _slot_of(K.PROCESS_EXIT, "exit_code")
_EXIT_SIGNAL = _slot_of(K.PROCESS_EXIT, "signal")


def _kind_table(kinds: Iterable[int]) -> np.ndarray:
    table = np.zeros(_KIND_SLOTS, dtype=bool)
    table[[int(k) for k in kinds]] = True
    return table


def _kind_index(kinds: np.ndarray) -> np.ndarray:
    return np.minimum(kinds, _KIND_SLOTS - 1)


def _syscall_index(syscalls: np.ndarray) -> np.ndarray:
    return np.minimum(syscalls.astype(np.int64), _N_SYSCALLS - 1)


# Records walked in order through the process table: the lifecycle kinds, and chdir (it
# changes the cwd that later rows resolve against). The others are decoded column-wise.
_IS_IN_ORDER = _kind_table([*LIFECYCLE_KINDS, K.CHDIR])
_IS_SPECIAL = _IS_IN_ORDER | (np.arange(_KIND_SLOTS) >= 100)
# Kinds whose records carry an address (in ``addr``, or a unix path in ``str``), and those
# with an address family: what the table says they fill.
_HAS_ADDR = _kind_table(
    {k for (k, _), slots in WIRE_CONTRACT.items() if slots.get("addr", OLD_TID).column == "addr"}
)
_HAS_FAMILY = _kind_table(
    {k for (k, _), slots in WIRE_CONTRACT.items() for s in slots.values() if s.column == "family"}
)
# A prefix this wide holds the NUL of almost every string; only rows without one there are
# scanned in full (see cstrings).
_CSTRING_PREFIX = 64


def _cstring_lengths(raw: np.ndarray) -> np.ndarray:
    """Bytes before the first NUL of each row (the row width when there is none)."""
    width = raw.shape[1]
    head = raw[:, : min(width, _CSTRING_PREFIX)] == 0
    found = head.any(axis=1)
    lengths = np.where(found, head.argmax(axis=1), width).astype(np.int32)
    if width > _CSTRING_PREFIX and not found.all():
        rest = np.flatnonzero(~found)
        tail = raw[rest] == 0
        lengths[rest] = np.where(tail.any(axis=1), tail.argmax(axis=1), width)
    return lengths


def _field_bytes(ev: np.ndarray, name: str, rows: np.ndarray) -> np.ndarray:
    """The byte field ``name`` of the records ``rows`` as an (n, width) uint8 array."""
    width = ev.dtype[name].itemsize
    return np.ascontiguousarray(ev[name][rows]).view(np.uint8).reshape(len(rows), width)


_INLINE = 12  # Arrow keeps view strings up to this long inside the view itself


def cstrings(raw: np.ndarray) -> pa.Array:
    """NUL-terminated byte fields (an (n, width) uint8 view) -> Arrow strings.

    The rows become a binary *view* array over ``raw`` itself (each view: length, then the
    bytes inline when short, else a prefix and the row's offset in ``raw``), and Arrow's
    cast to string gathers the bytes and checks the UTF-8 in one pass.
    """
    n, width = raw.shape
    if n == 0:
        return pa.array([], type=pa.string())
    raw = np.ascontiguousarray(raw)
    lengths = _cstring_lengths(raw)
    views = np.zeros((n, 16), dtype=np.uint8)
    views[:, 0:4] = lengths.astype("<i4").view(np.uint8).reshape(n, 4)
    inline = min(_INLINE, width)
    head = raw[:, :inline] * (np.arange(inline) < lengths[:, None])
    views[:, 4 : 4 + inline] = np.where((lengths <= _INLINE)[:, None], head, 0)
    long_rows = np.flatnonzero(lengths > _INLINE)
    if long_rows.size:
        views[long_rows, 4:8] = raw[long_rows, :4]  # prefix; buffer index 0 stays
        offsets = (long_rows * width).astype("<i4")
        views[long_rows, 12:16] = offsets.view(np.uint8).reshape(-1, 4)
    binary = pa.Array.from_buffers(
        pa.binary_view(), n, [None, pa.py_buffer(views), pa.py_buffer(raw)]
    )
    try:
        return binary.cast(pa.string())
    except pa.ArrowInvalid:
        # Not UTF-8 (paths need not be): keep the bytes visible, escaped.
        return pa.array(
            [b.decode("utf-8", "backslashreplace") for b in binary.to_pylist()],
            type=pa.string(),
        )


def _str_of(ev: dict[str, Any]) -> str:
    raw = bytes(ev["str"])
    return raw.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


def _text_of(ev: dict[str, Any]) -> str | None:
    """The record's string; None when the kernel could not read it (unknown, not empty)."""
    return None if int(ev["flags"]) & (F_STR_UNREADABLE | F_NO_STR) else _str_of(ev)


_RECORD_FIELDS = (
    "kind", "tid", "pid", "comm", "syscall", "a0", "a1",
    "uid", "gid", "cgroup_id", "ts", "flags", "retval", "str",
)  # fmt: skip


def _records(ev: np.ndarray, rows: np.ndarray) -> list[dict[str, Any]]:
    """The records ``rows`` as dicts of Python values: one ``tolist`` per field instead of
    a NumPy scalar per field per record."""
    columns = [ev[name][rows].tolist() for name in _RECORD_FIELDS]
    return [dict(zip(_RECORD_FIELDS, values, strict=True)) for values in zip(*columns, strict=True)]


def _format_addr(family: int, raw: np.ndarray) -> str | None:
    if family == 2:
        return str(ipaddress.IPv4Address(bytes(raw[:4])))
    if family == 10:
        return str(ipaddress.IPv6Address(bytes(raw[:16])))
    return None


def _unix_path(raw: bytes, length: int) -> str:
    body = raw[: max(0, min(length - 2, 108))] if length > 2 else raw[:108]
    if body[:1] == b"\0":  # abstract namespace
        return "@" + body[1:].split(b"\0", 1)[0].decode("utf-8", "backslashreplace")
    return body.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


class _Entry(NamedTuple):
    """Process state at one moment, shared by the bulk rows of that moment."""

    process_id: int
    ppid: int
    parent_process_id: int | None
    exe: str | None
    cwd: str | None
    container: tuple[str | None, ...]


class _ProcessFields:
    """Process fields of the bulk rows: a short list of distinct entries (process state at
    one moment) and, per row, the index of its entry. Filled segment by segment, so each row
    gets the state of its own time; the Arrow columns are then one ``take`` each."""

    def __init__(self, n: int) -> None:
        self.row_entry = np.zeros(n, dtype=np.int32)  # entry 0: nothing known, all null
        self.entries: list[_Entry] = [_Entry(0, 0, None, None, None, NO_CONTAINER)]

    def add(
        self, rows: np.ndarray | int, info: ProcInfo, container: tuple[str | None, ...]
    ) -> None:
        self.row_entry[rows] = self.entry(info, container)

    def entry(self, info: ProcInfo, container: tuple[str | None, ...]) -> int:
        """A new entry for ``info`` as it is now; its index."""
        self.entries.append(
            _Entry(
                info.process_id, info.ppid, info.parent_process_id, info.exe, info.cwd, container
            )
        )
        return len(self.entries) - 1


class _Groups:
    """The bulk rows of a batch grouped by (segment, pid, cgroup), all in one sort.

    Segment s holds the rows after the first s lifecycle records (``ends``) and before the
    next one. Within a segment, groups come in (pid, cgroup) order: the order processes are
    looked up in, which decides the order of late snapshot rows. Each group is looked up
    once, with the time of its first row, when the decoder reaches the end of its segment.
    """

    def __init__(
        self, rows: np.ndarray, ends: np.ndarray, pids: np.ndarray, cgroups: np.ndarray
    ) -> None:
        self.rows = rows
        segments = np.searchsorted(ends, rows)
        row_pids, row_cgroups = pids[rows], cgroups[rows]
        order = np.lexsort((row_cgroups, row_pids, segments))  # stable: first row leads
        s_seg, s_pid, s_cg = segments[order], row_pids[order], row_cgroups[order]
        starts = np.ones(len(rows), dtype=bool)
        starts[1:] = (s_seg[1:] != s_seg[:-1]) | (s_pid[1:] != s_pid[:-1]) | (s_cg[1:] != s_cg[:-1])
        self.group_of = np.empty(len(rows), dtype=np.int64)
        self.group_of[order] = np.cumsum(starts) - 1
        first = np.flatnonzero(starts)
        self.segment = s_seg[first].tolist()
        self.first_row = rows[order[first]].tolist()
        self.pid = s_pid[first].tolist()
        self.cgroup = (s_cg[first].astype(np.uint64)).tolist()
        self.entry = np.zeros(len(first), dtype=np.int32)
        self._next = 0

    def fill(
        self, segment: int, table: ProcessTable, times: np.ndarray, procs: _ProcessFields
    ) -> None:
        """Look up the groups of ``segment`` (called once per segment, in order)."""
        g = self._next
        count = len(self.segment)
        while g < count and self.segment[g] <= segment:
            info = table.get(self.pid[g], int(times[self.first_row[g]]))
            self.entry[g] = procs.entry(info, table.container_of(info, self.cgroup[g]))
            g += 1
        self._next = g

    def finish(self, procs: _ProcessFields) -> None:
        procs.row_entry[self.rows] = self.entry[self.group_of]


class BatchDecoder:
    """Stateful: carries argv and second paths across batch boundaries."""

    def __init__(self, table: ProcessTable, boot_wall_ns: int) -> None:
        self.table = table
        self.boot_wall_ns = boot_wall_ns
        self._argv: dict[int, dict[int, str]] = {}
        self._env: dict[int, list[str]] = {}
        self._path2: dict[int, str | None] = {}
        self.decode_errors = 0
        self.last_counts: Counter[str] = Counter()  # rows per event kind of the last table

    def decode(self, slots: np.ndarray) -> pa.Table:
        ev = slots["ev"]
        kinds = ev["kind"]
        kind_index = _kind_index(kinds)
        n = len(ev)
        times = ev["ts"].astype(np.int64) + self.boot_wall_ns
        pids = ev["pid"].astype(np.int64)
        special = np.flatnonzero(_IS_SPECIAL[kind_index])
        main = kinds < 100
        bulk = main & ~_IS_IN_ORDER[kind_index]

        procs = _ProcessFields(n)
        path2: dict[int, str | None] = {}  # row -> second path (None: unreadable)
        lifecycle_rows: list[dict[str, Any]] = []
        chdir_paths: dict[int, str | None] = {}

        cgroups = ev["cgroup_id"].astype(np.int64)
        if self._path2:  # second paths whose event arrived in this batch
            tids = ev["tid"]
            for tid in list(self._path2):
                hit = np.flatnonzero((tids == tid) & main)
                if hit.size:
                    path2[int(hit[0])] = self._path2.pop(tid)

        # Only lifecycle and chdir records change process state, so only they end a
        # segment: the bulk rows of segment s take the state left by the first s of them.
        # Exec arguments (tens per exec) take a short path: they are decoded all at once,
        # and the loop only files them, in order (a thread's args must reach its exec
        # before the args of its next exec arrive).
        special_kinds = kinds[special]
        arg_rows = special[special_kinds == AuxRecord.EXEC_ARG]
        exec_args = iter(
            zip(
                ev["tid"][arg_rows].tolist(),
                ev[_ARG_POSITION][arg_rows].tolist(),
                cstrings(_field_bytes(ev, "str", arg_rows)).to_pylist(),
                strict=True,
            )
        )
        groups = _Groups(np.flatnonzero(bulk), special[special_kinds < 100], pids, cgroups)
        others = special[special_kinds != AuxRecord.EXEC_ARG]
        records = dict(zip(others.tolist(), _records(ev, others), strict=True))
        segment = 0
        for i, kind in zip(special.tolist(), special_kinds.tolist(), strict=True):
            if kind == AuxRecord.EXEC_ARG:
                tid, position, text = next(exec_args)
                self._argv.setdefault(tid, {})[position] = text
                continue
            if kind < 100:
                groups.fill(segment, self.table, times, procs)
                segment += 1
            try:
                row = self._special(records[i], int(times[i]), i, kinds, ev, path2, chdir_paths)
            except (ValueError, KeyError, UnicodeError):
                self.decode_errors += 1
                continue
            if row is not None:
                lifecycle_rows.append(row)
            if int(kinds[i]) == K.CHDIR:
                # chdir rows are bulk-shaped: take the state after the call.
                info = self.table.get(int(pids[i]), int(times[i]))
                procs.add(i, info, info.container)
        groups.fill(segment, self.table, times, procs)
        groups.finish(procs)

        bulk_idx = np.flatnonzero(bulk | (kinds == K.CHDIR))
        if bulk_idx.size > 1:
            # Put the bulk rows in time order now (a stable sort, like the final one), so
            # that a batch without lifecycle rows needs no reordering of Arrow columns.
            bulk_times = times[bulk_idx]
            if (bulk_times[1:] < bulk_times[:-1]).any():
                bulk_idx = bulk_idx[np.argsort(bulk_times, kind="stable")]
        tables = []
        if bulk_idx.size:
            tables.append(self._bulk_table(ev, bulk_idx, times, procs, path2, chdir_paths))
        extra = lifecycle_rows + self.table.late_rows
        self.table.late_rows = []
        counts = np.bincount(kind_index[bulk_idx], minlength=_KIND_SLOTS)
        self.last_counts = Counter({_LABELS[k]: int(counts[k]) for k in np.flatnonzero(counts)})
        self.last_counts.update(row["event"] for row in extra)
        if not extra:
            return tables[0] if tables else EVENT_SCHEMA.empty_table()
        tables.append(events_from_rows(extra))
        out = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        return out.sort_by([("time", "ascending")])

    # -- lifecycle and aux -----------------------------------------------------------------

    def _special(
        self,
        e: dict[str, Any],
        time_ns: int,
        index: int,
        kinds: np.ndarray,
        ev: np.ndarray,
        path2: dict[int, str | None],
        chdir_paths: dict[int, str | None],
    ) -> dict[str, Any] | None:
        kind = int(e["kind"])
        tid = int(e["tid"])
        pid = int(e["pid"])
        comm = bytes(e["comm"]).decode("utf-8", "backslashreplace")
        syscall = SYSCALLS[int(e["syscall"])] or None
        if kind == AuxRecord.EXEC_ENV:
            self._env.setdefault(tid, []).append(_str_of(e))
            return None
        if kind == AuxRecord.PATH2:
            # Belongs to the next main event of this thread (maybe in the next batch).
            tids = ev["tid"][index + 1 :]
            later = np.flatnonzero((tids == tid) & (kinds[index + 1 :] < 100))
            if later.size:
                path2[index + 1 + int(later[0])] = _text_of(e)
            else:
                self._path2[tid] = _text_of(e)
            return None
        if kind == K.PROCESS_FORK:
            return self.table.fork(
                time_ns=time_ns,
                boot_ns=int(e["ts"]),
                parent_pid=pid,
                child_pid=int(e[_FORK_CHILD]),
                clone_flags=int(e[_FORK_FLAGS]),
                syscall=syscall,
                uid=int(e["uid"]),
                gid=int(e["gid"]),
                cgroup_id=int(e["cgroup_id"]),
                comm=comm,
            )
        if kind == K.PROCESS_EXEC:
            old_tid = int(e[_EXEC_OLD_TID]) or tid
            args = self._argv.pop(old_tid, {})
            argv = [args[k] for k in sorted(args)]
            env = self._env.pop(old_tid, [])
            flags = int(e["flags"])
            return self.table.exec(
                time_ns=time_ns,
                pid=pid,
                tid=tid,
                filename=_text_of(e),
                retval=int(e["retval"]),
                syscall=syscall,
                argv=argv,
                env=env,
                truncated=bool(flags & (F_ARGV_TRUNCATED | F_STR_TRUNCATED)),
                uid=int(e["uid"]),
                gid=int(e["gid"]),
                cgroup_id=int(e["cgroup_id"]),
                comm=comm,
                at_flags=int(e[_EXEC_FLAGS]),
            )
        if kind == K.PROCESS_EXIT:
            flags = int(e["flags"])
            sig = int(e[_EXIT_SIGNAL])
            if sig:
                code: int | None = -sig
            elif flags & F_EXIT_UNKNOWN:
                code = None
            else:
                code = int(e[_EXIT_STATUS]) & 0xFF
            self._argv.pop(tid, None)
            self._env.pop(tid, None)
            self._path2.pop(tid, None)
            return self.table.exit(
                time_ns=time_ns,
                pid=pid,
                exit_code=code,
                signal=sig or None,
                cgroup_id=int(e["cgroup_id"]),
                comm=comm,
            )
        if kind == K.CHDIR:
            has_path = _HELPERS["path"][K.CHDIR, min(int(e["syscall"]), _N_SYSCALLS - 1)]
            raw = _text_of(e) if has_path else None  # fchdir: an fd, the cwd is unknown now
            chdir_paths[index] = self.table.chdir(pid, time_ns, raw, int(e["retval"]) == 0)
            return None
        raise KeyError(kind)

    # -- bulk ------------------------------------------------------------------------------

    def _bulk_table(
        self,
        ev: np.ndarray,
        rows: np.ndarray,
        times: np.ndarray,
        procs: _ProcessFields,
        path2: dict[int, str | None],
        chdir_paths: dict[int, str | None],
    ) -> pa.Table:
        """The rows ``rows`` of the batch ``ev`` (in that order) as an event table.

        Which slot fills which column comes from the wire contract (schema.WIRE_CONTRACT)."""
        n = len(rows)
        kinds = ev["kind"][rows]
        k = _kind_index(kinds)
        syscall_nums = ev["syscall"][rows].astype(np.int32)
        at = k.astype(np.intp) * _N_SYSCALLS + _syscall_index(syscall_nums)  # flat [kind, sc]
        ints = _int_slots(ev, rows)
        positions = np.arange(n)

        # The (kind, syscall) pairs of this batch: a few, so a column is usually fed by one
        # slot for every row (one column copy instead of a gather).
        codes = np.flatnonzero(np.bincount(at, minlength=_KIND_SLOTS * _N_SYSCALLS))

        def slots_used(table: np.ndarray) -> np.ndarray:
            used = np.unique(table.ravel()[codes])
            return used[used >= 0]

        def slot_values(slot: np.ndarray, table: np.ndarray) -> np.ndarray:
            used = slots_used(table)
            if len(used) <= 1:  # none: every row is masked, any slot will do
                return ints[int(used[0]) if len(used) else 0]
            return np.choose(np.maximum(slot, 0), ints)

        def lookup(table: np.ndarray) -> np.ndarray:
            return table.ravel().take(at)

        entry = procs.row_entry[rows]
        entries = procs.entries
        entry_cwd = [e.cwd for e in entries]

        str_u8 = _field_bytes(ev, "str", rows)
        raw_paths = cstrings(str_u8)
        path_mask = lookup(_HELPERS["path"])
        # Relative paths: made absolute with the process cwd where the dir fd is AT_FDCWD.
        paths: pa.Array = raw_paths
        dirfd = lookup(_HELPERS["dirfd"])
        needs = path_mask & (dirfd >= 0) & (slot_values(dirfd, _HELPERS["dirfd"]) == AT_FDCWD)
        if needs.any():
            rel = ~np.asarray(pc.starts_with(raw_paths, "/").fill_null(True))
            fix = np.flatnonzero(needs & rel & (np.asarray(pc.utf8_length(raw_paths)) > 0))
            if fix.size:
                mask = np.zeros(n, dtype=bool)
                mask[fix] = True
                resolved = _absolute(pc.take(raw_paths, pa.array(fix)), entry_cwd, entry[fix])
                paths = pc.replace_with_mask(raw_paths, pa.array(mask), resolved)
        memfd = kinds == K.MEMFD_CREATE
        net = _HAS_ADDR[k]
        has_family = _HAS_FAMILY[k]
        fam = np.zeros(n, dtype=np.int64)
        if has_family.any():
            family_source = _SOURCES["family"]
            fam = np.where(has_family, slot_values(lookup(family_source), family_source), 0)
        extra: dict[int, str | None] = {}
        if memfd.any():
            for i in np.flatnonzero(memfd).tolist():
                extra[i] = "memfd:" + (paths[i].as_py() or "")
        chdir_mask = kinds == K.CHDIR
        if chdir_paths and chdir_mask.any():
            for i in np.flatnonzero(chdir_mask).tolist():
                extra[i] = chdir_paths.get(int(rows[i]))
        addr: list[str | None] = [None] * n if net.any() else []
        socklen = slot_values(lookup(_HELPERS["socklen"]), _HELPERS["socklen"])
        for i in np.flatnonzero(net).tolist():
            family = int(fam[i])
            if family == 1:
                extra[i] = _unix_path(bytes(str_u8[i]), int(socklen[i]))
            else:
                extra[i] = None
                addr[i] = _format_addr(family, ev["addr"][rows[i]])
        if extra:
            at_rows = np.fromiter(extra.keys(), dtype=np.int64, count=len(extra))
            paths = _replace(paths, at_rows, list(extra.values()))
        flags = ev["flags"][rows]
        unreadable = (flags & (F_STR_UNREADABLE | F_NO_STR)) != 0
        paths = pc.if_else(pa.array(path_mask & ~unreadable), paths, pa.nulls(n, pa.string()))

        # path2: relative to its dir fd where the record has one (rename, hard links).
        p2: pa.Array = pa.nulls(n, pa.string())
        if path2:
            position = np.full(len(ev), -1, dtype=np.int64)
            position[rows] = positions
            dirfd2 = lookup(_HELPERS["dirfd2"])
            cwd_relative = (dirfd2 >= 0) & (slot_values(dirfd2, _HELPERS["dirfd2"]) == AT_FDCWD)
            has_path2 = lookup(_HELPERS["path2"])
            p2_values: list[str | None] = [None] * n
            for row, value in path2.items():
                i = int(position[row])
                if i < 0 or not has_path2[i]:
                    continue  # its event is not a bulk row, or takes no second path
                if cwd_relative[i]:
                    value = resolve_path(value, entry_cwd[entry[i]])
                p2_values[i] = value
            p2 = pa.array(p2_values, type=pa.string())

        syscall_names = pc.take(_SYSCALL_NAMES, pa.array(syscall_nums, mask=syscall_nums == 0))
        family_col: list[str | None] = [None] * n if has_family.any() else []
        for i in np.flatnonzero(has_family & (fam != 0)).tolist():
            family_col[i] = _FAMILIES.get(int(fam[i]), f"af_{int(fam[i])}")

        def optional_strings(values: list[str | None]) -> pa.Array:
            return pa.array(values, type=pa.string()) if values else pa.nulls(n, pa.string())

        event_labels = pc.take(_LABEL_ARRAY, pa.array(kinds.astype(np.int64)))
        comm = cstrings(_field_bytes(ev, "comm", rows))

        entry_arr = pa.array(entry)

        def entry_strings(values: list[str | None]) -> pa.Array:
            if all(v is None for v in values):
                return pa.nulls(n, pa.string())
            return pa.array(values, type=pa.string()).take(entry_arr)

        parents = [e.parent_process_id for e in entries]
        has_parent = np.array([p is not None for p in parents], dtype=bool)[entry]
        parent_ids = np.array([p or 0 for p in parents], dtype=np.uint64)[entry]
        process_ids = np.array([e.process_id for e in entries], dtype=np.uint64)[entry]
        ppids = np.array([e.ppid for e in entries], dtype=np.int64)[entry]
        node = pa.scalar(self.table.node, type=pa.string())
        boot_id = pa.scalar(self.table.boot_id, type=pa.string())

        columns: dict[str, pa.Array] = {
            "time": pa.array(times[rows], type=pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
            "node": pa.repeat(node, n),
            "boot_id": pa.repeat(boot_id, n),
            "event": event_labels,
            "syscall": syscall_names,
            "retval": pa.array(ints[4], type=pa.int64()),
            "pid": pa.array(ev["pid"][rows].astype(np.int32)),
            "tid": pa.array(ev["tid"][rows].astype(np.int32)),
            "ppid": pa.array(ppids.astype(np.int32)),
            "process_id": pa.array(process_ids, type=pa.uint64()),
            "parent_process_id": pa.array(parent_ids, type=pa.uint64(), mask=~has_parent),
            "uid": pa.array(ev["uid"][rows].astype(np.int32)),
            "gid": pa.array(ev["gid"][rows].astype(np.int32)),
            "comm": comm,
            "exe": entry_strings([e.exe for e in entries]),
            "cwd": entry_strings(entry_cwd),
            "cgroup_id": pa.array(ev["cgroup_id"][rows], type=pa.uint64()),
            "path": paths,
            "path2": p2,
            "family": optional_strings(family_col),
            "addr": optional_strings(addr),
            "truncated": pa.array((flags & F_STR_TRUNCATED) != 0),
        }
        for name, source in _SOURCES.items():
            if name in _SPECIAL_COLUMNS or not len(slots_used(source)):
                continue  # no row of this batch fills it: null (below)
            slot = lookup(source)
            values = slot_values(slot, source)
            present = slot >= 0
            if name in NEGATIVE_IS_NULL:
                present &= values >= 0
            typ = EVENT_SCHEMA.field(name).type
            dtype = np.int32 if typ == pa.int32() else np.int64
            columns[name] = pa.array(values.astype(dtype), type=typ, mask=~present)
        port_slot = lookup(_SOURCES["port"])
        columns["port"] = pa.array(
            slot_values(port_slot, _SOURCES["port"]).astype(np.int32),
            type=pa.int32(),
            mask=~((port_slot >= 0) & np.isin(fam, [2, 10])),
        )
        for j, name in enumerate(CONTAINER_FIELDS):
            columns[name] = entry_strings([e.container[j] for e in entries])
        name_mask = lookup(_HELPERS["name"]) & ~unreadable
        if name_mask.any():
            columns["name"] = pc.if_else(pa.array(name_mask), raw_paths, pa.nulls(n, pa.string()))
        old_mask = lookup(_HELPERS["old_name"])
        if old_mask.any():
            old = cstrings(_field_bytes(ev, "addr", rows))
            columns["old_name"] = pc.if_else(pa.array(old_mask), old, pa.nulls(n, pa.string()))
        for column, names in (("socket_type", _SOCKET_TYPE_NAMES), ("bpf_type", None)):
            source = _SOURCES[column]
            if len(slots_used(source)):
                slot = lookup(source)
                values = slot_values(slot, source)
                if names is None:  # bpf: the command says which numbering
                    cmd = slot_values(lookup(_SOURCES["flags"]), _SOURCES["flags"])
                    table = np.where(cmd == BPF_CMD_PROG_LOAD, 1, 0)
                    present = (slot >= 0) & np.isin(cmd, [BPF_CMD_PROG_LOAD, BPF_CMD_MAP_CREATE])
                    text = [
                        _type_name(_BPF_TYPE_NAMES[t], v) if ok else None
                        for t, v, ok in zip(
                            table.tolist(), values.tolist(), present.tolist(), strict=True
                        )
                    ]
                else:
                    present = slot >= 0
                    text = [
                        _type_name(names, v) if ok else None
                        for v, ok in zip(values.tolist(), present.tolist(), strict=True)
                    ]
                columns[column] = pa.array(text, type=pa.string())
        for column in ("atime", "mtime"):
            source = _SOURCES[column]
            if len(slots_used(source)):
                slot = lookup(source)
                values = slot_values(slot, source)
                # UTIME_NOW (or no times): the kernel set the file's time to now.
                values = np.where(values == TIME_NOW, times[rows], values)
                columns[column] = pa.array(
                    values, type=pa.int64(), mask=~((slot >= 0) & (values != TIME_OMIT))
                ).cast(pa.timestamp("ns", tz="UTC"))
        arrays = []
        for f in EVENT_SCHEMA:
            col = columns.get(f.name)
            arrays.append(col if col is not None else pa.nulls(n, f.type))
        return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)


_SOCKET_TYPE_NAMES: dict[int, str] = SOCKET_TYPES
_BPF_TYPE_NAMES: tuple[dict[int, str], dict[int, str]] = (
    dict(enumerate(BPF_MAP_TYPES)),
    dict(enumerate(BPF_PROG_TYPES)),
)


def _type_name(names: dict[int, str], value: int) -> str:
    return names.get(value) or f"type_{value}"


def _int_slots(ev: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
    """The integer slots of the records ``rows``, in INT_SLOTS order: a0..a3, retval, then
    the addr field as two little-endian int64 (addr_lo, addr_hi)."""
    halves = np.ascontiguousarray(ev["addr"][rows]).view("<i8").reshape(len(rows), 2)
    return [*(ev[name][rows] for name in INT_SLOTS[:5]), halves[:, 0], halves[:, 1]]


# A relative path normpath would change: "." or ".." components, "//", a trailing "/".
_NOT_PLAIN = r"(^|/)\.\.?(/|$)|//|/$"


def _cwd_prefix(cwd: str | None) -> tuple[str | None, bool]:
    """What a plain relative path is appended to (None: the path stays as it is), and
    whether that is exactly what ``resolve_path`` does (not when the cwd is unnormalized)."""
    if not cwd or not cwd.startswith("/"):
        return None, True
    return cwd.rstrip("/") + "/", posixpath.normpath(cwd) == cwd


def _absolute(relative: pa.Array, cwds: list[str | None], entry: np.ndarray) -> pa.Array:
    """``resolve_path`` of each relative path with the cwd of its entry, in bulk: a plain
    path is the cwd, a slash and the path; the rest go through ``resolve_path``."""
    prefixes, exact = zip(*(_cwd_prefix(c) for c in cwds), strict=True)
    joined = pc.binary_join_element_wise(
        pa.array(prefixes, type=pa.string()).take(pa.array(entry)), relative, ""
    )
    out = pc.coalesce(joined, relative)
    odd = np.asarray(pc.match_substring_regex(relative, _NOT_PLAIN))
    odd = np.flatnonzero(odd | ~np.array(exact, dtype=bool)[entry])
    if odd.size:
        texts = pc.take(relative, pa.array(odd)).to_pylist()
        fixed = [resolve_path(p, cwds[e]) for p, e in zip(texts, entry[odd].tolist(), strict=True)]
        out = _replace(out, odd, fixed)
    return out


def _replace(values: pa.Array, at: np.ndarray, replacements: list[str | None]) -> pa.Array:
    """``values`` with the rows ``at`` (in that order) set to ``replacements``."""
    order = np.argsort(at, kind="stable")
    mask = np.zeros(len(values), dtype=bool)
    mask[at] = True
    ordered = [replacements[i] for i in order.tolist()]
    return pc.replace_with_mask(values, pa.array(mask), pa.array(ordered, type=pa.string()))
