"""Pod attribution with the real ``kubernetes`` client against a local API server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tracee_py.enrich import kubernetes as kubernetes_module
from tracee_py.enrich.containers import ContainerRef
from tracee_py.enrich.kubernetes import (
    HOST,
    Attribution,
    PodIndex,
    PodRef,
    attribute,
    strip_runtime_scheme,
)
from tracee_py.errors import UsageError

from .conftest import (
    FORBIDDEN_MESSAGE,
    FakeKubeApi,
    make_pod,
    random_container_id,
    self_signed_certificate,
    wait_for,
)

NODE = "node-a"


def _client(api: FakeKubeApi) -> client.ApiClient:
    configuration = client.Configuration(host=api.url)
    configuration.retries = 0  # one attempt per call: the index does its own back-off
    return client.ApiClient(configuration)


IndexFactory = Callable[..., PodIndex]


@pytest.fixture
def make_index(kube_api: FakeKubeApi) -> Iterator[IndexFactory]:
    made: list[PodIndex] = []

    def make(**options: object) -> PodIndex:
        opts: dict[str, object] = {
            "grace_seconds": 60.0,
            "watch_timeout_seconds": 30,
            "backoff_initial": 0.05,
            "backoff_max": 0.2,
        }
        opts.update(options)
        index = PodIndex(NODE, api_client=_client(kube_api), **opts)  # type: ignore[arg-type]
        made.append(index)
        return index

    yield make
    for index in made:
        index.stop()


def test_fake_pods_have_the_real_v1_shape() -> None:
    """The fixture's JSON deserializes into the client's V1Pod model."""
    cid = random_container_id()
    pod = make_pod(
        "web",
        node=NODE,
        containers=[("nginx", "docker.io/library/nginx:1.27", cid)],
        init_containers=[("setup", "busybox:1.36", random_container_id())],
        ephemeral_containers=[("debugger", "busybox:1.36", random_container_id())],
    )
    model = client.ApiClient().deserialize(json.dumps(pod), "V1Pod", "application/json")
    assert model.spec.node_name == NODE
    assert model.status.container_statuses[0].container_id == f"containerd://{cid}"
    assert model.status.init_container_statuses[0].state.terminated.exit_code == 0
    assert model.spec.ephemeral_containers[0].target_container_name == "nginx"


def test_pods_that_existed_before_start_are_attributed(
    kube_api: FakeKubeApi, make_index: IndexFactory
) -> None:
    web, sidecar, other = (random_container_id() for _ in range(3))
    pod = make_pod(
        "web-7d4b9",
        node=NODE,
        namespace="shop",
        containers=[
            ("nginx", "docker.io/library/nginx:1.27", web),
            ("envoy", "envoyproxy/envoy:v1.31.0", sidecar),
        ],
    )
    kube_api.add_pod(pod)
    kube_api.add_pod(make_pod("elsewhere", node="node-b", containers=[("x", "x:1", other)]))
    index = make_index()
    index.start()
    assert index.wait_synced(10)

    uid = pod["metadata"]["uid"]
    assert index.lookup(web) == PodRef(
        "web-7d4b9", "shop", uid, "nginx", "docker.io/library/nginx:1.27"
    )
    assert index.lookup(f"containerd://{sidecar}") == PodRef(
        "web-7d4b9", "shop", uid, "envoy", "envoyproxy/envoy:v1.31.0"
    )
    assert index.lookup(other) is None  # another node's pod is not ours
    assert index.lookup_pod(uid) == PodRef("web-7d4b9", "shop", uid, None, None)
    assert index.status() == (True, "ok")
    assert len(index) == 1
    # The list asked only for this node's pods.
    assert "fieldSelector=spec.nodeName%3Dnode-a" in kube_api.requests[0][0]


def test_init_and_ephemeral_containers(kube_api: FakeKubeApi, make_index: IndexFactory) -> None:
    app, init, debug = (random_container_id() for _ in range(3))
    pod = make_pod(
        "db-0",
        node=NODE,
        namespace="data",
        containers=[("postgres", "postgres:16.4", app)],
        init_containers=[("migrate", "ghcr.io/acme/migrate:2.1", init)],
        ephemeral_containers=[("debugger-x7k2p", "busybox:1.36", debug)],
        scheme="cri-o",
    )
    kube_api.add_pod(pod)
    index = make_index()
    index.start()
    assert index.wait_synced(10)
    uid = pod["metadata"]["uid"]
    assert index.lookup(init) == PodRef("db-0", "data", uid, "migrate", "ghcr.io/acme/migrate:2.1")
    assert index.lookup(debug) == PodRef("db-0", "data", uid, "debugger-x7k2p", "busybox:1.36")
    assert index.lookup(f"cri-o://{app}") == PodRef(
        "db-0", "data", uid, "postgres", "postgres:16.4"
    )


def test_pod_added_and_started_mid_watch(kube_api: FakeKubeApi, make_index: IndexFactory) -> None:
    index = make_index()
    index.start()
    assert index.wait_synced(10)
    cid = random_container_id()
    # Scheduled first (no container id yet), then running: ADDED, then MODIFIED.
    pod = make_pod("job-x", node=NODE, containers=[("worker", "acme/worker:3", None)])
    kube_api.add_pod(pod)
    uid = pod["metadata"]["uid"]
    wait_for(lambda: index.lookup_pod(uid), what="the ADDED pod")
    assert index.lookup(cid) is None
    running = make_pod("job-x", node=NODE, uid=uid, containers=[("worker", "acme/worker:3", cid)])
    kube_api.modify_pod(running)
    ref = wait_for(lambda: index.lookup(cid), what="the started container")
    assert ref == PodRef("job-x", "default", uid, "worker", "acme/worker:3")
    assert kube_api.list_requests() == 1  # one list, then the watch did the rest


def test_restarted_container_keeps_its_previous_id(
    kube_api: FakeKubeApi, make_index: IndexFactory
) -> None:
    old, new = random_container_id(), random_container_id()
    pod = make_pod("api", node=NODE, containers=[("api", "acme/api:1", old)])
    kube_api.add_pod(pod)
    index = make_index()
    index.start()
    assert index.wait_synced(10)
    restarted = make_pod(
        "api", node=NODE, uid=pod["metadata"]["uid"], containers=[("api", "acme/api:1", new)]
    )
    status = restarted["status"]["containerStatuses"][0]
    status["restartCount"] = 1
    status["lastState"] = {
        "terminated": {"exitCode": 137, "reason": "OOMKilled", "containerID": f"containerd://{old}"}
    }
    kube_api.modify_pod(restarted)
    wait_for(lambda: index.lookup(new), what="the new container id")
    assert index.lookup(old) is not None


def test_static_pod_found_by_its_manifest_uid(
    kube_api: FakeKubeApi, make_index: IndexFactory
) -> None:
    """A static pod's cgroups carry the manifest's uid; the API's mirror pod names it."""
    manifest_uid = "0b5fe2a1b0f4c1a3e0d9c8b7a6f5e4d3"
    mirror = make_pod(
        "etcd-node-a",
        node=NODE,
        namespace="kube-system",
        annotations={"kubernetes.io/config.mirror": manifest_uid},
    )
    kube_api.add_pod(mirror)
    index = make_index()
    index.start()
    assert index.wait_synced(10)
    ref = index.lookup_pod(manifest_uid)
    assert ref == PodRef("etcd-node-a", "kube-system", mirror["metadata"]["uid"], None, None)


