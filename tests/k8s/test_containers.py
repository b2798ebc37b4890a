"""Container attribution from real cgroups on this machine.

Each test creates cgroups with the exact path shapes that containerd, CRI-O, Docker and
Podman create (systemd and cgroupfs drivers), moves a real process into them and checks
what :class:`ContainerResolver` answers for the process's real cgroup id.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

import pytest

from tracee_py.enrich.containers import (
    ContainerRef,
    ContainerResolver,
    find_cgroup2_root,
    has_cgroup_v1,
    parse_cgroup_path,
    parse_proc_cgroup,
)

from .conftest import CgroupLab, random_container_id, random_pod_uid, v1_mount, v2_mount

V2 = v2_mount()
needs_v2 = pytest.mark.skipif(V2 is None, reason="no cgroup v2 hierarchy mounted")


def _systemd_uid(uid: str) -> str:
    return uid.replace("-", "_")


# (name, path template, runtime, has pod uid). {cid} is the container id, {uid} the pod
# uid and {suid} the pod uid as systemd writes it (with underscores).
SHAPES = [
    (
        "containerd-systemd",
        "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{suid}.slice/"
        "cri-containerd-{cid}.scope",
        "containerd",
        True,
    ),
    (
        "containerd-systemd-guaranteed",
        "kubepods.slice/kubepods-pod{suid}.slice/cri-containerd-{cid}.scope",
        "containerd",
        True,
    ),
    ("containerd-cgroupfs", "kubepods/burstable/pod{uid}/{cid}", "containerd", True),
    (
        "crio-systemd",
        "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{suid}.slice/"
        "crio-{cid}.scope",
        "crio",
        True,
    ),
    (
        "crio-systemd-nested",
        "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{suid}.slice/"
        "crio-{cid}.scope/container",
        "crio",
        True,
    ),
    ("crio-cgroupfs", "kubepods/besteffort/pod{uid}/crio-{cid}", "crio", True),
    ("docker-systemd", "system.slice/docker-{cid}.scope", "docker", False),
    ("docker-cgroupfs", "docker/{cid}", "docker", False),
    (
        "docker-kubernetes-systemd",
        "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{suid}.slice/"
        "docker-{cid}.scope",
        "docker",
        True,
    ),
    ("podman-systemd", "machine.slice/libpod-{cid}.scope", "podman", False),
    ("podman-systemd-nested", "machine.slice/libpod-{cid}.scope/container", "podman", False),
    ("podman-cgroupfs", "libpod_parent/libpod-{cid}", "podman", False),
]

HOST_SHAPES = [
    "system.slice/tracee-py-test.service",
    "user.slice/user-0.slice/session-7.scope",
    "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{suid}.slice",
    "machine.slice/libpod-conmon-{cid}.scope",
    "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{suid}.slice/"
    "crio-conmon-{cid}.scope",
]


def _fill(template: str) -> tuple[str, str, str]:
    cid, uid = random_container_id(), random_pod_uid()
    return template.format(cid=cid, uid=uid, suid=_systemd_uid(uid)), cid, uid


def _v2_line(pid: int) -> str:
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return line[3:]
    raise AssertionError(f"pid {pid} has no cgroup v2 line")


# -- cgroup v2: the id the kernel reports -------------------------------------------------


@needs_v2
def test_resolver_finds_the_v2_hierarchy() -> None:
    resolver = ContainerResolver()
    assert resolver.v2_root == V2
    assert resolver.v2_root is not None
    assert (resolver.v2_root / "cgroup.controllers").is_file()
    assert os.stat(resolver.v2_root).st_ino == 1  # the root cgroup's id
    assert resolver.cgroup_path(1) == "/"


class _FileHandle(ctypes.Structure):
    _fields_ = [
        ("handle_bytes", ctypes.c_uint),
        ("handle_type", ctypes.c_int),
        ("f_handle", ctypes.c_ubyte * 128),
    ]


def _kernfs_id(path: Path) -> int:
    """The cgroup id as the kernel exports it in a file handle (what BPF helpers return)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    handle = _FileHandle(handle_bytes=128)
    mount_id = ctypes.c_int()
    at_fdcwd = -100
    rc = libc.name_to_handle_at(
        at_fdcwd, os.fsencode(path), ctypes.byref(handle), ctypes.byref(mount_id), 0
    )
    if rc != 0:
        raise OSError(ctypes.get_errno(), f"name_to_handle_at {path}")
    assert handle.handle_bytes == 8
    return int.from_bytes(bytes(handle.f_handle[:8]), "little")


