"""Fixtures for container and Kubernetes tests: real cgroups and a local API server.

``cgroup_lab`` creates real cgroups (v2 under the host's unified hierarchy, v1 under the
``pids`` and ``name=systemd`` hierarchies of hybrid hosts), moves real processes into them
and removes exactly what it created afterwards.

``kube_api`` is an HTTP server on 127.0.0.1 that answers the pod list and watch requests
of the real ``kubernetes`` client like the API server does: a PodList with a
resourceVersion, a chunked watch stream of ADDED/MODIFIED/DELETED events, ``410 Gone`` for a
compacted resource version, ``403 Forbidden`` Status objects, and a stop that cuts every
connection so the client sees "connection refused".
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tracee_py.enrich.containers import find_cgroup2_root

CGROUP_ROOT = Path("/sys/fs/cgroup")

# -- real cgroups -------------------------------------------------------------------------


def v2_mount() -> Path | None:
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        return find_cgroup2_root(f.read(), CGROUP_ROOT)


def v1_mount(name: str) -> Path | None:
    """Mount point of the v1 hierarchy with controller (or ``name=``) ``name``."""
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = right.split()
            if len(fields) >= 3 and fields[0] == "cgroup" and name in fields[2].split(","):
                return Path(left.split()[4])
    return None


def random_container_id() -> str:
    return secrets.token_hex(32)


def random_pod_uid() -> str:
    return str(uuid.uuid4())


@dataclass
class CgroupLab:
    """Creates cgroups and processes; undoes all of it at teardown."""

    created: list[Path] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def mkdir(self, root: Path, rel: str) -> Path:
        path = root
        for part in rel.strip("/").split("/"):
            path = path / part
            if not path.exists():
                path.mkdir()
                self.created.append(path)
        return path

    def spawn(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(["sleep", "600"])
        self.procs.append(proc)
        return proc

    @staticmethod
    def move(pid: int, cgroup: Path) -> None:
        (cgroup / "cgroup.procs").write_text(f"{pid}\n")

    def cleanup(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
        for path in sorted(self.created, key=lambda p: len(p.parts), reverse=True):
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)  # the killed process may not have left yet


@pytest.fixture
def cgroup_lab() -> Iterator[CgroupLab]:
    if os.geteuid() != 0:
        pytest.fail("cgroup tests create real cgroups and must run as root")
    lab = CgroupLab()
    try:
        yield lab
    finally:
        lab.cleanup()


# -- a local Kubernetes API server ----------------------------------------------------------


Container = tuple[str, str, str | None]  # name, image, container id (None: not started)


def make_pod(
    name: str,
    *,
    node: str,
    namespace: str = "default",
    uid: str | None = None,
    containers: Sequence[Container] = (),
    init_containers: Sequence[Container] = (),
    ephemeral_containers: Sequence[Container] = (),
    scheme: str = "containerd",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A pod in the JSON shape of the v1 API, as a kubelet-managed pod looks when running.

    Containers are (name, image, container id or None for "not started yet").
    """
    uid = uid or random_pod_uid()
    started = "2026-11-28T10:00:00Z"

    def spec_of(items: Sequence[Container]) -> list[dict[str, Any]]:
        return [
            {
                "name": cname,
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
            for cname, image, _ in items
        ]

    def status_of(items: Sequence[Container], init: bool) -> list[dict[str, Any]]:
        out = []
        for cname, image, cid in items:
            st: dict[str, Any] = {
                "name": cname,
                "image": image if ":" in image.rsplit("/", 1)[-1] else f"{image}:latest",
                "imageID": f"{image}@sha256:{'0' * 64}",
                "ready": cid is not None and not init,
                "restartCount": 0,
                "started": cid is not None and not init,
                "lastState": {},
            }
            if cid is None:
                st["state"] = {"waiting": {"reason": "ContainerCreating"}}
            elif init:
                st["containerID"] = f"{scheme}://{cid}"
                st["state"] = {
                    "terminated": {
                        "exitCode": 0,
                        "reason": "Completed",
                        "startedAt": started,
                        "finishedAt": started,
                        "containerID": f"{scheme}://{cid}",
                    }
                }
            else:
                st["containerID"] = f"{scheme}://{cid}"
                st["state"] = {"running": {"startedAt": started}}
            out.append(st)
        return out

    ephemeral_spec = spec_of(ephemeral_containers)
    for item in ephemeral_spec:
        item["targetContainerName"] = containers[0][0] if containers else None
    pod: dict[str, Any] = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": "0",
            "creationTimestamp": started,
            "labels": {"app": name},
            "annotations": annotations or {},
        },
        "spec": {
            "nodeName": node,
            "containers": spec_of(containers),
            "initContainers": spec_of(init_containers),
            "ephemeralContainers": ephemeral_spec,
            "restartPolicy": "Always",
            "serviceAccountName": "default",
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
        },
        "status": {
            "phase": "Running",
            "hostIP": "10.0.0.10",
            "podIP": "10.244.1.23",
            "qosClass": "BestEffort",
            "startTime": started,
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": started}],
            "containerStatuses": status_of(containers, init=False),
            "initContainerStatuses": status_of(init_containers, init=True),
            "ephemeralContainerStatuses": status_of(ephemeral_containers, init=False),
        },
    }
    if not init_containers:
        del pod["spec"]["initContainers"], pod["status"]["initContainerStatuses"]
    if not ephemeral_containers:
        del pod["spec"]["ephemeralContainers"], pod["status"]["ephemeralContainerStatuses"]
    return pod


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": {"kind": "pods"},
        "code": code,
    }


