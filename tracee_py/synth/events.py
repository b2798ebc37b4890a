"""Turning a node's :class:`Plan` into event rows, column by column with numpy.

Lifecycle rows follow the recorder's contract: a ``process_fork`` row describes the child,
``process_snapshot`` rows describe what ran at start, each exec is a row (a failed one
keeps the old image), ``process_exit`` has ``exit_code = -signal`` for a signal death. Other
events are spread over each process's life after its last exec, in proportion to how busy
its program is; an orphan's events after its parent died show ppid 1, as the kernel would.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracee_py.enrich.identity import process_id, start_ticks_from_ns
from tracee_py.schema import EVENT_SCHEMA
from tracee_py.synth.plan import NO_EXIT, Plan
from tracee_py.synth.programs import PROGRAM_NAMES, PROGRAMS, address_pool, argv_for, file_pool

OTHER_KINDS: dict[str, tuple[float, str | None]] = {
    "file_open": (0.52, "openat"),
    "net_connect": (0.08, "connect"),
    "dup": (0.05, "dup3"),
    "file_unlink": (0.03, "unlinkat"),
    "chdir": (0.03, "chdir"),
    "net_accept": (0.03, "accept4"),
    "file_rename": (0.02, "renameat2"),
    "file_mkdir": (0.01, "mkdirat"),
    "file_chmod": (0.01, "fchmodat"),
    "file_truncate": (0.01, "ftruncate"),
    "net_bind": (0.01, "bind"),
    "cred_change": (0.01, "setresuid"),
    "kill": (0.01, "kill"),
    "file_link": (0.005, "symlinkat"),
    "file_chown": (0.005, "fchownat"),
    "net_listen": (0.005, "listen"),
    "mprotect_exec": (0.005, "mprotect"),
    "memfd_create": (0.003, "memfd_create"),
    "unshare": (0.003, "unshare"),
    "setns": (0.003, "setns"),
    "mount": (0.002, "mount"),
    "umount": (0.002, "umount"),
    "ptrace": (0.001, "ptrace"),
    "bpf": (0.001, "bpf"),
    "process_vm_write": (0.0005, "process_vm_writev"),
    "module_load": (0.0002, "finit_module"),
    "module_unload": (0.0001, "delete_module"),
}
_PATH_KINDS = {
    "file_open",
    "file_unlink",
    "file_rename",
    "file_mkdir",
    "file_chmod",
    "file_truncate",
    "file_link",
    "file_chown",
    "chdir",
    "mount",
    "umount",
    "module_load",
    "module_unload",
}
_NET_KINDS = {"net_connect", "net_accept", "net_bind"}
_AGENT = PROGRAM_NAMES.index("agent")
_ORDER = {"process_snapshot": 0, "process_fork": 1, "process_exec": 2, "process_exit": 4}


class NodeIdentity:
    """Node-wide facts the rows share."""

    def __init__(self, node: str, boot_id: str, boot_wall_ns: int) -> None:
        self.node = node
        self.boot_id = boot_id
        self.boot_wall_ns = boot_wall_ns


def process_ids(plan: Plan, ident: NodeIdentity) -> np.ndarray:
    """The recorder's ``process_id`` of every process: (boot_id, pid, start ticks)."""
    ids = np.empty(len(plan), dtype=np.uint64)
    for i in range(len(plan)):
        ticks = start_ticks_from_ns(plan.start[i] - ident.boot_wall_ns)
        ids[i] = process_id(ident.boot_id, plan.pid[i], ticks)
    if len(np.unique(ids)) != len(ids):
        raise RuntimeError("synthetic process ids collide; change the seed")
    return ids


class ProcessColumns:
    """Per-process numpy columns, indexed by process number."""

    def __init__(self, plan: Plan, ident: NodeIdentity, span_end: int) -> None:
        n = len(plan)
        self.n = n
        self.pid = np.array(plan.pid, dtype=np.int32)
        self.id = process_ids(plan, ident)
        parent = np.array(plan.parent, dtype=np.int64)
        self.parent = parent
        has_parent = parent >= 0
        safe_parent = np.where(has_parent, parent, 0)
        self.ppid = np.where(has_parent, self.pid[safe_parent], 0).astype(np.int32)
        self.parent_id = np.where(has_parent, self.id[safe_parent], 0).astype(np.uint64)
        self.has_parent = has_parent
        self.start = np.array(plan.start, dtype=np.int64)
        end = np.array(plan.end, dtype=np.int64)
        self.exits = end != NO_EXIT
        self.end = np.where(self.exits, end, span_end)
        self.uid = np.array(plan.uid, dtype=np.int32)
        self.container = np.array(plan.container, dtype=np.int64)
        self.container_since = np.array(plan.container_since, dtype=np.int64)
        self.orphan = np.array(plan.orphan, dtype=bool)
        self.parent_end = np.where(has_parent, self.end[safe_parent], span_end)
        self.signal = np.array(plan.signal, dtype=np.int32)
        self.exit_code = np.array(plan.exit_code, dtype=np.int32)
        self.program = np.array([plan.program(i) for i in range(n)], dtype=np.int64)
        self.origin = np.array(plan.origin, dtype=np.int64)
        self.last_exec = np.array(
            [plan.execs[i][-1][0] if plan.execs[i] else plan.start[i] for i in range(n)],
            dtype=np.int64,
        )
        self.snapshot = np.array(plan.snapshot, dtype=bool)
        init = plan.parent.index(-1)  # pid 1 is the first process of the plan
        self.init_pid = int(self.pid[init])
        self.init_id = int(self.id[init])


