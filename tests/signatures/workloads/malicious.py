"""Harmless actions that look exactly like attacks, one per signature, for the end-to-end test.

Run under ``tracee-py record -- python3 malicious.py WORK FACTS``: everything happens inside
WORK (a temporary directory) or is read-only; FACTS receives the pid of each action's process
as JSON, so the test can check that each signature names the right process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

work, facts_path = sys.argv[1], sys.argv[2]
facts: dict[str, int] = {}


def run(name: str, args: list[str], **kwargs: object) -> None:
    proc = subprocess.Popen(  # type: ignore[call-overload]
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
    )
    proc.wait()
    facts[name] = proc.pid


def copy_of_true(name: str) -> str:
    path = os.path.join(work, name)
    shutil.copy("/bin/true", path)
    return path


# Credential access: read the password hashes (read-only).
run("shadow-read", ["cat", "/etc/shadow"])
# Dynamic linker hijacking: a preload library (it does not exist; the loader says so).
run(
    "ld-preload-env",
    ["/bin/true"],
    env={**os.environ, "LD_PRELOAD": os.path.join(work, "libnothere.so")},
)
# Anti-debugging: PTRACE_TRACEME on itself.
run("ptrace-traceme", [sys.executable, "-c", "import ctypes; ctypes.CDLL(None).ptrace(0, 0, 0, 0)"])
# A hidden executable.
run("hidden-file-exec", [copy_of_true(".hidden-tool")])
# The reverse-shell shape: a loopback TCP socket dup2'd onto stdin.
run(
    "reverse-shell-socket-dup",
    [
        sys.executable,
        "-c",
        "import os, socket\n"
        "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)\n"
        "cli = socket.create_connection(srv.getsockname())\n"
        "os.dup2(cli.fileno(), 0)\n",
    ],
)
# Fileless execution: /bin/true copied into a memfd and executed from it.
run(
    "memfd-exec",
    [
        sys.executable,
        "-c",
        "import os\n"
        "fd = os.memfd_create('payload', 0)\n"
        "os.write(fd, open('/bin/true', 'rb').read())\n"
        "os.execv(f'/proc/self/fd/{fd}', ['payload'])\n",
    ],
)
# A setuid bit on a file in the work directory.
run("setuid-setgid-bit", ["chmod", "4755", copy_of_true("suid-true")])
# History deletion (the file is created without truncation first).
history = os.path.join(work, ".bash_history")
os.close(os.open(history, os.O_CREAT | os.O_WRONLY, 0o600))
run("shell-history-deletion", ["rm", "-f", history])
# A process named like a kernel thread (exec -a).
run("kernel-thread-masquerade", ["[kworker/0:1]"], executable="/bin/true")
# A miner by name and stratum URL (it is /bin/true; nothing connects).
run("cryptominer-exec", [copy_of_true("xmrig"), "-o", "stratum+tcp://127.0.0.1:3333"])

with open(facts_path, "w") as out:
    json.dump(facts, out)