FORBIDDEN_MESSAGE = (
    'pods is forbidden: User "system:serviceaccount:tracee-py:tracee-py" cannot list '
    'resource "pods" in API group "" at the cluster scope'
)


class FakeKubeApi:
    """Pods of a cluster, served like the API server serves ``/api/v1/pods``."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.pods: dict[str, dict[str, Any]] = {}
        self.history: list[tuple[int, str, dict[str, Any]]] = []  # (rv, type, pod)
        self.rv = 1000
        self.oldest_watchable = 0  # watches from an older resourceVersion get 410 Gone
        self.epoch = 0  # bumped to end every open watch
        self.forbidden = False
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.port = _free_port()
        self._server: ThreadingHTTPServer | None = None
        self._sockets: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._tls: tuple[Path, Path] | None = None

    # -- the cluster ------------------------------------------------------------------

    def _record(self, kind: str, pod: dict[str, Any]) -> None:
        self.rv += 1
        pod["metadata"]["resourceVersion"] = str(self.rv)
        self.history.append((self.rv, kind, copy.deepcopy(pod)))
        self.cond.notify_all()

    def add_pod(self, pod: dict[str, Any]) -> None:
        with self.cond:
            self.pods[pod["metadata"]["uid"]] = pod
            self._record("ADDED", pod)

    def modify_pod(self, pod: dict[str, Any]) -> None:
        with self.cond:
            self.pods[pod["metadata"]["uid"]] = pod
            self._record("MODIFIED", pod)

    def delete_pod(self, uid: str) -> None:
        with self.cond:
            pod = self.pods.pop(uid)
            self._record("DELETED", pod)

    def delete_pod_silently(self, uid: str) -> None:
        """A deletion the client cannot see (it happens while the API is away)."""
        with self.cond:
            self.pods.pop(uid)
            self.rv += 1

    def compact(self) -> None:
        """Forget history: watches from any resourceVersion seen so far get 410 Gone."""
        with self.cond:
            self.oldest_watchable = self.rv + 1
            self.rv += 1
            self.epoch += 1
            self.cond.notify_all()

    def list_requests(self) -> int:
        return sum(1 for path, _ in self.requests if "watch=true" not in path)

    # -- serving ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self, tls: tuple[Path, Path] | None = None) -> None:
        """Serve plain HTTP, or HTTPS with ``tls`` = (certificate, key) files."""
        self._stopping.clear()
        if tls is not None:
            self._tls = tls
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                api._sockets.add(self.connection)

            def finish(self) -> None:
                api._sockets.discard(self.connection)
                with contextlib.suppress(OSError):
                    super().finish()

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                api._handle(self)

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        if self._tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        """Stop listening and cut open connections: clients now get connection refused."""
        self._stopping.set()
        with self.cond:
            self.cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append((h.path, dict(h.headers)))
        if url.path != "/api/v1/pods":
            return _send_json(h, 404, _status(404, "NotFound", f"path {url.path} not found"))
        if self.forbidden:
            return _send_json(h, 403, _status(403, "Forbidden", FORBIDDEN_MESSAGE))
        selector = query.get("fieldSelector", "")
        if not selector.startswith("spec.nodeName="):
            return _send_json(h, 400, _status(400, "BadRequest", f"bad selector {selector!r}"))
        node = selector.removeprefix("spec.nodeName=")
        if query.get("watch") == "true":
            return self._watch(h, node, query)
        with self.cond:
            items = []
            for pod in self.pods.values():
                if pod["spec"].get("nodeName") == node:
                    item = copy.deepcopy(pod)
                    del item["kind"], item["apiVersion"]  # list items carry neither
                    items.append(item)
            body = {
                "kind": "PodList",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": str(self.rv)},
                "items": items,
            }
        _send_json(h, 200, body)

    def _watch(self, h: BaseHTTPRequestHandler, node: str, query: dict[str, str]) -> None:
        since = int(query.get("resourceVersion") or 0)
        deadline = time.monotonic() + float(query.get("timeoutSeconds") or 1800)
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        with self.cond:
            epoch = self.epoch
            if since < self.oldest_watchable:
                gone = _status(410, "Expired", f"too old resource version: {since} ({self.rv})")
                _chunk(h, {"type": "ERROR", "object": gone})
                _end_chunks(h)
                return
        sent = since
        try:
            while not self._stopping.is_set() and time.monotonic() < deadline:
                with self.cond:
                    if self.epoch != epoch:
                        break
                    pending = [e for e in self.history if e[0] > sent]
                    if not pending:
                        self.cond.wait(0.1)
                        continue
                for rv, kind, pod in pending:
                    sent = rv
                    if pod["spec"].get("nodeName") == node:
                        _chunk(h, {"type": kind, "object": pod})
            if not self._stopping.is_set():
                _end_chunks(h)
        except OSError:
            pass  # the client went away or stop() cut the connection
        h.close_connection = True


def _send_json(h: BaseHTTPRequestHandler, code: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    h.send_response(code)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


def _chunk(h: BaseHTTPRequestHandler, event: dict[str, Any]) -> None:
    data = json.dumps(event).encode() + b"\n"
    h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
    h.wfile.flush()


def _end_chunks(h: BaseHTTPRequestHandler) -> None:
    h.wfile.write(b"0\r\n\r\n")
    h.wfile.flush()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def kube_api() -> Iterator[FakeKubeApi]:
    api = FakeKubeApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command."""
    cert, key = directory / "tls.crt", directory / "tls.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll until ``predicate()`` is truthy; fail the test with ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout}s waiting for {what or predicate}")