def _strings(
    pool: Sequence[str | None], index: np.ndarray, valid: np.ndarray | None = None
) -> pa.Array:
    """Gather strings from a small pool by index (null where ``valid`` is False)."""
    arr = pa.array(pool, type=pa.string())
    idx = pa.array(index.astype(np.int32), mask=None if valid is None else ~valid)
    return arr.take(idx)


def _table(n: int, columns: dict[str, object]) -> pa.Table:
    arrays = []
    for f in EVENT_SCHEMA:
        value = columns.get(f.name)
        if value is None:
            arrays.append(pa.nulls(n, type=f.type))
        elif isinstance(value, np.ndarray) and pa.types.is_timestamp(f.type):
            arrays.append(pa.array(value.astype(np.int64)).cast(f.type))
        elif isinstance(value, np.ndarray):
            arrays.append(pa.array(value, type=f.type))
        elif isinstance(value, str):
            arrays.append(pa.array([value] * n, type=f.type) if n else pa.nulls(0, f.type))
        else:
            arrays.append(value if isinstance(value, pa.Array) else pa.array(value, f.type))
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)


class RowBuilder:
    def __init__(self, plan: Plan, ident: NodeIdentity, span: tuple[int, int]) -> None:
        self.plan = plan
        self.ident = ident
        self.t0, self.t1 = span
        self.cols = ProcessColumns(plan, ident, self.t1)
        c = plan.containers
        self.container_pools = {
            "container_id": [x.id for x in c],
            "container_name": [x.name for x in c],
            "container_image": [x.image for x in c],
            "pod_name": [x.pod_name for x in c],
            "pod_namespace": [x.pod_namespace for x in c],
            "pod_uid": [x.pod_uid for x in c],
        }
        self.comm_pool = [p.comm for p in PROGRAMS.values()] + [None]
        self.exe_pool = [p.exe for p in PROGRAMS.values()] + [None]
        self.path_pool = [p.path for p in PROGRAMS.values()] + [None]
        self.sha_pool = [p.sha256 for p in PROGRAMS.values()] + [None]

    def _common(self, proc: np.ndarray, time: np.ndarray) -> dict[str, object]:
        """Columns every row of process ``proc`` at ``time`` carries."""
        c = self.cols
        n = len(proc)
        orphaned = c.orphan[proc] & (time > c.parent_end[proc])
        cont = c.container[proc]
        in_container = (cont >= 0) & (time >= c.container_since[proc])
        cont_idx = np.where(in_container, cont, 0)
        columns: dict[str, object] = {
            "time": time,
            "node": self.ident.node,
            "boot_id": self.ident.boot_id,
            "pid": c.pid[proc],
            "tid": c.pid[proc],
            "ppid": np.where(orphaned, c.init_pid, c.ppid[proc]).astype(np.int32),
            "process_id": c.id[proc],
            "parent_process_id": pa.array(
                np.where(orphaned, np.uint64(c.init_id), c.parent_id[proc]),
                type=pa.uint64(),
                mask=~c.has_parent[proc],
            ),
            "uid": c.uid[proc],
            "gid": c.uid[proc],
        }
        for name, pool in self.container_pools.items():
            columns[name] = (
                _strings(pool, cont_idx, in_container) if pool else pa.nulls(n, pa.string())
            )
        return columns

    def _image(self, prog: np.ndarray) -> dict[str, object]:
        none = len(self.comm_pool) - 1
        idx = np.where(prog >= 0, prog, none)
        return {"comm": _strings(self.comm_pool, idx), "exe": _strings(self.exe_pool, idx)}

    # -- lifecycle -------------------------------------------------------------------------

    def snapshots(self) -> pa.Table:
        c = self.cols
        proc = np.flatnonzero(c.snapshot)
        time = self.t0 + np.arange(len(proc), dtype=np.int64) * 1000
        cols = self._common(proc, time)
        cols.update(self._image(c.origin[proc]))
        cols["start_time"] = c.start[proc]
        argv = [
            argv_for(PROGRAMS[PROGRAM_NAMES[p]], self.plan.number[i]) if p >= 0 else None
            for i, p in zip(proc.tolist(), c.origin[proc].tolist(), strict=True)
        ]
        cols["argv"] = pa.array(argv, pa.list_(pa.string()))
        cols["cwd"] = "/"
        cols["exe_sha256"] = _strings(
            self.sha_pool, np.where(c.origin[proc] >= 0, c.origin[proc], len(self.sha_pool) - 1)
        )
        cols["event"] = "process_snapshot"
        return _table(len(proc), cols)

    def forks(self) -> pa.Table:
        c = self.cols
        proc = np.flatnonzero(~c.snapshot & (c.start < self.t1))
        cols = self._common(proc, c.start[proc])
        cols.update(self._image(c.origin[proc]))
        cols["start_time"] = c.start[proc]
        cols["event"] = "process_fork"
        cols["syscall"] = "clone"
        cols["retval"] = np.zeros(len(proc), dtype=np.int64)
        return _table(len(proc), cols)

    def execs(self) -> pa.Table:
        c = self.cols
        procs, times, progs, good, before = [], [], [], [], []
        for i, execs in enumerate(self.plan.execs):
            if c.snapshot[i]:
                continue
            current = int(c.origin[i])
            for t, prog, ok in execs:
                if t >= self.t1:
                    break
                procs.append(i)
                times.append(t)
                progs.append(prog)
                good.append(ok)
                before.append(current)
                if ok:
                    current = prog
        proc = np.array(procs, dtype=np.int64)
        time = np.array(times, dtype=np.int64)
        prog_arr = np.array(progs, dtype=np.int64)
        ok_arr = np.array(good, dtype=bool)
        image = np.where(ok_arr, prog_arr, np.array(before, dtype=np.int64))
        cols = self._common(proc, time)
        cols.update(self._image(image))
        cols["path"] = _strings(self.path_pool, prog_arr)
        cols["argv"] = pa.array(
            [
                argv_for(PROGRAMS[PROGRAM_NAMES[p]], self.plan.number[i])
                for i, p in zip(procs, progs, strict=True)
            ],
            pa.list_(pa.string()),
        )
        cols["exe_sha256"] = _strings(self.sha_pool, prog_arr, ok_arr)
        cols["retval"] = np.where(ok_arr, 0, -2).astype(np.int64)
        cols["event"] = "process_exec"
        cols["syscall"] = "execve"
        cols["env"] = pa.array(
            [["LD_LIBRARY_PATH=/opt/app/lib"] if p == _AGENT else None for p in progs],
            pa.list_(pa.string()),
        )
        return _table(len(proc), cols)

    def exits(self) -> pa.Table:
        c = self.cols
        proc = np.flatnonzero(c.exits & ~c.snapshot)
        cols = self._common(proc, c.end[proc])
        cols.update(self._image(c.program[proc]))
        cols["exit_code"] = c.exit_code[proc]
        sig = c.signal[proc]
        cols["signal"] = pa.array(sig, type=pa.int32(), mask=sig == 0)
        cols["event"] = "process_exit"
        cols["syscall"] = "exit_group"
        return _table(len(proc), cols)

    # -- everything else --------------------------------------------------------------------

    def others(self, rng: np.random.Generator, count: int) -> pa.Table:
        c = self.cols
        if count <= 0:
            return _table(0, {})
        active_start = np.maximum(c.last_exec, self.t0) + 100_000
        active_end = np.maximum(c.end - 100_000, active_start)
        rates = np.array([self.plan.rate(i) for i in range(c.n)])
        weight = rates * (active_end - active_start) / 1e9
        weight[(c.start >= self.t1) | (active_start >= self.t1)] = 0.0
        proc = rng.choice(c.n, size=count, p=weight / weight.sum())
        time = active_start[proc] + (
            rng.random(count) * (active_end[proc] - active_start[proc])
        ).astype(np.int64)
        time = np.minimum(time, self.t1 - 1)

        names = list(OTHER_KINDS)
        probs = np.array([OTHER_KINDS[k][0] for k in names])
        kind = rng.choice(len(names), size=count, p=probs / probs.sum())
        cols = self._common(proc, time)
        cols.update(self._image(c.program[proc]))
        cols["tid"] = self._tids(rng, proc)
        cols["event"] = _strings(names, kind)  # type: ignore[arg-type]
        cols["syscall"] = _strings([OTHER_KINDS[k][1] for k in names], kind)
        is_kind = {k: kind == i for i, k in enumerate(names)}

        paths, popularity = file_pool(rng)
        path_idx = rng.choice(len(paths), size=count, p=popularity)
        has_path = np.zeros(count, dtype=bool)
        for k in _PATH_KINDS:
            has_path |= is_kind[k]
        cols["path"] = _strings(paths, path_idx, has_path | is_kind["memfd_create"])
        two = is_kind["file_rename"] | is_kind["file_link"]
        cols["path2"] = _strings([p + ".1" for p in paths], path_idx, two)

        failed = rng.random(count) < 0.06
        errno = rng.choice(np.array([-2, -13, -1], dtype=np.int64), size=count)
        fd = rng.integers(3, 64, size=count).astype(np.int32)
        retval = np.zeros(count, dtype=np.int64)
        returns_fd = is_kind["file_open"] | is_kind["dup"] | is_kind["net_accept"]
        returns_fd |= is_kind["memfd_create"]
        retval = np.where(returns_fd, fd, retval)
        retval = np.where(failed, errno, retval)
        cols["retval"] = retval
        cols["fd"] = pa.array(fd, mask=~(returns_fd | is_kind["net_connect"] | is_kind["net_bind"]))

        open_flags = rng.choice(np.array([0, 524288, 577, 2, 524352], dtype=np.int64), count)
        flags = np.where(is_kind["file_open"], open_flags, 0)
        flags = np.where(is_kind["unshare"] | is_kind["setns"], 0x20000, flags)
        cols["flags"] = pa.array(
            flags, mask=~(is_kind["file_open"] | is_kind["unshare"] | is_kind["setns"])
        )
        mode = rng.choice(np.array([0o644, 0o755, 0o600, 0o777], dtype=np.int32), count)
        cols["mode"] = pa.array(mode, mask=~(is_kind["file_mkdir"] | is_kind["file_chmod"]))

        addrs, ports = address_pool(rng)
        addr_idx = rng.integers(0, len(addrs), size=count)
        net = np.zeros(count, dtype=bool)
        for k in _NET_KINDS:
            net |= is_kind[k]
        cols["family"] = _strings(["inet"], np.zeros(count, dtype=np.int64), net)
        addr_idx = np.where(is_kind["net_bind"], len(addrs), addr_idx)
        cols["addr"] = _strings([*addrs, "0.0.0.0"], addr_idx, net)
        port = np.where(is_kind["net_bind"], 8080, ports[np.minimum(addr_idx, len(ports) - 1)])
        port = np.where(is_kind["net_accept"], rng.integers(32768, 61000, count), port)
        cols["port"] = pa.array(port.astype(np.int32), mask=~net)

        targets = c.pid[rng.integers(0, c.n, size=count)]
        has_target = is_kind["kill"] | is_kind["ptrace"] | is_kind["process_vm_write"]
        cols["target_pid"] = pa.array(targets, mask=~has_target)
        sig = rng.choice(np.array([15, 9, 0, 1], dtype=np.int32), count)
        cols["signal"] = pa.array(sig, mask=~is_kind["kill"])
        new_id = np.where(rng.random(count) < 0.5, 0, 1000).astype(np.int32)
        cred = is_kind["cred_change"] | is_kind["file_chown"]
        cols["new_uid"] = pa.array(new_id, mask=~cred)
        cols["new_gid"] = pa.array(new_id, mask=~cred)
        length = rng.integers(0, 1 << 20, size=count)
        cols["length"] = pa.array(length, mask=~is_kind["file_truncate"])
        return _table(count, cols)

    def _tids(self, rng: np.random.Generator, proc: np.ndarray) -> np.ndarray:
        """Half the events of a threaded process come from one of its threads."""
        c = self.cols
        counts = np.array([len(t) for t in self.plan.tids], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        flat = np.array([t for ts in self.plan.tids for t in ts] or [0], dtype=np.int32)
        n_thr = counts[proc]
        use = (n_thr > 0) & (rng.random(len(proc)) < 0.5)
        pick = offsets[proc] + (rng.random(len(proc)) * np.maximum(n_thr, 1)).astype(np.int64)
        return np.where(use, flat[np.minimum(pick, len(flat) - 1)], c.pid[proc]).astype(np.int32)


def sort_order(table: pa.Table) -> np.ndarray:
    """Time order; at equal times lifecycle rows keep their natural order."""
    time = table.column("time").cast(pa.int64()).to_numpy()
    event = table.column("event")
    prio = np.full(table.num_rows, 3, dtype=np.int8)
    for name, p in _ORDER.items():
        prio[pc.equal(event, name).to_numpy(zero_copy_only=False)] = p
    return np.lexsort((prio, time))
