"""Boot a Debian kernel under QEMU emulation (virtme-ng) and run a command in it.

The guest shares this machine's root read-only, so the project's virtual environment and
the kernels' header packages are visible inside; ``rwdir`` is the one directory the guest
may write back. `/dev/kvm` here cannot run ordinary guests, hence ``--disable-kvm``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BOOT = Path("/boot")
# The kernel matrix: Debian 12's own kernels. To add one, install its image and headers
# package (apt-get install linux-image-X linux-headers-X) and add a line here.
KERNELS = {
    "debian-6.1": r"vmlinuz-6\.1\.\d+-\d+-amd64",
    "debian-6.12": r"vmlinuz-6\.12\.\d+\+deb\d+-amd64",
}
GUEST_MEMORY = "3G"
# bcc compiles in 40-60 s under emulation; a guest run of the matrix tests takes minutes.
GUEST_TIMEOUT_S = 1500


def find_kernel(pattern: str) -> Path:
    """The newest installed kernel image whose file name matches ``pattern``."""
    found = sorted(
        (p for p in BOOT.glob("vmlinuz-*") if re.fullmatch(pattern, p.name)),
        key=lambda p: tuple(int(n) for n in re.findall(r"\d+", p.name)),
    )
    assert found, (
        f"no kernel matching {pattern} in {BOOT}: scripts/setup.sh installs the matrix's "
        "kernels (linux-image-amd64, linux-image-6.12-amd64 and their headers)"
    )
    return found[-1]


@dataclass
class GuestRun:
    kernel: Path
    returncode: int
    output: str


def start_guest(kernel: Path, command: str, rwdir: Path, cpus: int = 1) -> subprocess.Popen[str]:
    """Start ``command`` (a shell line) as root in a guest booted from ``kernel``."""
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=venv_bin + os.pathsep + os.environ.get("PATH", ""))
    vng = [
        str(Path(venv_bin) / "vng"),
        "-r",
        str(kernel),
        "--disable-kvm",
        "--user",
        "root",
        "--cpus",
        str(cpus),
        "--memory",
        GUEST_MEMORY,
        f"--rwdir={rwdir}",
        "--",
        command,
    ]
    return subprocess.Popen(
        vng,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def run_in_guest(kernel: Path, command: str, rwdir: Path, cpus: int = 1) -> GuestRun:
    """Run and wait. virtme-ng now and then fails at once with 255: that start is retried."""
    for _attempt in range(2):
        proc = start_guest(kernel, command, rwdir, cpus)
        out, _ = proc.communicate(timeout=GUEST_TIMEOUT_S)
        if proc.returncode != 255:
            break
    return GuestRun(kernel, proc.returncode, out)
