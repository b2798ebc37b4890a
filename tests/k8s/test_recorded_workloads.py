"""End to end: record real processes in container-shaped cgroups, then read the Parquet.

The real recorder (``python -m tracee_py record``, real eBPF, whole node) runs while real
processes move themselves into real cgroups that have the exact paths containerd (systemd
and cgroupfs drivers), CRI-O and Docker create, and then exec the interesting command::

    sh -c 'echo $$ > <cgroup>/cgroup.procs && exec /bin/cat <marker>'

so the same pid has a ``process_exec`` of ``/bin/sh`` on the host and then, inside the
container, a ``process_exec`` of ``/bin/cat`` and a ``file_open`` of its marker. The tests
assert the exact container id (and what the runtime's path shape says: the pod uid) on
those rows, nulls on host processes recorded in the same run, and, with a local API server
(:class:`~tests.k8s.conftest.FakeKubeApi`) reached through ``KUBECONFIG``, the pod and
container names and images; a pod that appears while recording; and a 403 from the API,
which must not stop the recording and must show up in the stats dataset.

These tests need root and eBPF and never skip: without them they fail with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from tests.capture.conftest import TRACEE, Recording
from tests.k8s import conftest as k8s_conftest
from tracee_py.schema import CONTAINER_COLUMNS

from .conftest import (
    FORBIDDEN_MESSAGE,
    CgroupLab,
    FakeKubeApi,
    make_pod,
    random_container_id,
    random_pod_uid,
    v2_mount,
    wait_for,
)

NODE = "node-rec"
REPO = Path(__file__).resolve().parents[2]
LAUNCH_IN_CGROUP = 'echo $$ > "$1/cgroup.procs" && exec /bin/cat "$2"'
LAUNCH_ON_HOST = 'exec /bin/cat "$2"'
WORKLOAD_FIELDS = CONTAINER_COLUMNS


def _v2() -> Path:
    root = v2_mount()
    assert root is not None, "these tests need the cgroup v2 hierarchy (the BPF cgroup ids)"
    return root


def _own_v2_cgroup() -> Path:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return _v2() / line[3:].lstrip("/")
    raise AssertionError("this process has no cgroup v2 line")


def _suid(uid: str) -> str:
    return uid.replace("-", "_")


# -- the recorder ----------------------------------------------------------------------------


def _environment(kubeconfig: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"):
        env.pop(name, None)
    env["NODE_NAME"] = NODE
    if kubeconfig is not None:
        env["KUBECONFIG"] = str(kubeconfig)
    return env


class NodeRecorder:
    """``record`` of the whole node, from the ready file until :meth:`stop` (SIGINT)."""

    def __init__(self, base: Path, kubeconfig: Path | None) -> None:
        self.data = base / "data"
        self.ready = base / "ready"
        self.log = base / "recorder.stderr"  # a file, not a pipe nobody reads while it runs
        with self.log.open("w") as log:
            self.proc = self._start(kubeconfig, log)
        deadline = time.monotonic() + 120
        while not self.ready.exists():
            if self.proc.poll() is not None:
                pytest.fail(f"the recorder exited before it was ready: {self.log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail("the recorder was not ready after 120s")
            time.sleep(0.05)

    def _start(self, kubeconfig: Path | None, log: IO[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                *TRACEE,
                "record",
                "--data",
                str(self.data),
                "--ready-file",
                str(self.ready),
                "--duration",
                "300",  # a safety net: the test stops it with SIGINT long before
                "--rotate",
                "10m",  # one events file and one final stats interval per run
                "-q",
            ],
            cwd=REPO,
            env=_environment(kubeconfig),
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )

    def stop(self) -> Recording:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=120)
        assert self.proc.returncode == 0, self.log.read_text()
        return Recording(data=self.data, work=self.data.parent, facts={}, result=None)  # type: ignore[arg-type]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def start_recorder(tmp_path: Path) -> Iterator[Callable[..., NodeRecorder]]:
    assert os.geteuid() == 0, "recording needs root (it loads eBPF programs)"
    started: list[NodeRecorder] = []

    def start(kubeconfig: Path | None = None) -> NodeRecorder:
        recorder = NodeRecorder(tmp_path, kubeconfig)
        started.append(recorder)
        return recorder

    yield start
    for recorder in started:
        recorder.kill()


def _write_kubeconfig(tmp_path: Path, server: str) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(
        f"""\
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: {server}
users:
- name: recorder
  user:
    token: recorder-token
contexts:
- name: local
  context:
    cluster: local
    user: recorder