@needs_v2
def test_cgroup_id_is_the_directory_inode(cgroup_lab: CgroupLab) -> None:
    assert V2 is not None
    leaf = cgroup_lab.mkdir(V2, f"system.slice/docker-{random_container_id()}.scope")
    assert _kernfs_id(leaf) == os.stat(leaf).st_ino


@needs_v2
@pytest.mark.parametrize(
    ("template", "runtime", "has_pod"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES]
)
def test_v2_container_shapes(
    cgroup_lab: CgroupLab, template: str, runtime: str, has_pod: bool
) -> None:
    assert V2 is not None
    # The resolver exists before the container starts, as while recording: the new cgroup
    # is found by a rescan on the first miss.
    resolver = ContainerResolver(rescan_interval=0.0)
    rel, cid, uid = _fill(template)
    leaf = cgroup_lab.mkdir(V2, rel)
    proc = cgroup_lab.spawn()
    cgroup_lab.move(proc.pid, leaf)
    assert _v2_line(proc.pid) == "/" + rel
    cgroup_id = os.stat(leaf).st_ino

    # pid 0: answer from the cgroup id alone, as for a process that has already exited.
    ref = resolver.resolve(cgroup_id, 0)
    assert ref == ContainerRef(cid, runtime, uid if has_pod else None)
    assert resolver.resolve(cgroup_id, proc.pid) == ref
    assert resolver.cgroup_path(cgroup_id) == "/" + rel


@needs_v2
@pytest.mark.parametrize("template", HOST_SHAPES)
def test_v2_host_cgroups_are_not_containers(cgroup_lab: CgroupLab, template: str) -> None:
    assert V2 is not None
    resolver = ContainerResolver(rescan_interval=0.0)
    rel, _, _ = _fill(template)
    leaf = cgroup_lab.mkdir(V2, rel)
    proc = cgroup_lab.spawn()
    cgroup_lab.move(proc.pid, leaf)
    assert resolver.resolve(os.stat(leaf).st_ino, proc.pid) is None
    assert resolver.cgroup_path(os.stat(leaf).st_ino) == "/" + rel


@needs_v2
def test_new_cgroups_are_scanned_for_at_once(cgroup_lab: CgroupLab) -> None:
    """Containers start in bursts and may be gone a moment later: a cgroup id newer than
    every id scanned so far (the kernel hands them out in increasing order) is looked for at
    once, whatever the rescan interval."""
    assert V2 is not None
    slow = ContainerResolver(rescan_interval=3600.0)
    scans = slow.scan_count
    for _ in range(3):
        cid = random_container_id()
        leaf = cgroup_lab.mkdir(V2, f"system.slice/docker-{cid}.scope")
        cgroup_id = os.stat(leaf).st_ino
        assert slow.resolve(cgroup_id, 0) == ContainerRef(cid, "docker")
        assert slow.resolve(cgroup_id, 0) == ContainerRef(cid, "docker")  # cached
    assert slow.scan_count == scans + 3


@needs_v2
def test_unknown_old_cgroups_wait_for_the_rescan_interval(cgroup_lab: CgroupLab) -> None:
    """An id older than what was scanned and not found is gone: no walk per event of it."""
    assert V2 is not None
    gone = cgroup_lab.mkdir(V2, f"system.slice/docker-{random_container_id()}.scope")
    gone_id = os.stat(gone).st_ino
    cgroup_lab.mkdir(V2, f"system.slice/docker-{random_container_id()}.scope")
    gone.rmdir()
    slow = ContainerResolver(rescan_interval=3600.0)
    scans = slow.scan_count
    assert slow.resolve(gone_id, 0) is None  # scanned moments ago: no rescan yet
    assert slow.resolve(gone_id, 0) is None
    assert slow.scan_count == scans

    eager = ContainerResolver(rescan_interval=0.0)
    before = eager.scan_count
    assert eager.resolve(gone_id, 0) is None
    assert eager.scan_count == before + 1


@needs_v2
def test_results_by_cgroup_id_outlive_the_cgroup(cgroup_lab: CgroupLab) -> None:
    """Events of a container arrive after it is gone; its id must still resolve."""
    assert V2 is not None
    resolver = ContainerResolver(rescan_interval=0.0)
    cid = random_container_id()
    leaf = cgroup_lab.mkdir(V2, f"machine.slice/libpod-{cid}.scope")
    cgroup_id = os.stat(leaf).st_ino
    assert resolver.resolve(cgroup_id, 0) == ContainerRef(cid, "podman")
    leaf.rmdir()
    assert resolver.resolve(cgroup_id, 0) == ContainerRef(cid, "podman")


# -- hybrid hosts: containers with v1 cgroups only -------------------------------------------

