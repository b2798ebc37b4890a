"""Which container a process runs in, from its cgroup.

The kernel side records ``bpf_get_current_cgroup_id()``: the id of the task's cgroup in the
v2 (unified) hierarchy, which is the inode number of that cgroup's directory. We map the id
to a path by walking the v2 tree and parse the container id from the path shapes that
container runtimes create:

=========== ================= ===========================================================
runtime     cgroup driver     leaf of the path (parents vary)
=========== ================= ===========================================================
containerd  systemd           ``kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope``
containerd  cgroupfs          ``kubepods/burstable/pod<uid>/<id>``
CRI-O       systemd           ``kubepods-pod<uid_>.slice/crio-<id>.scope`` (``/container``)
CRI-O       cgroupfs          ``kubepods/pod<uid>/crio-<id>``
Docker      systemd           ``system.slice/docker-<id>.scope``
Docker      cgroupfs          ``docker/<id>``
Podman      systemd           ``machine.slice/libpod-<id>.scope`` (``/container``)
Podman      cgroupfs          ``libpod_parent/libpod-<id>``
=========== ================= ===========================================================

On hybrid hosts (v1 controllers plus a v2 hierarchy at ``/sys/fs/cgroup/unified``) a
runtime may create v1 cgroups only; the v2 id then points at the root or at a systemd
scope, and we fall back to ``/proc/<pid>/cgroup``, whose every line names a cgroup path.
The runtime's monitor processes (``crio-conmon-<id>``, ``libpod-conmon-<id>``) are not the
container and are not attributed to it.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from tracee_py.errors import UsageError

RUNTIMES: tuple[str, ...] = ("containerd", "crio", "docker", "podman")

_ID = r"([0-9a-f]{64})"
# One regular expression per path component; the first that matches, from the leaf up,
# names the container. Order matters only for readability: the shapes cannot overlap.
_COMPONENT_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^cri-containerd-{_ID}\.scope$"), "containerd"),
    (re.compile(rf"^crio-{_ID}(?:\.scope)?$"), "crio"),
    (re.compile(rf"^docker-{_ID}\.scope$"), "docker"),
    (re.compile(rf"^libpod-{_ID}(?:\.scope)?$"), "podman"),
)
_BARE_ID = re.compile(rf"^{_ID}$")
# A pod uid is a UUID, except for static pods: the kubelet names those with the 32-hex hash
# of their manifest (the API's mirror pod carries it in kubernetes.io/config.mirror).
_UUID = (
    r"(?:[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}"
    r"|[0-9a-f]{32})"
)
# ``pod<uid>`` (cgroupfs) or ``<anything>-pod<uid with _ for ->.slice`` (systemd, where
# the prefix is kubepods-, kubepods-burstable-, kubelet-kubepods-besteffort-, ...).
_POD_COMPONENT = re.compile(rf"^(?:pod|.*-pod)({_UUID})(?:\.slice)?$")


@dataclass(frozen=True)
class ContainerRef:
    """A container found from a cgroup path."""

    container_id: str  # 64 lowercase hex digits, as the runtime and Kubernetes name it
    runtime: str  # containerd | crio | docker | podman
    pod_uid: str | None = None  # when the path carries a Kubernetes pod uid


def parse_cgroup_path(path: str) -> ContainerRef | None:
    """The container named by a cgroup path, or ``None`` for a host cgroup.

    Works on any of the shapes in the module docstring wherever they sit in the tree (kind
    nodes, for example, nest everything under ``kubelet.slice``), and on the relative
    paths ``/proc/<pid>/cgroup`` shows from inside a cgroup namespace (``/../../x``).
    """
    parts = [p for p in path.split("/") if p and p not in (".", "..")]
    found: ContainerRef | None = None
    for i in range(len(parts) - 1, -1, -1):
        found = _container_in_component(parts, i)
        if found is not None:
            parts = parts[:i]
            break
    if found is None:
        return None
    for part in reversed(parts):
        m = _POD_COMPONENT.match(part)
        if m:
            return ContainerRef(found.container_id, found.runtime, m.group(1).replace("_", "-"))
    return found


def _container_in_component(parts: list[str], i: int) -> ContainerRef | None:
    part = parts[i]
    for pattern, runtime in _COMPONENT_SHAPES:
        m = pattern.match(part)
        if m:
            return ContainerRef(m.group(1), runtime)
    m = _BARE_ID.match(part)
    if m:
        # A bare id is the cgroupfs driver. Docker puts it under ``docker``; under kubepods
        # containerd and cri-dockerd both use this shape and containerd is by far the more
        # common; the pod's containerStatuses carry the authoritative runtime scheme.
        parent = parts[i - 1] if i > 0 else ""
        return ContainerRef(m.group(1), "docker" if parent == "docker" else "containerd")
    return None


def parse_proc_cgroup(text: str, *, v1_only: bool = False) -> ContainerRef | None:
    """The container named by any line of a ``/proc/<pid>/cgroup`` file (v1 and v2)."""
    for line in text.splitlines():
        fields = line.split(":", 2)
        if len(fields) != 3 or (v1_only and fields[0] == "0"):
            continue
        ref = parse_cgroup_path(fields[2])
        if ref is not None:
            return ref
    return None


def find_cgroup2_root(mountinfo: str, cgroup_root: Path) -> Path | None:
    """Where the v2 hierarchy is mounted, from the text of ``/proc/self/mountinfo``.

    Prefers a mount of the whole hierarchy (mountinfo root ``/``) at ``cgroup_root`` itself
    (pure v2), then at ``cgroup_root/unified`` (hybrid), then anywhere below ``cgroup_root``,
    then anywhere at all. A mount of a sub-tree (a container's own cgroup namespace) is used
    only when nothing better exists, because its inode numbers still match but cgroups
    outside it cannot be seen.
    """
    candidates: list[tuple[int, Path]] = []
    root = cgroup_root.as_posix().rstrip("/") or "/"
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fstype = right.split(" ", 1)[0]
        fields = left.split(" ")
        if fstype != "cgroup2" or len(fields) < 5:
            continue
        mount_root = _unescape(fields[3])
        point = _unescape(fields[4])
        if point == root:
            rank = 0
        elif point == f"{root}/unified":
            rank = 1
        elif point.startswith(root + "/"):
            rank = 2
        else:
            rank = 3
        if mount_root != "/":
            rank += 10
        candidates.append((rank, Path(point)))
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[0])[1]


def has_cgroup_v1(mountinfo: str) -> bool:
    """Whether any v1 cgroup hierarchy is mounted (a hybrid or legacy host)."""
    for line in mountinfo.splitlines():
        _, sep, right = line.partition(" - ")
        if sep and right.split(" ", 1)[0] == "cgroup":
            return True
    return False


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo octal.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _probe_cgroup2_root(cgroup_root: Path) -> Path | None:
    for candidate in (cgroup_root, cgroup_root / "unified"):
        if (candidate / "cgroup.controllers").is_file():
            return candidate
    return None


class ContainerResolver:
    """Maps (cgroup id, pid) to the container the process runs in.

    Results by cgroup id are cached for good (the kernel never reuses a cgroup id); the
    cache holds at most ``max_cached`` ids. A miss rescans the v2 tree, because containers
    start while we record: at once for an id newer than every id scanned so far (ids only
    grow), else at most once per ``rescan_interval`` seconds. The
    ``/proc/<pid>/cgroup`` fallback is cached per pid until :meth:`forget_pid`; a negative
    answer there is kept only ``negative_ttl`` seconds, because a runtime moves a process
    into its container's cgroups after creating it (runc init), before the workload runs.

    Safe to call from several threads.
    """

    def __init__(
        self,
        cgroup_root: Path = Path("/sys/fs/cgroup"),
        proc_root: Path = Path("/proc"),
        *,
        rescan_interval: float = 1.0,
        negative_ttl: float = 1.0,
        max_cached: int = 1 << 16,
    ) -> None:
        self.cgroup_root = Path(cgroup_root)
        self.proc_root = Path(proc_root)
        self._proc_prefix = self.proc_root.as_posix()
        self.rescan_interval = rescan_interval
        self.negative_ttl = negative_ttl
        self.max_cached = max_cached
        mountinfo = self._read_mountinfo()
        self.v2_root = self._find_v2_root(mountinfo)
        # Only with v1 hierarchies can a container hide from the v2 tree; on pure v2 hosts
        # a v2 path that names no container is the final answer.
        self.has_v1 = has_cgroup_v1(mountinfo)
        self.scan_count = 0  # full walks of the v2 tree, for stats and tests
        self._lock = threading.Lock()
        self._paths: dict[int, str] = {}
        self._by_cgroup: OrderedDict[int, ContainerRef | None] = OrderedDict()
        self._by_pid: dict[int, tuple[ContainerRef | None, float]] = {}
        self._last_scan = float("-inf")
        self._scanned_id = 0  # the highest cgroup id that scans have looked for
        self._rescan()

    # -- public ------------------------------------------------------------------------

    def resolve(self, cgroup_id: int, pid: int) -> ContainerRef | None:
        """The container of a process, or ``None`` for a host process.

        ``cgroup_id`` is the event's; 0 (no event: the start-of-recording snapshot) asks
        where the process is now.
        """
        with self._lock:
            if cgroup_id:
                ref = self._resolve_cgroup(cgroup_id)
                if ref is not None:
                    return ref
                if not self.has_v1 and cgroup_id in self._by_cgroup:
                    return None
            elif pid > 0:
                return self._current(pid)  # no event, no cgroup id: where it is now
            if pid > 0:
                return self._resolve_pid(pid)
            return None

    def forget_pid(self, pid: int) -> None:
        """Drop what the fallback cached for ``pid`` (call on process exit)."""
        with self._lock:
            self._by_pid.pop(pid, None)

    def cgroup_path(self, cgroup_id: int) -> str | None:
        """The v2 path of a cgroup id as last scanned (``/`` is the root)."""
        with self._lock:
            return self._paths.get(cgroup_id)

    # -- internals -----------------------------------------------------------------------

    def _read_mountinfo(self) -> str:
        try:
            return (self.proc_root / "self" / "mountinfo").read_text()
        except OSError:
            return ""

    def _find_v2_root(self, mountinfo: str) -> Path | None:
        found = find_cgroup2_root(mountinfo, self.cgroup_root)
        if found is not None and found.is_dir():
            return found
        return _probe_cgroup2_root(self.cgroup_root)

    def _resolve_cgroup(self, cgroup_id: int) -> ContainerRef | None:
        if cgroup_id in self._by_cgroup:
            return self._by_cgroup[cgroup_id]
        path = self._paths.get(cgroup_id)
        if path is None:
            now = time.monotonic()
            # The kernel hands out cgroup ids in increasing order: an id above all we have
            # looked for is a cgroup made since, to scan for now, not in a second, when a
            # short-lived container may be gone.
            if cgroup_id <= self._scanned_id and now - self._last_scan < self.rescan_interval:
                return None
            self._rescan()
            self._scanned_id = max(self._scanned_id, cgroup_id)  # found, or gone already
            path = self._paths.get(cgroup_id)
            if path is None:
                return None
        ref = parse_cgroup_path(path)
        self._by_cgroup[cgroup_id] = ref
        if len(self._by_cgroup) > self.max_cached:
            self._by_cgroup.popitem(last=False)
        return ref

    def _current(self, pid: int) -> ContainerRef | None:
        """The container ``pid`` is in now, from every line of its cgroup file (not cached)."""
        try:
            return parse_proc_cgroup(self._read_cgroup_file(pid))
        except OSError:
            return None

    def _read_cgroup_file(self, pid: int) -> str:
        # A plain string path: this runs at every new process on hybrid hosts.
        with open(f"{self._proc_prefix}/{pid}/cgroup") as f:
            return f.read()

    def _resolve_pid(self, pid: int) -> ContainerRef | None:
        now = time.monotonic()
        cached = self._by_pid.get(pid)
        if cached is not None:
            ref, at = cached
            if ref is not None or now - at < self.negative_ttl:
                return ref
        try:
            text = self._read_cgroup_file(pid)
        except OSError:
            # Gone already (or never visible): nothing to learn, nothing to cache.
            return cached[0] if cached else None
        # v1 lines only: the v2 line says where the process is now, the event's cgroup id
        # where it was then (a process that joined a container after the event is not in it).
        ref = parse_proc_cgroup(text, v1_only=True)
        self._by_pid[pid] = (ref, now)
        return ref

    def _rescan(self) -> None:
        self._last_scan = time.monotonic()
        if self.v2_root is None:
            return
        self.scan_count += 1
        paths: dict[int, str] = {}
        try:
            paths[os.stat(self.v2_root).st_ino] = "/"
        except OSError:
            return
        stack = [(self.v2_root.as_posix(), "")]
        while stack:
            directory, rel = stack.pop()
            try:
                entries = os.scandir(directory)
            except OSError:
                continue  # removed while we walked
            with entries:
                for entry in entries:
                    try:
                        if not entry.is_dir(follow_symlinks=False):
                            continue
                        # d_ino from getdents is the kernfs id: no stat per directory.
                        ino = entry.inode()
                    except OSError:
                        continue
                    child = f"{rel}/{entry.name}"
                    paths[ino] = child
                    stack.append((entry.path, child))
        self._paths = paths
        self._scanned_id = max(self._scanned_id, *paths)


def container_cgroup_id(prefix: str, resolver: ContainerResolver | None = None) -> int:
    """The cgroup v2 id of a running container, by id or unique id prefix."""
    resolver = resolver or ContainerResolver()
    if resolver.v2_root is None:
        raise UsageError("--container needs a cgroup v2 hierarchy")
    matches: dict[str, int] = {}
    for path in sorted(resolver.v2_root.rglob("*")):
        if not path.is_dir():
            continue
        ref = parse_cgroup_path("/" + str(path.relative_to(resolver.v2_root)))
        if ref is not None and ref.container_id.startswith(prefix):
            matches.setdefault(ref.container_id, os.stat(path).st_ino)
    if not matches:
        raise UsageError(f"no running container matches --container {prefix!r}")
    if len(matches) > 1:
        raise UsageError(
            f"--container {prefix!r} is ambiguous: " + ", ".join(sorted(m[:12] for m in matches))
        )
    return next(iter(matches.values()))


def cgroup_filter_id(*, container: str | None = None, cgroup: str | None = None) -> int | None:
    """The cgroup id ``record --container`` or ``--cgroup`` filters on (None: no filter).

    ``cgroup`` is a cgroup v2 id or directory: a v2 id is the inode of its directory.
    """
    if container:
        return container_cgroup_id(container)
    if cgroup is None:
        return None
    if cgroup.isdigit():
        return int(cgroup)
    path = Path(cgroup)
    if not path.is_dir():
        raise UsageError(f"--cgroup {cgroup!r} is neither a cgroup id nor a cgroup v2 directory")
    return os.stat(path).st_ino