def test_deleted_pod_is_kept_for_the_grace_period(
    kube_api: FakeKubeApi, make_index: IndexFactory
) -> None:
    gone, stays = random_container_id(), random_container_id()
    dying = make_pod("dying", node=NODE, containers=[("c", "acme/c:1", gone)])
    kube_api.add_pod(dying)
    kube_api.add_pod(make_pod("stays", node=NODE, containers=[("c", "acme/c:1", stays)]))
    index = make_index(grace_seconds=0.5)
    index.start()
    assert index.wait_synced(10)
    generation = index.generation
    kube_api.delete_pod(dying["metadata"]["uid"])
    wait_for(lambda: index.generation > generation, what="the DELETED event")
    deleted_at = time.monotonic()
    assert index.lookup(gone) is not None, "late events of a dying pod must still attribute"
    wait_for(lambda: index.lookup(gone) is None, what="the end of the grace period")
    assert time.monotonic() - deleted_at >= 0.4
    assert index.lookup(stays) is not None


def test_forbidden_then_allowed(kube_api: FakeKubeApi, make_index: IndexFactory) -> None:
    cid = random_container_id()
    kube_api.add_pod(make_pod("web", node=NODE, containers=[("c", "acme/c:1", cid)]))
    kube_api.forbidden = True
    index = make_index()
    index.start()
    reachable, why = wait_for(
        lambda: index.status() if "403" in index.status()[1] else None, what="a 403 status"
    )
    assert reachable is False
    assert why == f"403 Forbidden: {FORBIDDEN_MESSAGE}"
    assert index.lookup(cid) is None
    assert not index.wait_synced(0.2)
    # It keeps trying without crashing; once RBAC is fixed, attribution starts.
    kube_api.forbidden = False
    wait_for(lambda: index.lookup(cid), what="attribution after 403")
    assert index.status() == (True, "ok")