V1_HIERARCHIES = [name for name in ("pids", "name=systemd") if v1_mount(name) is not None]


def _v2_id_of(pid: int) -> int:
    assert V2 is not None
    return os.stat(V2 / _v2_line(pid).lstrip("/")).st_ino


@pytest.mark.skipif(not V1_HIERARCHIES or V2 is None, reason="not a hybrid v1/v2 host")
@pytest.mark.parametrize(
    ("template", "runtime", "has_pod"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES]
)
def test_v1_only_containers_fall_back_to_proc(
    cgroup_lab: CgroupLab, template: str, runtime: str, has_pod: bool
) -> None:
    resolver = ContainerResolver(rescan_interval=0.0)
    rel, cid, uid = _fill(template)
    proc = cgroup_lab.spawn()
    for name in V1_HIERARCHIES:
        mount = v1_mount(name)
        assert mount is not None
        cgroup_lab.move(proc.pid, cgroup_lab.mkdir(mount, rel))
    # Its v2 cgroup is whatever it inherited (the root here): no container there.
    cgroup_id = _v2_id_of(proc.pid)
    assert parse_cgroup_path(resolver.cgroup_path(cgroup_id) or "/") is None
    assert resolver.resolve(cgroup_id, proc.pid) == ContainerRef(
        cid, runtime, uid if has_pod else None
    )


@pytest.mark.skipif("pids" not in V1_HIERARCHIES, reason="no v1 pids hierarchy")
def test_fallback_is_cached_per_pid_until_forgotten(cgroup_lab: CgroupLab) -> None:
    mount = v1_mount("pids")
    assert mount is not None
    resolver = ContainerResolver()
    first, second = random_container_id(), random_container_id()
    a = cgroup_lab.mkdir(mount, f"docker/{first}")
    b = cgroup_lab.mkdir(mount, f"docker/{second}")
    proc = cgroup_lab.spawn()
    cgroup_lab.move(proc.pid, a)
    cgroup_id = _v2_id_of(proc.pid)
    assert resolver.resolve(cgroup_id, proc.pid) == ContainerRef(first, "docker")
    cgroup_lab.move(proc.pid, b)
    assert resolver.resolve(cgroup_id, proc.pid) == ContainerRef(first, "docker")  # cached
    resolver.forget_pid(proc.pid)  # the recorder does this when the process exits
    assert resolver.resolve(cgroup_id, proc.pid) == ContainerRef(second, "docker")


@pytest.mark.skipif("pids" not in V1_HIERARCHIES, reason="no v1 pids hierarchy")
def test_process_that_joins_a_container_later_is_attributed(cgroup_lab: CgroupLab) -> None:
    """runc creates the process on the host and then moves it into the container."""
    mount = v1_mount("pids")
    assert mount is not None
    resolver = ContainerResolver(negative_ttl=0.0)
    cid, uid = random_container_id(), random_pod_uid()
    leaf = cgroup_lab.mkdir(mount, f"kubepods/besteffort/pod{uid}/{cid}")
    proc = cgroup_lab.spawn()
    cgroup_id = _v2_id_of(proc.pid)
    assert resolver.resolve(cgroup_id, proc.pid) is None
    cgroup_lab.move(proc.pid, leaf)
    assert resolver.resolve(cgroup_id, proc.pid) == ContainerRef(cid, "containerd", uid)


@needs_v2
@pytest.mark.parametrize("hybrid", [True, False])
def test_proc_fallback_only_where_v1_can_hide_containers(
    cgroup_lab: CgroupLab, tmp_path: Path, hybrid: bool
) -> None:
    """On pure v2 hosts a host v2 cgroup is final: /proc/<pid>/cgroup is not read."""
    assert V2 is not None
    leaf = cgroup_lab.mkdir(V2, "system.slice/tracee-py-test.service")
    proc_root = tmp_path / "proc"
    (proc_root / "self").mkdir(parents=True)
    mounts = f"41 31 0:38 / {V2} rw - cgroup2 cgroup2 rw\n"
    if hybrid:
        mounts += "39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    (proc_root / "self" / "mountinfo").write_text(mounts)
    cid = random_container_id()
    (proc_root / "4242").mkdir()
    (proc_root / "4242" / "cgroup").write_text(f"8:pids:/docker/{cid}\n0::/x\n")
    resolver = ContainerResolver(proc_root=proc_root)
    assert resolver.v2_root == V2
    expected = ContainerRef(cid, "docker") if hybrid else None
    assert resolver.resolve(os.stat(leaf).st_ino, 4242) == expected