current-context: local
"""
    )
    return path


# -- the workload ----------------------------------------------------------------------------


@dataclass
class Launched:
    """One ``sh -> exec cat <marker>`` process and what it ran in."""

    pid: int
    marker: Path
    cgroup: Path | None  # None: stayed in the host cgroup of the test

    @property
    def sh_argv(self) -> list[str]:
        script = LAUNCH_IN_CGROUP if self.cgroup is not None else LAUNCH_ON_HOST
        return ["/bin/sh", "-c", script, "sh", str(self.cgroup or ""), str(self.marker)]


def launch(tmp_path: Path, name: str, cgroup: Path | None) -> Launched:
    """Run the launcher to completion; it moves itself into ``cgroup`` and execs cat."""
    marker = tmp_path / f"{name}.marker"
    marker.write_text(f"marker of {name}\n")
    launched = Launched(0, marker, cgroup)
    proc = subprocess.Popen(
        launched.sh_argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (0, f"marker of {name}\n", "")
    launched.pid = proc.pid
    return launched


@dataclass
class Shape:
    """A container cgroup path as one runtime (and cgroup driver) creates it."""

    name: str
    rel: str  # below the v2 root
    container_id: str
    parsed_pod_uid: str | None  # what the path itself says about the pod


def _shape(name: str, template: str, *, pod_in_path: bool) -> Shape:
    cid, uid = random_container_id(), random_pod_uid()
    rel = template.format(cid=cid, uid=uid, suid=_suid(uid))
    return Shape(name, rel, cid, uid if pod_in_path else None)


def runtime_shapes() -> list[Shape]:
    return [
        _shape(
            "containerd-systemd",
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{suid}.slice/"
            "cri-containerd-{cid}.scope",
            pod_in_path=True,
        ),
        _shape("containerd-cgroupfs", "kubepods/burstable/pod{uid}/{cid}", pod_in_path=True),
        _shape(
            "crio-systemd",
            "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{suid}.slice/"
            "crio-{cid}.scope/container",
            pod_in_path=True,
        ),
        _shape("crio-cgroupfs", "kubepods/besteffort/pod{uid}/crio-{cid}", pod_in_path=True),
        _shape("docker-systemd", "system.slice/docker-{cid}.scope", pod_in_path=False),
        _shape("docker-cgroupfs", "docker/{cid}", pod_in_path=False),
    ]


# -- reading the recording -------------------------------------------------------------------


def _cgroup_id(path: Path) -> int:
    return os.stat(path).st_ino  # a v2 cgroup's id is its directory's inode


def execs(r: Recording, pid: int) -> list[tuple[Any, ...]]:
    """(path, argv, cgroup_id, six workload fields) of every exec of ``pid``, in order."""
    return r.sql(
        f"SELECT path, argv, cgroup_id, {', '.join(WORKLOAD_FIELDS)} FROM events "
        "WHERE event = 'process_exec' AND pid = ? ORDER BY time",
        [pid],
    )


def opens_of(r: Recording, marker: Path) -> list[tuple[Any, ...]]:
    """(pid, comm, cgroup_id, six workload fields) of every open of ``marker`` but the test's
    own (it writes the marker)."""
    return r.sql(
        f"SELECT pid, comm, cgroup_id, {', '.join(WORKLOAD_FIELDS)} FROM events "
        "WHERE event = 'file_open' AND path = ? AND pid <> ? ORDER BY time",
        [str(marker), os.getpid()],
    )


def lifetime(r: Recording, pid: int) -> list[tuple[Any, ...]]:
    """(event, cgroup_id, container_id) of every event of ``pid``, in time order."""
    return r.sql(
        "SELECT event, cgroup_id, container_id FROM events WHERE pid = ? ORDER BY time", [pid]
    )


def assert_moved_into(r: Recording, launched: Launched, expected: tuple[str | None, ...]) -> None:
    """Host until the exec of cat, then ``expected`` (the six fields) on every event."""
    assert launched.cgroup is not None
    inside = _cgroup_id(launched.cgroup)
    host = _cgroup_id(_own_v2_cgroup())
    nothing = (None,) * len(WORKLOAD_FIELDS)
    assert execs(r, launched.pid) == [
        ("/bin/sh", launched.sh_argv, host, *nothing),
        ("/bin/cat", ["/bin/cat", str(launched.marker)], inside, *expected),
    ]
    assert opens_of(r, launched.marker) == [(launched.pid, "cat", inside, *expected)]
    # Every event is in the cgroup it was recorded in: the host's until the write to
    # cgroup.procs (fork, exec of sh, ...), the container's from then on (exec of cat, exit).
    rows = lifetime(r, launched.pid)
    cgroups = [cg for _, cg, _ in rows]
    moved = cgroups.index(inside)
    assert cgroups == [host] * moved + [inside] * (len(rows) - moved)
    assert [c for _, _, c in rows] == [None] * moved + [expected[0]] * (len(rows) - moved)
    assert (rows[0][0], rows[-1][0]) == ("process_fork", "process_exit")


def assert_host(r: Recording, launched: Launched) -> None:
    host = _cgroup_id(_own_v2_cgroup())
    nothing = (None,) * len(WORKLOAD_FIELDS)
    assert execs(r, launched.pid) == [
        ("/bin/sh", launched.sh_argv, host, *nothing),
        ("/bin/cat", ["/bin/cat", str(launched.marker)], host, *nothing),
    ]
    assert opens_of(r, launched.marker) == [(launched.pid, "cat", host, *nothing)]
    rows = lifetime(r, launched.pid)
    assert (rows[0][0], rows[-1][0]) == ("process_fork", "process_exit")
    assert [(cg, c) for _, cg, c in rows] == [(host, None)] * len(rows)


def kubernetes_api_stats(r: Recording) -> list[tuple[Any, ...]]:
    """(value, detail) of the ``kubernetes_api`` metric, after checking that every stats
    interval of the run (the one that closed the events file, the final one) has one.
    ``capability`` rows describe the run once, at its start: they are no interval."""
    rows = r.stats(
        "SELECT interval_start, interval_end, value, detail FROM stats "
        "WHERE metric = 'kubernetes_api' ORDER BY interval_end"
    )
    if rows:
        intervals = r.stats(
            "SELECT DISTINCT interval_start, interval_end FROM stats "
            "WHERE metric <> 'capability' ORDER BY interval_end"
        )
        assert [row[:2] for row in rows] == intervals
    return sorted({row[2:] for row in rows})


# -- containers, no Kubernetes API -----------------------------------------------------------


def test_container_ids_of_recorded_processes(
    cgroup_lab: CgroupLab, start_recorder: Callable[..., NodeRecorder], tmp_path: Path
) -> None:
    """Every runtime's path shape gives the exact id; the host stays null; no API: no pod."""
    v2 = _v2()
    shapes = runtime_shapes()
    before, during = shapes[::2], shapes[1::2]
    # Some containers exist before the recorder starts (found by its first scan), the others
    # start while it records, one after another like a pod's init containers.
    leaves = {s.name: cgroup_lab.mkdir(v2, s.rel) for s in before}
    # A container process that is already running when the recorder starts (it restarted,
    # say) is in the start-of-recording snapshot, with its container.
    sleepers = {s.name: cgroup_lab.spawn() for s in before}
    for s in before:
        cgroup_lab.move(sleepers[s.name].pid, leaves[s.name])
    # The runtime's monitor process runs next to the container, in a cgroup of its own.
    conmon_pod = random_pod_uid()
    conmon = cgroup_lab.mkdir(
        v2,
        "kubepods.slice/kubepods-besteffort.slice/"
        f"kubepods-besteffort-pod{_suid(conmon_pod)}.slice/"
        f"crio-conmon-{random_container_id()}.scope",
    )
    recorder = start_recorder()
    launched = {s.name: launch(tmp_path, s.name, leaves[s.name]) for s in before}
    for s in during:
        # Created, run for a moment, done: each one well within a second of the last, and
        # gone (its only process exited and reaped) when its events are decoded.
        leaves[s.name] = cgroup_lab.mkdir(v2, s.rel)
        launched[s.name] = launch(tmp_path, s.name, leaves[s.name])
        time.sleep(0.15)
    monitor = launch(tmp_path, "conmon", conmon)
    host = launch(tmp_path, "host", None)
    r = recorder.stop()

    for s in shapes:
        expected = (s.container_id, None, None, None, None, s.parsed_pod_uid)
        assert_moved_into(r, launched[s.name], expected)
    for s in before:
        snapshot = r.sql(
            f"SELECT argv, {', '.join(WORKLOAD_FIELDS)} FROM events "
            "WHERE event = 'process_snapshot' AND pid = ?",
            [sleepers[s.name].pid],
        )
        assert snapshot == [
            (["sleep", "600"], s.container_id, None, None, None, None, s.parsed_pod_uid)
        ]

    # Not containers: the monitor and a plain host process, recorded in the same run.
    nothing = (None,) * len(WORKLOAD_FIELDS)
    assert opens_of(r, monitor.marker) == [(monitor.pid, "cat", _cgroup_id(conmon), *nothing)]
    assert {c for _, _, c in lifetime(r, monitor.pid)} == {None}
    assert_host(r, host)

    # Every event in the test's own (host) cgroup has no workload field.
    host_id = _cgroup_id(_own_v2_cgroup())
    counts = r.one(
        "SELECT count(*), count(container_id), count(container_name), count(container_image), "
        "count(pod_name), count(pod_namespace), count(pod_uid) FROM events "
        "WHERE cgroup_id = ? AND event <> 'process_snapshot'",
        [host_id],
    )
    assert counts[0] > 0
    assert counts[1:] == (0, 0, 0, 0, 0, 0)
    # Each of our container cgroups carries exactly its own id, on every event in it.
    ours = r.sql(
        "SELECT cgroup_id, list(DISTINCT container_id) FROM events WHERE cgroup_id IN ("
        + ", ".join(str(_cgroup_id(leaf)) for leaf in leaves.values())
        + ") GROUP BY cgroup_id"
    )
    assert dict(ours) == {_cgroup_id(leaves[s.name]): [s.container_id] for s in shapes}
    # Without Kubernetes config there is no API to ask, and nothing to report about it.
    assert kubernetes_api_stats(r) == []