def test_connection_refused_and_recovery(kube_api: FakeKubeApi, make_index: IndexFactory) -> None:
    before, during = random_container_id(), random_container_id()
    dead = random_container_id()
    kube_api.add_pod(make_pod("before", node=NODE, containers=[("c", "acme/c:1", before)]))
    dying = make_pod("dies-in-outage", node=NODE, containers=[("c", "acme/c:1", dead)])
    kube_api.add_pod(dying)
    index = make_index(grace_seconds=0.3)
    index.start()
    assert index.wait_synced(10)

    kube_api.stop()
    wait_for(lambda: index.status() == (False, "connection refused"), what="refused status")
    # What was known stays known during the outage.
    assert index.lookup(before) is not None
    assert index.lookup(dead) is not None

    # While the API is away, a pod starts and another is deleted.
    added = make_pod("during", node=NODE, containers=[("c", "acme/c:1", during)])
    kube_api.add_pod(added)
    kube_api.delete_pod_silently(dying["metadata"]["uid"])
    time.sleep(0.3)
    assert index.status() == (False, "connection refused")
    assert index.lookup(during) is None

    kube_api.start()
    ref = wait_for(lambda: index.lookup(during), what="the pod added during the outage")
    assert ref.pod_name == "during"
    assert index.status() == (True, "ok")
    assert index.lists >= 2  # it listed again after the outage
    # The pod that vanished meanwhile goes after its grace period.
    wait_for(lambda: index.lookup(dead) is None, what="purge of the vanished pod")
    assert index.lookup(before) is not None


def test_gone_resource_version_lists_again(kube_api: FakeKubeApi, make_index: IndexFactory) -> None:
    index = make_index()
    index.start()
    assert index.wait_synced(10)
    assert kube_api.list_requests() == 1
    kube_api.compact()  # ends the watch; resuming from our resourceVersion now gets 410
    cid = random_container_id()
    kube_api.add_pod(make_pod("after-compaction", node=NODE, containers=[("c", "i:1", cid)]))
    wait_for(lambda: index.lookup(cid), what="the pod after a 410 re-list")
    assert kube_api.list_requests() == 2
    assert index.status() == (True, "ok")


def test_stop_is_prompt_while_watching(kube_api: FakeKubeApi, make_index: IndexFactory) -> None:
    index = make_index(watch_timeout_seconds=600)
    index.start()
    assert index.wait_synced(10)
    time.sleep(0.2)  # now blocked reading the watch stream
    started = time.monotonic()
    index.stop()
    assert time.monotonic() - started < 2.0


