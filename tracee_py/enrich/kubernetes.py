"""Pod metadata for container ids, from the Kubernetes API.

:class:`PodIndex` lists the pods of one node (``fieldSelector=spec.nodeName=<node>``) and
then watches them, in a background thread, keeping a map from container id to pod and
container. Pods that existed before the recorder started come from the list; pods that
start later come from the watch. The API being away is a normal state, not an error:
lookups keep answering from what was last known, :meth:`PodIndex.status` says why the API
is unreachable (for the ``kubernetes_api`` stats metric), and the thread retries with
back-off until it comes back, then lists again.

Pods and their JSON are read as plain dicts (``_preload_content=False``): the client's
model classes are slow to build for a node's worth of pods and we need a handful of fields.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracee_py.enrich.containers import ContainerRef
from tracee_py.errors import UsageError

# Where Kubernetes mounts a pod's service account token and the cluster's CA.
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
# Static pods run under the uid of their manifest; the API's mirror pod has another uid
# and carries the original in this annotation.
_MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
_STATUS_LISTS = ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses")
_SPEC_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class PodRef:
    """The pod (and, for a container id, the container) a process belongs to."""

    pod_name: str
    pod_namespace: str
    pod_uid: str
    container_name: str | None  # None when only the pod is known (see lookup_pod)
    container_image: str | None


@dataclass(frozen=True)
class Attribution:
    """The six workload columns of an event (all None on the host)."""

    container_id: str | None = None
    container_name: str | None = None
    container_image: str | None = None
    pod_name: str | None = None
    pod_namespace: str | None = None
    pod_uid: str | None = None


HOST = Attribution()


def attribute(container: ContainerRef | None, index: PodIndex | None) -> Attribution:
    """Combine the cgroup answer and the pod index into the event's workload columns.

    A container id the API does not know yet (its status has not arrived) still gets its
    pod from the pod uid in the cgroup path, when there is one.
    """
    if container is None:
        return HOST
    pod = None
    if index is not None:
        pod = index.lookup(container.container_id)
        if pod is None and container.pod_uid:
            pod = index.lookup_pod(container.pod_uid)
    if pod is None:
        return Attribution(container_id=container.container_id, pod_uid=container.pod_uid)
    return Attribution(
        container_id=container.container_id,
        container_name=pod.container_name,
        container_image=pod.container_image,
        pod_name=pod.pod_name,
        pod_namespace=pod.pod_namespace,
        pod_uid=pod.pod_uid,
    )


def strip_runtime_scheme(container_id: str) -> str:
    """``containerd://abc`` (or ``cri-o://``, ``docker://``) -> ``abc``."""
    _, sep, rest = container_id.partition("://")
    return rest if sep else container_id


class _Gone(Exception):
    """The watch's resource version is too old (HTTP 410): list again."""


class _Pod:
    """What we keep of one pod."""

    __slots__ = ("container_ids", "mirror_uid", "name", "namespace", "uid")

    def __init__(self, uid: str, name: str, namespace: str, mirror_uid: str | None) -> None:
        self.uid = uid
        self.name = name
        self.namespace = namespace
        self.mirror_uid = mirror_uid
        self.container_ids: set[str] = set()


