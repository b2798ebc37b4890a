"""The kernel matrix: the capture tests marked `kernel_matrix` run inside Debian 12's own
kernels (6.1 and 6.12), booted under emulation, and every one of them must pass there.

Both guests boot at once, one emulated CPU each (bcc compiles on one CPU anyway), so the
matrix costs about as long as its slower kernel. Each guest writes a JUnit report into a
shared directory; the host checks that exactly the expected tests ran and passed.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.kernels.guest import KERNELS, GuestRun, find_kernel, run_in_guest

REPO = Path(__file__).resolve().parents[2]


def _expected_tests() -> set[str]:
    """Node ids of the matrix tests, as collected on the host."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--collect-only",
            "-p",
            "no:cacheprovider",
            "-m",
            "kernel_matrix",
            "tests/capture",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.strip() for line in out.splitlines() if "::" in line}


def _guest_command(out: Path) -> str:
    py = shlex.quote(sys.executable)
    return (
        f"cd {shlex.quote(str(REPO))} && "
        "export PYTHONDONTWRITEBYTECODE=1 TRACEE_PY_EXPECT_FAST=1 TRACEE_PY_EXPECT_MODULES=1 "
        # under emulation bcc compiles several times slower: the recordings get longer limits
        "TRACEE_PY_TEST_TIME_SCALE=3 && "
        "mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; "
        f"{py} -m pytest -p no:cacheprovider -q -m kernel_matrix tests/capture "
        f"--junitxml={shlex.quote(str(out / 'junit.xml'))}; "
        f"echo $? > {shlex.quote(str(out / 'rc'))}; uname -r > {shlex.quote(str(out / 'uname'))}"
    )


@dataclass
class PendingGuest:
    run: Future[GuestRun]
    out: Path  # the directory the guest writes its JUnit report and exit code into


@pytest.fixture(scope="module")
def guest_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, PendingGuest]]:
    """Start every kernel of the matrix at once; tests wait for their own."""
    pool = ThreadPoolExecutor(max_workers=len(KERNELS))
    pending = {}
    for name, pattern in KERNELS.items():
        kernel = find_kernel(pattern)
        out = tmp_path_factory.mktemp(name)
        pending[name] = PendingGuest(
            pool.submit(run_in_guest, kernel, _guest_command(out), out), out
        )
    yield pending
    pool.shutdown(wait=True)


@pytest.mark.timeout(2400)  # both guests boot at the first test; see GUEST_TIMEOUT_S
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_capture_tests_pass_inside_the_kernel(
    name: str, guest_runs: dict[str, PendingGuest]
) -> None:
    run, out = guest_runs[name].run.result(), guest_runs[name].out
    tail = run.output[-4000:]
    assert (out / "uname").is_file(), f"the guest never ran the tests:\n{tail}"
    release = (out / "uname").read_text().strip()
    assert run.kernel.name == f"vmlinuz-{release}", (run.kernel, release)
    suite = ET.parse(out / "junit.xml").getroot()
    cases = suite.iter("testcase")
    passed, problems = set(), []
    for case in cases:
        nodeid = case.get("classname", "").replace(".", "/") + ".py::" + case.get("name", "")
        bad = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        if bad:
            problems.append(f"{nodeid}: {bad[0]}")
        else:
            passed.add(nodeid)
    assert problems == [], f"in {release}:\n" + "\n".join(problems) + f"\n{tail}"
    assert passed == _expected_tests(), f"in {release}: ran {sorted(passed)}"
    assert (out / "rc").read_text().strip() == "0", tail