@needs_v2
def test_event_cgroup_id_wins_over_where_the_process_is_now(cgroup_lab: CgroupLab) -> None:
    """An event recorded in the host cgroup stays a host event after the process joins a
    container (the /proc fallback reads v1 lines only); with no event (cgroup id 0, the
    start-of-recording snapshot) the answer is where the process is now."""
    assert V2 is not None
    resolver = ContainerResolver()
    cid, uid = random_container_id(), random_pod_uid()
    leaf = cgroup_lab.mkdir(V2, f"kubepods/burstable/pod{uid}/{cid}")
    proc = cgroup_lab.spawn()
    before = _v2_id_of(proc.pid)
    cgroup_lab.move(proc.pid, leaf)
    ref = ContainerRef(cid, "containerd", uid)
    assert resolver.resolve(before, proc.pid) is None
    assert resolver.resolve(os.stat(leaf).st_ino, proc.pid) == ref
    assert resolver.resolve(0, proc.pid) == ref


def test_exited_process_without_cgroup_id_is_host() -> None:
    resolver = ContainerResolver()
    assert resolver.resolve(0, 2**22 + 12345) is None  # no such pid


# -- parsing -----------------------------------------------------------------------------


CID = "0123456789abcdef" * 4
UID = "7f1c2b9e-3d4a-4c5b-8e6f-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # kind and other kubelet-in-a-slice setups nest the whole kubepods tree.
        (
            "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
            f"kubelet-kubepods-besteffort-pod{UID.replace('-', '_')}.slice/"
            f"cri-containerd-{CID}.scope",
            ContainerRef(CID, "containerd", UID),
        ),
        # Seen from inside a cgroup namespace, /proc/<pid>/cgroup paths are relative.
        (f"/../../kubepods/burstable/pod{UID}/{CID}", ContainerRef(CID, "containerd", UID)),
        # A static pod (etcd, kube-apiserver): the uid is its manifest's hash.
        (
            "/kubepods.slice/kubepods-burstable.slice/"
            f"kubepods-burstable-pod{'5c' * 16}.slice/cri-containerd-{CID}.scope",
            ContainerRef(CID, "containerd", "5c" * 16),
        ),
        (f"/kubepods/besteffort/pod{'5c' * 16}/{CID}", ContainerRef(CID, "containerd", "5c" * 16)),
        # Rootless podman under the user's systemd.
        (
            "/user.slice/user-1000.slice/user@1000.service/user.slice/"
            f"libpod-{CID}.scope/container",
            ContainerRef(CID, "podman"),
        ),
        # A podman pod's slice is not a Kubernetes pod.
        (
            f"/machine.slice/machine-libpod_pod_{'f' * 64}.slice/libpod-{CID}.scope",
            ContainerRef(CID, "podman"),
        ),
        (f"/system.slice/containerd.service/kubepods-pod{UID.replace('-', '_')}.slice", None),
        (f"/docker/{CID[:12]}", None),  # short ids are not what runtimes create
        ("/", None),
        ("", None),
    ],
)
def test_parse_cgroup_path(path: str, expected: ContainerRef | None) -> None:
    assert parse_cgroup_path(path) == expected


def test_parse_proc_cgroup_reads_every_line() -> None:
    text = f"12:pids:/\n11:name=systemd:/system.slice/docker-{CID}.scope\n0::/\n"
    assert parse_proc_cgroup(text) == ContainerRef(CID, "docker")
    assert parse_proc_cgroup("0::/system.slice/cron.service\n") is None


MOUNTINFO_HYBRID = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
MOUNTINFO_V2 = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
MOUNTINFO_CONTAINER = (
    # A container's own cgroup namespace view, and the host's tree bind-mounted elsewhere.
    "600 500 0:26 /kubepods.slice/x.scope /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"
    "601 500 0:26 / /host/cgroup ro - cgroup2 cgroup2 rw\n"
)


def test_has_cgroup_v1() -> None:
    assert has_cgroup_v1(MOUNTINFO_HYBRID)
    assert not has_cgroup_v1(MOUNTINFO_V2)
    assert not has_cgroup_v1(MOUNTINFO_CONTAINER)


@pytest.mark.parametrize(
    ("mountinfo", "expected"),
    [
        (MOUNTINFO_HYBRID, "/sys/fs/cgroup/unified"),
        (MOUNTINFO_V2, "/sys/fs/cgroup"),
        (MOUNTINFO_CONTAINER, "/host/cgroup"),
        ("22 1 0:21 / /proc rw - proc proc rw\n", None),
    ],
)
def test_find_cgroup2_root(mountinfo: str, expected: str | None) -> None:
    found = find_cgroup2_root(mountinfo, Path("/sys/fs/cgroup"))
    assert (str(found) if found else None) == expected