class PodIndex:
    """Container id -> pod, for the pods of one node, kept current by list and watch."""

    def __init__(
        self,
        node_name: str,
        *,
        api_client: Any = None,
        grace_seconds: float = 300.0,
        watch_timeout_seconds: int = 300,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        connect_timeout: float = 10.0,
    ) -> None:
        if not node_name:
            raise UsageError("the pod index needs the node name (set NODE_NAME)")
        self.node_name = node_name
        self.grace_seconds = grace_seconds
        self.watch_timeout_seconds = watch_timeout_seconds
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.connect_timeout = connect_timeout
        self._api_client = api_client
        self._lock = threading.Lock()
        self._pods: dict[str, _Pod] = {}
        self._by_container: dict[str, PodRef] = {}
        self._by_pod_uid: dict[str, PodRef] = {}
        self._deleted: deque[tuple[float, str]] = deque()  # (deleted at, uid), oldest first
        self._resource_version: str | None = None
        self._status: tuple[bool, str] = (False, "not contacted yet")
        self._synced = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._response: Any = None
        self.generation = 0  # bumped on every change; callers may cache on it
        self.lists = 0  # full lists done (1 at start, +1 per 410 or outage)

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_environment(cls, node_name: str, **options: Any) -> PodIndex | None:
        """An index for this node, or ``None`` when the host is not in Kubernetes.

        In a pod the service account is used (in-cluster config); else ``KUBECONFIG``.
        Without either there is nothing to ask and no error. A ``KUBECONFIG`` that cannot be
        loaded is a user mistake and raises :class:`UsageError`.
        """
        token = SERVICE_ACCOUNT_DIR / "token"
        in_cluster = bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and token.is_file()
        if not in_cluster and not os.environ.get("KUBECONFIG"):
            return None  # and the client (about 20 MB resident) is never imported
        from kubernetes import client, config
        from kubernetes.config.incluster_config import InClusterConfigLoader

        configuration = client.Configuration()
        if in_cluster:
            try:
                # Bound service account tokens expire; the loader re-reads the file.
                InClusterConfigLoader(
                    token_filename=str(token),
                    cert_filename=str(SERVICE_ACCOUNT_DIR / "ca.crt"),
                    try_refresh_token=True,
                ).load_and_set(configuration)
            except config.ConfigException as exc:
                raise UsageError(f"in-cluster Kubernetes config: {exc}") from exc
        else:
            path = os.environ["KUBECONFIG"]
            try:
                config.load_kube_config(config_file=path, client_configuration=configuration)
            except (config.ConfigException, OSError, ValueError) as exc:
                raise UsageError(f"KUBECONFIG {path}: {exc}") from exc
        return cls(node_name, api_client=client.ApiClient(configuration), **options)

    # -- public --------------------------------------------------------------------------

    def start(self) -> None:
        """Start listing and watching in a background thread. Never raises for API trouble."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"pod-index-{self.node_name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread; a watch blocked on the network is cut off."""
        self._stopping.set()
        response = self._response
        if response is not None:
            _interrupt(response)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_synced(self, timeout: float) -> bool:
        """Wait until the first list has arrived; False on timeout (the API may be away)."""
        return self._synced.wait(timeout)

    def lookup(self, container_id: str) -> PodRef | None:
        """The pod and container of a container id (with or without ``containerd://``)."""
        with self._lock:
            if self._deleted:
                self._purge()
            return self._by_container.get(strip_runtime_scheme(container_id))

    def lookup_pod(self, pod_uid: str) -> PodRef | None:
        """The pod of a pod uid from a cgroup path; container fields are None."""
        with self._lock:
            if self._deleted:
                self._purge()
            return self._by_pod_uid.get(pod_uid)

    def status(self) -> tuple[bool, str]:
        """(reachable, why not): for example ``(False, '403 Forbidden: pods is forbidden')``."""
        with self._lock:
            return self._status

    def __len__(self) -> int:
        with self._lock:
            return len(self._pods)

    # -- the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        from kubernetes import client

        if self._api_client is None:
            self._api_client = client.ApiClient()
        api = client.CoreV1Api(self._api_client)
        backoff = self.backoff_initial
        need_list = True
        gone = 0
        while not self._stopping.is_set():
            try:
                if need_list:
                    self._list(api)
                    need_list = False
                started = time.monotonic()
                if self._watch(api):
                    backoff = self.backoff_initial
                    gone = 0
                    continue
                if time.monotonic() - started >= 1.0:
                    continue  # the server's timeout ended a quiet watch: watch again
                # A watch that ends at once without events: do not hammer the server.
            except _Gone:
                need_list = True
                gone += 1
                if gone == 1:
                    continue  # list again at once; back off only if it keeps happening
            except Exception as exc:  # the recorder must go on: status() says why
                if self._stopping.is_set():
                    break
                self._set_status(False, describe_api_error(exc))
                # We may have missed events while away: list again before watching.
                need_list = True
            if self._stopping.wait(backoff * random.uniform(0.8, 1.2)):
                break
            backoff = min(backoff * 2, self.backoff_max)

    def _list(self, api: Any) -> None:
        response = api.list_pod_for_all_namespaces(
            field_selector=f"spec.nodeName={self.node_name}",
            _preload_content=False,
            _request_timeout=(self.connect_timeout, 60.0),
        )
        try:
            body = json.loads(response.data)
        finally:
            response.release_conn()
        self._replace_all(body.get("items") or [], (body.get("metadata") or {}))
        self._set_status(True, "ok")
        self._synced.set()

    def _watch(self, api: Any) -> bool:
        """Follow the watch until the server ends it; True if any event arrived."""
        response = api.list_pod_for_all_namespaces(
            field_selector=f"spec.nodeName={self.node_name}",
            watch=True,
            allow_watch_bookmarks=True,
            resource_version=self._resource_version,
            timeout_seconds=self.watch_timeout_seconds,
            _preload_content=False,
            _request_timeout=(self.connect_timeout, self.watch_timeout_seconds + 30.0),
        )
        self._response = response
        delivered = False
        try:
            if self._stopping.is_set():
                return False
            for line in _lines(response):
                event = json.loads(line)
                self._apply(event)
                delivered = True
                if self._stopping.is_set():
                    break
        finally:
            self._response = None
            response.release_conn()
        return delivered

    # -- state ---------------------------------------------------------------------------

    def _apply(self, event: Mapping[str, Any]) -> None:
        kind = event.get("type")
        obj = event.get("object") or {}
        if kind == "ERROR":
            code = obj.get("code")
            if code == 410:
                raise _Gone(obj.get("message", ""))
            raise _WatchError(f"{code} {obj.get('reason', '')}: {obj.get('message', '')}")
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        with self._lock:
            if kind in ("ADDED", "MODIFIED"):
                self._upsert(obj)
            elif kind == "DELETED":
                uid = (obj.get("metadata") or {}).get("uid")
                if uid:
                    self._upsert(obj)  # the final status may name containers we missed
                    self._mark_deleted(uid)
            if rv:
                self._resource_version = rv
            self._purge()
            self._status = (True, "ok")

    def _replace_all(self, items: list[Mapping[str, Any]], metadata: Mapping[str, Any]) -> None:
        with self._lock:
            seen: set[str] = set()
            for pod in items:
                uid = self._upsert(pod)
                if uid:
                    seen.add(uid)
            # Pods that vanished while we were not watching died then: keep them for the
            # grace period like any deleted pod, since their last events may still come.
            pending = {uid for _, uid in self._deleted}
            for uid in set(self._pods) - seen - pending:
                self._mark_deleted(uid)
            self._resource_version = metadata.get("resourceVersion") or None
            self._purge()
            self.lists += 1

    def _upsert(self, pod: Mapping[str, Any]) -> str | None:
        meta = pod.get("metadata") or {}
        uid = meta.get("uid")
        if not uid:
            return None
        annotations = meta.get("annotations") or {}
        known = self._pods.get(uid)
        if known is None:
            known = _Pod(
                uid,
                meta.get("name", ""),
                meta.get("namespace", ""),
                annotations.get(_MIRROR_ANNOTATION),
            )
            self._pods[uid] = known
        pod_only = PodRef(known.name, known.namespace, uid, None, None)
        self._by_pod_uid[uid] = pod_only
        if known.mirror_uid:
            self._by_pod_uid[known.mirror_uid] = pod_only
        for container_id, name, image in _containers_of(pod):
            ref = PodRef(known.name, known.namespace, uid, name, image)
            if self._by_container.get(container_id) != ref:
                self._by_container[container_id] = ref
                self.generation += 1
            known.container_ids.add(container_id)
        self.generation += 1
        return uid

    def _mark_deleted(self, uid: str) -> None:
        self._deleted.append((time.monotonic(), uid))

    def _purge(self) -> None:
        cutoff = time.monotonic() - self.grace_seconds
        while self._deleted and self._deleted[0][0] <= cutoff:
            _, uid = self._deleted.popleft()
            pod = self._pods.pop(uid, None)
            if pod is None:
                continue
            for container_id in pod.container_ids:
                self._by_container.pop(container_id, None)
            self._by_pod_uid.pop(uid, None)
            if pod.mirror_uid:
                self._by_pod_uid.pop(pod.mirror_uid, None)
            self.generation += 1

    def _set_status(self, reachable: bool, why: str) -> None:
        with self._lock:
            self._status = (reachable, why)
            self._purge()


