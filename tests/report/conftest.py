"""Fixtures for the report tests: recordings written with the real writer, and a headless
Chromium (Debian's ``chromium``, driven by Playwright) to open the reports in.

``incident`` is a small recording shaped like ``scripts/demo.sh``'s: a script starts a
local web server, fetches a payload into a hidden temp directory, makes it executable and
runs it; the payload reads /etc/shadow and connects to a mining-pool port. Around it, PATH
lookups that fail (``retval -2``), a sudo that changes uid, and a process whose name,
argv and file paths are HTML and script (which must show as text and never run).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.query.conftest import (  # noqa: F401  (the query tests' fixtures apply here too)
    BOOT_NS,
    T0,
    Recorder,
    _isolated_env,
    at,
    cache_root,
    scenario,
)
from tracee_py.synth import SynthSummary, generate

S = 1_000_000_000
WORK = "/tmp/tracee-demo.Xq3vTz"
PAYLOAD = f"{WORK}/.cache/update.sh"
HOSTILE_COMM = "<script>window.__pwned=1</script>"
HOSTILE_ARG = '<img src=x onerror="window.__pwned=2">'
HOSTILE_CLOSE = "</script><script>window.__pwned=3</script>"
HOSTILE_PATH = "/tmp/</script><img src=x onerror=window.__pwned=4>"
WRITE_CREATE_TRUNC = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


@dataclass
class Incident:
    root: Path
    ids: dict[str, int]

    def id(self, name: str) -> int:
        return self.ids[name]


def build_incident(rec: Recorder) -> None:
    rec.snapshot("init", 1, None, "/sbin/init", ["/sbin/init"], BOOT_NS + S)
    rec.snapshot("sshd", 100, "init", "/usr/sbin/sshd", ["sshd", "-D"], BOOT_NS + 5 * S)
    rec.snapshot("bash", 2000, "sshd", "/usr/bin/bash", ["-bash"], T0 - 600 * S, uid=1000)
    rec.fork("incident", at(1), 2100, "bash")
    rec.exec("incident", at(1.01), "/usr/bin/bash", ["bash", "examples/demo/incident.sh"])
    rec.fork("mktemp", at(1.1), 2101, "incident")
    rec.exec("mktemp", at(1.11), "/usr/bin/mktemp", ["mktemp", "-d", "/tmp/tracee-demo.XXXXXX"])
    rec.event("mktemp", at(1.12), "file_mkdir", syscall="mkdir", path=WORK, mode=0o700, retval=0)
    rec.exit("mktemp", at(1.2))
    # The web server: PATH lookups fail before python3 is found.
    rec.fork("server", at(1.3), 2102, "incident")
    for i, prefix in enumerate(("/usr/local/sbin", "/usr/local/bin", "/usr/sbin")):
        rec.exec("server", at(1.31 + i / 1000), f"{prefix}/python3", ["python3"], retval=-2)
    rec.exec(
        "server",
        at(1.32),
        "/usr/bin/python3",
        ["python3", "-m", "http.server", "8765", "--bind", "127.0.0.1"],
    )
    rec.event(
        "server", at(1.4), "net_bind", syscall="bind", family="inet", addr="127.0.0.1",
        port=8765, fd=3, retval=0,
    )  # fmt: skip
    rec.event(
        "server", at(1.9), "net_accept", syscall="accept4", family="inet", addr="127.0.0.1",
        port=40522, fd=4, retval=4,
    )  # fmt: skip
    # The fetch writes the payload into a hidden directory.
    rec.fork("fetch", at(1.5), 2103, "incident")
    rec.exec("fetch", at(1.51), "/usr/bin/python3", ["python3", "-", WORK])
    rec.event(
        "fetch", at(1.8), "net_connect", syscall="connect", family="inet", addr="127.0.0.1",
        port=8765, fd=3, retval=0,
    )  # fmt: skip
    rec.event(
        "fetch", at(1.95), "file_open", syscall="openat", path=PAYLOAD,
        flags=WRITE_CREATE_TRUNC, mode=0o644, fd=4, retval=4,
    )  # fmt: skip
    rec.exit("fetch", at(2))
    rec.fork("chmod", at(2.1), 2104, "incident")
    rec.exec("chmod", at(2.11), "/usr/bin/chmod", ["chmod", "+x", PAYLOAD])
    rec.event("chmod", at(2.12), "file_chmod", syscall="fchmodat", path=PAYLOAD, mode=0o755)
    rec.exit("chmod", at(2.2))
    # The payload.
    rec.fork("payload", at(2.3), 2105, "incident")
    rec.exec("payload", at(2.31), PAYLOAD, [PAYLOAD], exe="/usr/bin/dash")
    rec.fork("cat", at(2.4), 2106, "payload")
    rec.exec("cat", at(2.41), "/usr/bin/cat", ["cat", "/etc/shadow"])
    rec.event(
        "cat", at(2.42), "file_open", syscall="openat", path="/etc/shadow", flags=0, fd=3,
        retval=3,
    )  # fmt: skip
    rec.exit("cat", at(2.45))
    rec.fork("miner", at(2.5), 2107, "payload")
    rec.exec("miner", at(2.51), "/usr/bin/python3", ["python3", "-c", "import socket; ..."])
    rec.event(
        "miner", at(2.6), "net_connect", syscall="connect", family="inet", addr="127.0.0.1",
        port=3333, fd=3, retval=-111,
    )  # fmt: skip
    rec.exit("miner", at(2.7))
    rec.fork("id", at(2.8), 2108, "payload")
    rec.exec("id", at(2.81), "/usr/local/bin/id", ["id", "-un"], retval=-2)
    rec.exec("id", at(2.82), "/usr/bin/id", ["id", "-un"])
    rec.exit("id", at(2.85))
    rec.fork("cleanup", at(2.86), 2109, "payload")
    rec.exec("cleanup", at(2.87), "/usr/bin/rm", ["rm", "-f", "/home/dev/.bash_history"])
    rec.event(
        "cleanup", at(2.88), "file_unlink", syscall="unlinkat", path="/home/dev/.bash_history",
        retval=0,
    )  # fmt: skip
    rec.exit("cleanup", at(2.89))
    rec.exit("payload", at(2.9))
    rec.exit("server", at(3), code=-15, signal=15)
    rec.exit("incident", at(3.1))
    # A sudo that becomes root.
    rec.fork("sudo", at(4), 2120, "bash")
    rec.exec("sudo", at(4.01), "/usr/bin/sudo", ["sudo", "-n", "true"])
    rec.event("sudo", at(4.02), "cred_change", syscall="setuid", new_uid=0, new_gid=0, retval=0)
    rec.exit("sudo", at(4.1))
    # Hostile names: every string the report shows comes from the recording.
    rec.fork("hostile", at(5), 2130, "bash")
    rec.exec(
        "hostile", at(5.01), f"/tmp/{HOSTILE_COMM}", [HOSTILE_COMM, HOSTILE_ARG, HOSTILE_CLOSE]
    )
    rec.event(
        "hostile", at(5.02), "file_open", syscall="openat", path=HOSTILE_PATH,
        flags=WRITE_CREATE_TRUNC, fd=3, retval=3,
    )  # fmt: skip
    rec.event(
        "hostile", at(5.03), "net_connect", syscall="connect", family="unix",
        path=f"@{HOSTILE_ARG}", fd=4, retval=0,
    )  # fmt: skip
    rec.exit("hostile", at(5.1))


def write_incident(root: Path) -> Incident:
    rec = Recorder("web-1", "boot-1")
    build_incident(rec)
    rec.write(root, files=2)
    return Incident(root, {name: p.process_id for name, p in rec.procs.items()})


@pytest.fixture(scope="session")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Incident:
    return write_incident(tmp_path_factory.mktemp("incident") / "data")


@pytest.fixture(scope="session")
def big_synth(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    """A subject of 10,000 processes: one node, 160,000 events."""
    return generate(tmp_path_factory.mktemp("synth") / "data", events=160_000, nodes=1, seed=5)


# -- the browser ------------------------------------------------------------------------------


def chromium_path() -> str:
    """Debian's chromium (``TRACEE_PY_CHROMIUM`` overrides); the tests fail without it."""
    path = os.environ.get("TRACEE_PY_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("no chromium: install Debian's chromium (scripts/setup.sh does)")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield b
        b.close()
