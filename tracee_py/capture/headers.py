"""Kernel headers for bcc.

bcc compiles against the running kernel's headers (``/lib/modules/$(uname -r)/build``).
Many kernels (cloud images, this CI machine) have no matching headers package. Next best
are the kernel's own headers archive (``/sys/kernel/kheaders.tar.xz``, CONFIG_IKHEADERS),
which bcc unpacks itself when we leave ``BCC_KERNEL_SOURCE`` unset. Our BPF programs read
kernel structs only at offsets the kernel's BTF gives, so failing both, the headers of any
recent kernel will do: we merge an installed Debian headers package (split into
``-common`` and ``-<arch>``) into one tree in a cache directory and point
``BCC_KERNEL_SOURCE`` at it. We never write to /lib/modules.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
from pathlib import Path

from tracee_py.errors import CaptureError

DEFAULT_CACHE = Path(os.environ.get("TRACEE_PY_CACHE", "/var/cache/tracee-py"))
KHEADERS = Path("/sys/kernel/kheaders.tar.xz")
# Where a container sees the node's root (the DaemonSet mounts the node's /usr/src under
# it): the node's own headers package is looked for there first.
HOST_ROOT_ENV = "TRACEE_PY_HOST_ROOT"
_ARCH_SUFFIX = {"x86_64": "amd64", "aarch64": "arm64"}


def running_kernel_build_dir() -> Path | None:
    build = Path("/lib/modules") / platform.release() / "build"
    return build if (build / "include").is_dir() else None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", name))


def header_sources(src: Path = Path("/usr/src")) -> list[Path]:
    """Directories holding headers packages: the node's (in a container), then ours."""
    host = os.environ.get(HOST_ROOT_ENV)
    return [*([Path(host) / "usr" / "src"] if host else []), src]


def find_headers_package(
    src: Path | list[Path] = Path("/usr/src"), release: str | None = None
) -> tuple[Path, Path | None] | None:
    """The running kernel's own ``linux-headers-<release>`` tree if any source holds it,
    else the newest ``linux-headers-<ver>-<arch>``; with its ``-common`` half, if any."""
    arch = _ARCH_SUFFIX.get(platform.machine(), platform.machine())
    release = release or platform.release()
    sources = src if isinstance(src, list) else [src]
    candidates = [
        p
        for root in sources
        for p in root.glob(f"linux-headers-*-{arch}")
        if (p / "include").is_dir()
    ]
    exact = [
        root / f"linux-headers-{release}"
        for root in sources
        if (root / f"linux-headers-{release}" / "include").is_dir()
    ]
    ordered = exact or sorted(candidates, key=lambda p: _version_key(p.name), reverse=True)
    for arch_dir in ordered:
        if not arch_dir.name.endswith(f"-{arch}"):
            return arch_dir, None  # not split the Debian way
        common = arch_dir.with_name(arch_dir.name[: -len(arch)] + "common")
        return arch_dir, (common if common.is_dir() else None)
    return None


# bcc reads the headers and the kernel config; kbuild's scripts and tools are not needed
# (and are relative symlinks that would dangle in the cache).
_WANTED = ("include", "arch", "Makefile", ".config", "Module.symvers")


def _merge_into(half: Path, target: Path) -> None:
    for name in _WANTED:
        entry = half / name
        if entry.is_dir():
            shutil.copytree(entry, target / name, symlinks=False, dirs_exist_ok=True)
        elif entry.is_file():
            shutil.copy2(entry, target / name)


def merged_header_tree(
    cache: Path = DEFAULT_CACHE, src: Path | list[Path] = Path("/usr/src")
) -> Path:
    """Build (once) and return a merged header tree for ``BCC_KERNEL_SOURCE``."""
    found = find_headers_package(src)
    if found is None:
        raise CaptureError(
            f"no kernel headers for {platform.release()} and no linux-headers package in "
            f"{', '.join(map(str, src if isinstance(src, list) else [src]))}: install one "
            "(Debian: apt-get install linux-headers-amd64)"
        )
    arch_dir, common = found
    target = cache / "kernel-headers" / arch_dir.name
    stamp = target / ".tracee-py-complete"
    if stamp.exists():
        return target
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        for half in (common, arch_dir):
            if half is not None:
                _merge_into(half, tmp)
        stamp_tmp = tmp / ".tracee-py-complete"
        stamp_tmp.write_text(f"{arch_dir}\n{common}\n")
        shutil.rmtree(target, ignore_errors=True)
        os.rename(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise CaptureError(f"cannot build the merged kernel header tree in {cache}: {exc}") from exc
    return target


def own_headers_available(kheaders: Path = KHEADERS, src: Path = Path("/usr/src")) -> bool:
    """Whether bcc can compile against the running kernel's very own headers: its build
    directory, its kheaders archive, or its headers package (here or on the node)."""
    if running_kernel_build_dir() is not None or kheaders.is_file():
        return True
    found = find_headers_package(header_sources(src))
    return found is not None and found[0].name == f"linux-headers-{platform.release()}"


def kernel_source_for_bcc(
    cache: Path = DEFAULT_CACHE, src: Path = Path("/usr/src"), kheaders: Path = KHEADERS
) -> Path | None:
    """None when bcc finds the running kernel's own headers (its build directory, or the
    kheaders archive bcc unpacks itself); else the merged tree of a headers package."""
    if os.environ.get("BCC_KERNEL_SOURCE"):
        return Path(os.environ["BCC_KERNEL_SOURCE"])
    if running_kernel_build_dir() is not None or kheaders.is_file():
        return None
    return merged_header_tree(cache, header_sources(src))