class _WatchError(Exception):
    """An ERROR event other than 410 in the watch stream."""


def _containers_of(pod: Mapping[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(container id, container name, image) for every container id the pod's status names.

    Includes init and ephemeral containers and the previous instance of a restarted
    container (``lastState.terminated``), whose late events still belong to the pod.
    """
    spec = pod.get("spec") or {}
    spec_images = {
        c.get("name"): c.get("image") for key in _SPEC_LISTS for c in spec.get(key) or []
    }
    status = pod.get("status") or {}
    for key in _STATUS_LISTS:
        for cs in status.get(key) or []:
            name = cs.get("name") or ""
            image = cs.get("image") or spec_images.get(name)
            ids = [cs.get("containerID")]
            last = (cs.get("lastState") or {}).get("terminated") or {}
            ids.append(last.get("containerID"))
            for raw in ids:
                if raw:
                    yield strip_runtime_scheme(raw), name, image


def _lines(response: Any) -> Iterator[str]:
    """Lines of a streamed response, as they arrive."""
    buffer = b""
    for chunk in response.stream(amt=None, decode_content=False):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                yield line.decode("utf-8", errors="replace")
    if buffer.strip():
        yield buffer.decode("utf-8", errors="replace")


def _interrupt(response: Any) -> None:
    """Unblock a thread reading ``response`` (urllib3 2.3+ has shutdown(); else close)."""
    shutdown = getattr(response, "shutdown", None)
    try:
        if shutdown is not None:
            shutdown()
        else:
            response.close()
    except OSError:
        pass


def describe_api_error(exc: BaseException) -> str:
    """One line saying why the API could not be used, for status() and the stats dataset."""
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException):
        message = ""
        try:
            message = json.loads(exc.body or "{}").get("message", "")
        except (ValueError, AttributeError):
            message = ""
        line = f"{exc.status} {exc.reason or ''}".strip()
        return f"{line}: {message}" if message else line
    if isinstance(exc, _WatchError):
        return str(exc)
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 10:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, TimeoutError):
            return "timed out"
        reason = getattr(cause, "reason", None)
        if isinstance(reason, BaseException):
            cause = reason
        else:
            cause = cause.__cause__ or cause.__context__
        seen += 1
    text = str(exc).lower()
    if "connection refused" in text:
        return "connection refused"
    if "timed out" in text:
        return "timed out"
    return f"{type(exc).__name__}: {exc}"