# -- containers and pods from the Kubernetes API ---------------------------------------------


@pytest.fixture
def watch_deliveries(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(event type, pod uid) of every watch event the fake API has flushed to a client."""
    delivered: list[tuple[str, str]] = []
    chunk = k8s_conftest._chunk

    def recording_chunk(h: Any, event: dict[str, Any]) -> None:
        chunk(h, event)
        obj = event.get("object") or {}
        delivered.append((event.get("type", ""), (obj.get("metadata") or {}).get("uid", "")))

    monkeypatch.setattr(k8s_conftest, "_chunk", recording_chunk)
    return delivered


def _watching(api: FakeKubeApi) -> bool:
    """The recorder's index has applied its first list and opened a watch."""
    return any("watch=true" in path for path, _ in api.requests)


def test_pods_from_the_api_on_recorded_events(
    cgroup_lab: CgroupLab,
    start_recorder: Callable[..., NodeRecorder],
    kube_api: FakeKubeApi,
    watch_deliveries: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    v2 = _v2()
    web_uid, db_uid, legacy_uid, starting_uid, late_uid = (random_pod_uid() for _ in range(5))
    nginx, envoy, postgres, legacy, starting, late = (random_container_id() for _ in range(6))
    web = (
        "kubepods.slice/kubepods-burstable.slice/"
        f"kubepods-burstable-pod{_suid(web_uid)}.slice/cri-containerd-{{}}.scope"
    )
    cgroups = {
        "nginx": web.format(nginx),
        "envoy": web.format(envoy),
        "postgres": "kubepods.slice/kubepods-besteffort.slice/"
        f"kubepods-besteffort-pod{_suid(db_uid)}.slice/crio-{postgres}.scope/container",
        # cri-dockerd: Docker's systemd scope inside the pod's slice.
        "legacy": "kubepods.slice/kubepods-burstable.slice/"
        f"kubepods-burstable-pod{_suid(legacy_uid)}.slice/docker-{legacy}.scope",
        "starting": f"kubepods/burstable/pod{starting_uid}/{starting}",
        "late": f"kubepods/besteffort/pod{late_uid}/{late}",
    }
    kube_api.add_pod(
        make_pod(
            "web-7d9f8b6c5d-x2x7k",
            node=NODE,
            namespace="shop",
            uid=web_uid,
            containers=[
                ("nginx", "docker.io/library/nginx:1.27", nginx),
                ("envoy", "docker.io/envoyproxy/envoy:v1.31.2", envoy),
            ],
        )
    )
    kube_api.add_pod(
        make_pod(
            "db-0",
            node=NODE,
            namespace="data",
            uid=db_uid,
            containers=[("postgres", "quay.io/sclorg/postgresql-15-c9s:20241120", postgres)],
            scheme="cri-o",
        )
    )
    kube_api.add_pod(
        make_pod(
            "legacy-app",
            node=NODE,
            uid=legacy_uid,
            containers=[("app", "registry.example.com/legacy/app:2.1", legacy)],
            scheme="docker",
        )
    )
    # The kubelet has not reported the container's id yet (ContainerCreating) when its
    # first process runs: the pod is known from the uid in the cgroup path, the container not.
    kube_api.add_pod(
        make_pod(
            "starting-5b8c",
            node=NODE,
            namespace="shop",
            uid=starting_uid,
            containers=[("worker", "docker.io/acme/worker:3.2", None)],
        )
    )
    leaves = {name: cgroup_lab.mkdir(v2, rel) for name, rel in cgroups.items() if name != "late"}
    recorder = start_recorder(_write_kubeconfig(tmp_path, kube_api.url))
    wait_for(lambda: _watching(kube_api), timeout=30, what="the recorder's pod watch")
    launched = {name: launch(tmp_path, name, leaf) for name, leaf in leaves.items()}
    host = launch(tmp_path, "host", None)

    # A pod scheduled while recording: it reaches the recorder through the watch stream,
    # then its container starts.
    kube_api.add_pod(
        make_pod(
            "nightly-29001234-abcde",
            node=NODE,
            namespace="batch",
            uid=late_uid,
            containers=[("report", "ghcr.io/acme/report:2026.11", late)],
        )
    )
    wait_for(lambda: ("ADDED", late_uid) in watch_deliveries, what="the new pod in the watch")
    time.sleep(0.2)  # the recorder's watch thread reads and applies the flushed event
    leaves["late"] = cgroup_lab.mkdir(v2, cgroups["late"])
    launched["late"] = launch(tmp_path, "late", leaves["late"])
    r = recorder.stop()

    expected = {
        "nginx": (
            nginx,
            "nginx",
            "docker.io/library/nginx:1.27",
            "web-7d9f8b6c5d-x2x7k",
            "shop",
            web_uid,
        ),
        "envoy": (
            envoy,
            "envoy",
            "docker.io/envoyproxy/envoy:v1.31.2",
            "web-7d9f8b6c5d-x2x7k",
            "shop",
            web_uid,
        ),
        "postgres": (
            postgres,
            "postgres",
            "quay.io/sclorg/postgresql-15-c9s:20241120",
            "db-0",
            "data",
            db_uid,
        ),
        "legacy": (
            legacy,
            "app",
            "registry.example.com/legacy/app:2.1",
            "legacy-app",
            "default",
            legacy_uid,
        ),
        "starting": (starting, None, None, "starting-5b8c", "shop", starting_uid),
        "late": (
            late,
            "report",
            "ghcr.io/acme/report:2026.11",
            "nightly-29001234-abcde",
            "batch",
            late_uid,
        ),
    }
    for name, fields in expected.items():
        assert_moved_into(r, launched[name], fields)
    assert_host(r, host)
    assert kubernetes_api_stats(r) == [(1, "ok")]
    # The recorder listed once and then followed the watch (no re-list, no errors).
    assert kube_api.list_requests() == 1
    headers = {k.lower(): v for k, v in kube_api.requests[0][1].items()}
    assert headers["authorization"] == "Bearer recorder-token"
    assert f"fieldSelector=spec.nodeName%3D{NODE}" in kube_api.requests[0][0]


def test_forbidden_api_leaves_pods_null_and_is_reported(
    cgroup_lab: CgroupLab,
    start_recorder: Callable[..., NodeRecorder],
    kube_api: FakeKubeApi,
    tmp_path: Path,
) -> None:
    """RBAC missing: the recording goes on, containers still attributed, pod fields null."""
    v2 = _v2()
    uid, cid, docker_cid = random_pod_uid(), random_container_id(), random_container_id()
    kube_api.add_pod(make_pod("web", node=NODE, uid=uid, containers=[("nginx", "nginx:1.27", cid)]))
    kube_api.forbidden = True
    pod_leaf = cgroup_lab.mkdir(
        v2,
        "kubepods.slice/kubepods-burstable.slice/"
        f"kubepods-burstable-pod{_suid(uid)}.slice/cri-containerd-{cid}.scope",
    )
    docker_leaf = cgroup_lab.mkdir(v2, f"docker/{docker_cid}")
    recorder = start_recorder(_write_kubeconfig(tmp_path, kube_api.url))
    # Two requests: the first answer (403) has been handled, and the index keeps retrying.
    wait_for(lambda: len(kube_api.requests) >= 2, timeout=30, what="a retry after the 403")
    in_pod = launch(tmp_path, "in-pod", pod_leaf)
    in_docker = launch(tmp_path, "in-docker", docker_leaf)
    host = launch(tmp_path, "host", None)
    r = recorder.stop()

    # Only what the cgroup path says: the container id and, under kubepods, the pod uid.
    assert_moved_into(r, in_pod, (cid, None, None, None, None, uid))
    assert_moved_into(r, in_docker, (docker_cid, None, None, None, None, None))
    assert_host(r, host)
    assert kubernetes_api_stats(r) == [(0, f"403 Forbidden: {FORBIDDEN_MESSAGE}")]
    assert all("watch=true" not in path for path, _ in kube_api.requests)
