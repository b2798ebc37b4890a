"""Wire records -> Arrow tables in the event schema.

Bulk events (file, network, system) are decoded column-wise with NumPy. Lifecycle events
and aux records (argv, env, second paths) are few and change state, so they are walked in
order and the bulk rows between two of them take the process state of their segment.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracee_py.capture.wire import F_ARGV_TRUNCATED, F_EXIT_UNKNOWN, F_STR_TRUNCATED
from tracee_py.enrich.proctable import CONTAINER_FIELDS, ProcessTable, resolve_path
from tracee_py.schema import EVENT_SCHEMA, SYSCALLS, AuxRecord, EventKind
from tracee_py.store.rows import events_from_rows

K = EventKind
AT_FDCWD = -100
LIFECYCLE = np.array([K.PROCESS_FORK, K.PROCESS_EXEC, K.PROCESS_EXIT, K.CHDIR], dtype=np.uint32)
_LABELS = np.array([""] * 128, dtype=object)
for _k in EventKind:
    _LABELS[int(_k)] = _k.label
_SYSCALL_NAMES = pa.array(list(SYSCALLS), type=pa.string())
_FAMILIES = {1: "unix", 2: "inet", 10: "inet6", 16: "netlink", 17: "packet"}

# Which kinds use which generic argument, for the column-wise decode.
_PATH_KINDS = [
    K.FILE_OPEN,
    K.FILE_UNLINK,
    K.FILE_RENAME,
    K.FILE_LINK,
    K.FILE_MKDIR,
    K.FILE_CHMOD,
    K.FILE_CHOWN,
    K.FILE_TRUNCATE,
    K.MOUNT,
    K.UMOUNT,
    K.MODULE_UNLOAD,
]
_FLAGS_A0 = [
    K.FILE_OPEN,
    K.FILE_UNLINK,
    K.FILE_RENAME,
    K.FILE_LINK,
    K.MEMFD_CREATE,
    K.DUP,
    K.PTRACE,
    K.MODULE_LOAD,
    K.MODULE_UNLOAD,
    K.BPF,
    K.MOUNT,
    K.UMOUNT,
    K.UNSHARE,
    K.SETNS,
    K.MPROTECT_EXEC,
    K.CRED_CHANGE,
    K.FILE_CHMOD,
]
_MODE_A1 = [K.FILE_OPEN, K.FILE_MKDIR, K.FILE_CHMOD]
_FD_RETVAL = [K.FILE_OPEN, K.MEMFD_CREATE, K.NET_ACCEPT]
_FD_A3 = [
    K.DUP,
    K.NET_CONNECT,
    K.NET_BIND,
    K.NET_LISTEN,
    K.FILE_CHMOD,
    K.FILE_CHOWN,
    K.FILE_TRUNCATE,
    K.SETNS,
    K.MODULE_LOAD,
]
_TARGET_A1 = [K.PTRACE, K.PROCESS_VM_WRITE, K.KILL]
_NET = [K.NET_CONNECT, K.NET_ACCEPT, K.NET_BIND]
_UID_SYSCALLS = {"setuid", "setreuid", "setresuid", "setfsuid"}
_GID_SYSCALLS = {"setgid", "setregid", "setresgid", "setfsgid"}


def cstrings(raw: np.ndarray) -> pa.Array:
    """NUL-terminated byte fields (an (n, width) uint8 view) -> Arrow strings."""
    n, width = raw.shape
    if n == 0:
        return pa.array([], type=pa.string())
    is_nul = raw == 0
    lengths = np.where(is_nul.any(axis=1), is_nul.argmax(axis=1), width).astype(np.int32)
    keep = np.arange(width, dtype=np.int32)[None, :] < lengths[:, None]
    data = raw[keep]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    binary = pa.Array.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())]
    )
    try:
        return binary.cast(pa.string())
    except pa.ArrowInvalid:
        # Not UTF-8 (paths need not be): keep the bytes visible, escaped.
        return pa.array(
            [b.decode("utf-8", "backslashreplace") for b in binary.to_pylist()],
            type=pa.string(),
        )


def _str_of(ev: np.void) -> str:
    raw = bytes(ev["str"])
    return raw.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


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


class BatchDecoder:
    """Stateful: carries argv and second paths across batch boundaries."""

    def __init__(self, table: ProcessTable, boot_wall_ns: int) -> None:
        self.table = table
        self.boot_wall_ns = boot_wall_ns
        self._argv: dict[int, dict[int, str]] = {}
        self._env: dict[int, list[str]] = {}
        self._path2: dict[int, str] = {}
        self.decode_errors = 0

    def decode(self, slots: np.ndarray) -> pa.Table:
        ev = slots["ev"]
        kinds = ev["kind"]
        n = len(ev)
        times = ev["ts"].astype(np.int64) + self.boot_wall_ns
        pids = ev["pid"].astype(np.int64)
        special = np.flatnonzero((kinds >= 100) | np.isin(kinds, LIFECYCLE))
        main = kinds < 100
        main_idx = np.flatnonzero(main)
        bulk = main & ~np.isin(kinds, LIFECYCLE)

        # Per-row process fields for bulk rows, filled segment by segment.
        process_id = np.zeros(n, dtype=np.uint64)
        ppid = np.zeros(n, dtype=np.int64)
        parent_pid_id = np.zeros(n, dtype=np.uint64)
        has_parent = np.zeros(n, dtype=bool)
        exe = np.full(n, None, dtype=object)
        cwd = np.full(n, None, dtype=object)
        container = [np.full(n, None, dtype=object) for _ in CONTAINER_FIELDS]
        path2 = np.full(n, None, dtype=object)
        lifecycle_rows: list[dict[str, Any]] = []
        chdir_paths: dict[int, str | None] = {}

        cgroups = ev["cgroup_id"]
        if self._path2:  # second paths whose event arrived in this batch
            tids = ev["tid"]
            for tid in list(self._path2):
                hit = np.flatnonzero((tids == tid) & main)
                if hit.size:
                    path2[int(hit[0])] = self._path2.pop(tid)

        def fill(start: int, stop: int) -> None:
            if stop <= start:
                return
            seg = np.flatnonzero(bulk[start:stop]) + start
            if seg.size == 0:
                return
            keys = np.stack([pids[seg], cgroups[seg].astype(np.int64)], axis=1)
            uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            for j, (pid, cg) in enumerate(uniq.tolist()):
                rows = seg[inverse == j]
                info = self.table.get(int(pid), int(times[rows[0]]))
                c = self.table.container_of(info, int(cg) & 0xFFFF_FFFF_FFFF_FFFF)
                process_id[rows] = info.process_id
                ppid[rows] = info.ppid
                if info.parent_process_id is not None:
                    parent_pid_id[rows] = info.parent_process_id
                    has_parent[rows] = True
                exe[rows] = info.exe
                cwd[rows] = info.cwd
                for col, value in zip(container, c, strict=True):
                    col[rows] = value

        prev = 0
        for i in special.tolist():
            fill(prev, i)
            prev = i + 1
            try:
                row = self._special(ev[i], int(times[i]), i, kinds, ev, path2, chdir_paths)
            except (ValueError, KeyError, UnicodeError):
                self.decode_errors += 1
                continue
            if row is not None:
                lifecycle_rows.append(row)
            if int(kinds[i]) == K.CHDIR:
                # chdir rows are bulk-shaped: take the state after the call.
                info = self.table.get(int(pids[i]), int(times[i]))
                process_id[i], ppid[i] = info.process_id, info.ppid
                if info.parent_process_id is not None:
                    parent_pid_id[i], has_parent[i] = info.parent_process_id, True
                exe[i], cwd[i] = info.exe, info.cwd
                for col, value in zip(container, info.container, strict=True):
                    col[i] = value
        fill(prev, n)

        bulk_idx = np.flatnonzero(bulk | (kinds == K.CHDIR))
        tables = []
        if bulk_idx.size:
            tables.append(
                self._bulk_table(
                    ev[bulk_idx],
                    times[bulk_idx],
                    process_id[bulk_idx],
                    ppid[bulk_idx],
                    np.where(has_parent[bulk_idx], parent_pid_id[bulk_idx], 0),
                    has_parent[bulk_idx],
                    exe[bulk_idx],
                    cwd[bulk_idx],
                    [c[bulk_idx] for c in container],
                    path2[bulk_idx],
                    [chdir_paths.get(int(i)) for i in bulk_idx] if chdir_paths else None,
                )
            )
        extra = lifecycle_rows + self.table.late_rows
        self.table.late_rows = []
        if extra:
            tables.append(events_from_rows(extra))
        del main_idx
        if not tables:
            return EVENT_SCHEMA.empty_table()
        out = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        return out.sort_by([("time", "ascending")])

    # -- lifecycle and aux -----------------------------------------------------------------

    def _special(
        self,
        e: np.void,
        time_ns: int,
        index: int,
        kinds: np.ndarray,
        ev: np.ndarray,
        path2: np.ndarray,
        chdir_paths: dict[int, str | None],
    ) -> dict[str, Any] | None:
        kind = int(e["kind"])
        tid = int(e["tid"])
        pid = int(e["pid"])
        comm = bytes(e["comm"]).decode("utf-8", "backslashreplace")
        syscall = SYSCALLS[int(e["syscall"])] or None
        if kind == AuxRecord.EXEC_ARG:
            self._argv.setdefault(tid, {})[int(e["a0"])] = _str_of(e)
            return None
        if kind == AuxRecord.EXEC_ENV:
            self._env.setdefault(tid, []).append(_str_of(e))
            return None
        if kind == AuxRecord.PATH2:
            # Belongs to the next main event of this thread (maybe in the next batch).
            tids = ev["tid"][index + 1 :]
            later = np.flatnonzero((tids == tid) & (kinds[index + 1 :] < 100))
            if later.size:
                path2[index + 1 + int(later[0])] = _str_of(e)
            else:
                self._path2[tid] = _str_of(e)
            return None
        if kind == K.PROCESS_FORK:
            return self.table.fork(
                time_ns=time_ns,
                boot_ns=int(e["ts"]),
                parent_pid=pid,
                child_pid=int(e["a1"]),
                clone_flags=int(e["a0"]),
                syscall=syscall,
                uid=int(e["uid"]),
                gid=int(e["gid"]),
                cgroup_id=int(e["cgroup_id"]),
                comm=comm,
            )
        if kind == K.PROCESS_EXEC:
            old_tid = int(e["a1"]) or tid
            args = self._argv.pop(old_tid, {})
            argv = [args[k] for k in sorted(args)]
            env = self._env.pop(old_tid, [])
            flags = int(e["flags"])
            return self.table.exec(
                time_ns=time_ns,
                pid=pid,
                tid=tid,
                filename=_str_of(e),
                retval=int(e["retval"]),
                syscall=syscall,
                argv=argv,
                env=env,
                truncated=bool(flags & (F_ARGV_TRUNCATED | F_STR_TRUNCATED)),
                uid=int(e["uid"]),
                gid=int(e["gid"]),
                cgroup_id=int(e["cgroup_id"]),
                comm=comm,
                at_flags=int(e["a0"]),
            )
        if kind == K.PROCESS_EXIT:
            flags = int(e["flags"])
            sig = int(e["a1"])
            if sig:
                code: int | None = -sig
            elif flags & F_EXIT_UNKNOWN:
                code = None
            else:
                code = int(e["a0"]) & 0xFF
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
            raw = _str_of(e) if int(e["a3"]) < 0 else None
            chdir_paths[index] = self.table.chdir(pid, time_ns, raw, int(e["retval"]) == 0)
            return None
        raise KeyError(kind)

    # -- bulk ------------------------------------------------------------------------------

    def _bulk_table(
        self,
        ev: np.ndarray,
        times: np.ndarray,
        process_id: np.ndarray,
        ppid: np.ndarray,
        parent_process_id: np.ndarray,
        has_parent: np.ndarray,
        exe: np.ndarray,
        cwd: np.ndarray,
        container: list[np.ndarray],
        path2_raw: np.ndarray,
        chdir_paths: list[str | None] | None,
    ) -> pa.Table:
        n = len(ev)
        kinds = ev["kind"]
        a0, a1, a2, a3 = ev["a0"], ev["a1"], ev["a2"], ev["a3"]
        retval = ev["retval"]
        syscall_nums = ev["syscall"].astype(np.int32)

        def isin(ks: list[EventKind]) -> np.ndarray:
            return np.isin(kinds, np.array([int(k) for k in ks], dtype=np.uint32))

        str_u8 = np.ascontiguousarray(ev["str"]).view(np.uint8).reshape(n, -1)
        raw_paths = cstrings(str_u8)
        path_kinds = isin(_PATH_KINDS)
        # Relative paths: made absolute with the process cwd where the dir fd is AT_FDCWD.
        paths: pa.Array = raw_paths
        needs = path_kinds & (a2 == AT_FDCWD)
        if needs.any():
            rel = ~np.asarray(pc.starts_with(raw_paths, "/").fill_null(True))
            fix = np.flatnonzero(needs & rel & (np.asarray(pc.utf8_length(raw_paths)) > 0))
            if fix.size:
                values = raw_paths.to_pylist()
                for i in fix.tolist():
                    values[i] = resolve_path(values[i], cwd[i])
                paths = pa.array(values, type=pa.string())
        memfd = kinds == K.MEMFD_CREATE
        net = isin(_NET)
        fam = np.where(net, a0, 0)
        extra: dict[int, str | None] = {}
        if memfd.any():
            for i in np.flatnonzero(memfd).tolist():
                extra[i] = "memfd:" + (paths[i].as_py() or "")
        chdir_mask = kinds == K.CHDIR
        if chdir_paths is not None and chdir_mask.any():
            for i in np.flatnonzero(chdir_mask).tolist():
                extra[i] = chdir_paths[i]
        addr = np.full(n, None, dtype=object)
        for i in np.flatnonzero(net).tolist():
            family = int(fam[i])
            if family == 1:
                extra[i] = _unix_path(bytes(str_u8[i]), int(a2[i]))
            else:
                extra[i] = None
                addr[i] = _format_addr(family, ev["addr"][i])
        path_mask = path_kinds | memfd | chdir_mask | net
        if extra:
            values = paths.to_pylist()
            for i, v in extra.items():
                values[i] = v
            paths = pa.array(values, type=pa.string())
        paths = pc.if_else(pa.array(path_mask), paths, pa.nulls(n, pa.string()))

        # path2: rename new names and hard-link targets are relative to their dir fd (a3).
        p2 = path2_raw.copy()
        for i in np.flatnonzero(p2 != None).tolist():  # noqa: E711
            sc = SYSCALLS[int(syscall_nums[i])]
            if sc in ("rename", "renameat", "renameat2", "link", "linkat") and a3[i] == AT_FDCWD:
                p2[i] = resolve_path(p2[i], cwd[i])

        syscall_names = pc.take(_SYSCALL_NAMES, pa.array(syscall_nums, mask=syscall_nums == 0))
        family_col = np.full(n, None, dtype=object)
        for i in np.flatnonzero(net & (fam != 0)).tolist():
            family_col[i] = _FAMILIES.get(int(fam[i]), f"af_{int(fam[i])}")

        def masked(values: np.ndarray, mask: np.ndarray, typ: pa.DataType) -> pa.Array:
            return pa.array(values, type=typ, mask=~mask)

        fd_vals = np.where(isin(_FD_RETVAL), retval, a3)
        fd_mask = (isin(_FD_RETVAL) & (retval >= 0)) | (isin(_FD_A3) & (a3 >= 0))
        cred = kinds == K.CRED_CHANGE
        chown = kinds == K.FILE_CHOWN
        names = [SYSCALLS[int(s)] for s in np.unique(syscall_nums).tolist()]
        uid_sc = np.isin(syscall_nums, [SYSCALLS.index(s) for s in _UID_SYSCALLS if s in names])
        gid_sc = np.isin(syscall_nums, [SYSCALLS.index(s) for s in _GID_SYSCALLS if s in names])
        new_uid_mask = ((cred & uid_sc) | chown) & (a0 >= 0)
        new_gid_mask = ((cred & gid_sc) | chown) & (a1 >= 0)
        new_gid_vals = np.where(chown, a1, a1)
        kill = kinds == K.KILL
        flags_mask = isin(_FLAGS_A0) & ~cred
        flags_vals = a0
        mode_mask = isin(_MODE_A1)
        port_mask = net & np.isin(fam, [2, 10])
        label_idx = pa.array(kinds.astype(np.int64))
        event_labels = pc.take(pa.array(_LABELS.tolist(), type=pa.string()), label_idx)
        comm = cstrings(np.ascontiguousarray(ev["comm"]).view(np.uint8).reshape(n, -1))
        flags = ev["flags"]

        columns: dict[str, pa.Array] = {
            "time": pa.array(times, type=pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
            "node": pa.array([self.table.node] * n, type=pa.string()),
            "boot_id": pa.array([self.table.boot_id] * n, type=pa.string()),
            "event": event_labels,
            "syscall": syscall_names,
            "retval": pa.array(retval, type=pa.int64()),
            "pid": pa.array(ev["pid"].astype(np.int32)),
            "tid": pa.array(ev["tid"].astype(np.int32)),
            "ppid": pa.array(ppid.astype(np.int32)),
            "process_id": pa.array(process_id, type=pa.uint64()),
            "parent_process_id": masked(
                parent_process_id.astype(np.uint64), has_parent, pa.uint64()
            ),
            "uid": pa.array(ev["uid"].astype(np.int32)),
            "gid": pa.array(ev["gid"].astype(np.int32)),
            "comm": comm,
            "exe": pa.array(exe, type=pa.string()),
            "cwd": pa.array(cwd, type=pa.string()),
            "cgroup_id": pa.array(ev["cgroup_id"], type=pa.uint64()),
            "path": paths,
            "path2": pa.array(p2, type=pa.string()),
            "flags": masked(flags_vals, flags_mask, pa.int64()),
            "mode": masked(a1.astype(np.int32), mode_mask, pa.int32()),
            "fd": masked(fd_vals.astype(np.int32), fd_mask, pa.int32()),
            "family": pa.array(family_col, type=pa.string()),
            "addr": pa.array(addr, type=pa.string()),
            "port": masked(a1.astype(np.int32), port_mask, pa.int32()),
            "target_pid": masked(a1.astype(np.int32), isin(_TARGET_A1), pa.int32()),
            "signal": masked(a0.astype(np.int32), kill, pa.int32()),
            "new_uid": masked(a0.astype(np.int32), new_uid_mask, pa.int32()),
            "new_gid": masked(new_gid_vals.astype(np.int32), new_gid_mask, pa.int32()),
            "length": masked(a0, kinds == K.FILE_TRUNCATE, pa.int64()),
            "truncated": pa.array((flags & F_STR_TRUNCATED) != 0),
        }
        for name, col in zip(CONTAINER_FIELDS, container, strict=True):
            columns[name] = pa.array(col, type=pa.string())
        arrays = []
        for f in EVENT_SCHEMA:
            col = columns.get(f.name)
            arrays.append(col if col is not None else pa.nulls(n, f.type))
        return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)