def test_attribute_combines_cgroup_and_pod(kube_api: FakeKubeApi, make_index: IndexFactory) -> None:
    known, unknown = random_container_id(), random_container_id()
    pod = make_pod("web", node=NODE, namespace="shop", containers=[("nginx", "nginx:1.27", known)])
    kube_api.add_pod(pod)
    uid = pod["metadata"]["uid"]
    index = make_index()
    index.start()
    assert index.wait_synced(10)

    assert attribute(None, index) is HOST
    assert attribute(ContainerRef(known, "containerd", uid), index) == Attribution(
        known, "nginx", "nginx:1.27", "web", "shop", uid
    )
    # A container whose status has not arrived yet still gets its pod from the cgroup path.
    assert attribute(ContainerRef(unknown, "containerd", uid), index) == Attribution(
        unknown, None, None, "web", "shop", uid
    )
    # Docker on a plain host: the container id is all there is.
    assert attribute(ContainerRef(unknown, "docker"), None) == Attribution(container_id=unknown)


def test_strip_runtime_scheme() -> None:
    assert strip_runtime_scheme("containerd://abc") == "abc"
    assert strip_runtime_scheme("cri-o://abc") == "abc"
    assert strip_runtime_scheme("docker://abc") == "abc"
    assert strip_runtime_scheme("abc") == "abc"


# -- configuration from the environment ----------------------------------------------------


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
    token: s3cr3t-token
contexts:
- name: local
  context:
    cluster: local
    user: recorder
current-context: local
"""
    )
    return path


def test_from_environment_outside_kubernetes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert PodIndex.from_environment(NODE) is None


def test_from_environment_with_kubeconfig(
    kube_api: FakeKubeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(_write_kubeconfig(tmp_path, kube_api.url)))
    cid = random_container_id()
    kube_api.add_pod(make_pod("web", node=NODE, containers=[("c", "acme/c:1", cid)]))
    index = PodIndex.from_environment(NODE, backoff_initial=0.05)
    assert index is not None
    try:
        index.start()
        assert index.wait_synced(10)
        assert index.lookup(cid) is not None
    finally:
        index.stop()
    headers = {k.lower(): v for k, v in kube_api.requests[0][1].items()}
    assert headers["authorization"] == "Bearer s3cr3t-token"


def test_from_environment_in_a_pod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-cluster config: service account token and CA, HTTPS to the service address."""
    cert, key = self_signed_certificate(tmp_path)
    api = FakeKubeApi()
    api.start(tls=(cert, key))
    try:
        account = tmp_path / "serviceaccount"
        account.mkdir()
        (account / "token").write_text("in-cluster-token")
        (account / "ca.crt").write_bytes(cert.read_bytes())
        monkeypatch.setattr(kubernetes_module, "SERVICE_ACCOUNT_DIR", account)
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(api.port))
        monkeypatch.setenv("KUBECONFIG", "/nonexistent")  # in a pod, in-cluster wins
        cid = random_container_id()
        api.add_pod(make_pod("web", node=NODE, containers=[("c", "acme/c:1", cid)]))
        index = PodIndex.from_environment(NODE, backoff_initial=0.05)
        assert index is not None
        try:
            index.start()
            assert index.wait_synced(10), index.status()
            assert index.lookup(cid) is not None
        finally:
            index.stop()
        headers = {k.lower(): v for k, v in api.requests[0][1].items()}
        scheme, token = headers["authorization"].split()
        assert (scheme.lower(), token) == ("bearer", "in-cluster-token")  # schemes ignore case
    finally:
        api.stop()


def test_from_environment_with_a_broken_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    bad = tmp_path / "kubeconfig"
    bad.write_text("apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n")
    monkeypatch.setenv("KUBECONFIG", str(bad))
    with pytest.raises(UsageError, match="KUBECONFIG"):
        PodIndex.from_environment(NODE)


def test_node_name_is_required() -> None:
    with pytest.raises(UsageError, match="NODE_NAME"):
        PodIndex("")
