"""What the synthetic processes run and touch: programs with argv, paths, addresses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Program:
    path: str  # what execve was given
    exe: str  # the image that runs (symlinks resolved)
    comm: str
    args: tuple[str, ...]  # argv[1:] templates; "{n}" becomes a per-process number

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.exe.encode()).hexdigest()


def _p(path: str, *args: str, exe: str | None = None) -> Program:
    name = path.rsplit("/", 1)[-1]
    return Program(path, exe or path, name[:15], args)


PROGRAMS: dict[str, Program] = {
    "systemd": _p("/sbin/init", exe="/usr/lib/systemd/systemd"),
    "journald": _p("/usr/lib/systemd/systemd-journald"),
    "udevd": _p("/usr/lib/systemd/systemd-udevd"),
    "dbus": _p("/usr/bin/dbus-daemon", "--system", "--nofork"),
    "cron": _p("/usr/sbin/cron", "-f"),
    "sshd": _p("/usr/sbin/sshd", "-D"),
    "rsyslogd": _p("/usr/sbin/rsyslogd", "-n"),
    "containerd": _p("/usr/bin/containerd"),
    "kubelet": _p("/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"),
    "shim": _p("/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", "{n}"),
    "nginx": _p("/usr/sbin/nginx", "-g", "daemon off;"),
    "postgres": _p("/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/postgresql/data"),
    "redis": _p("/usr/local/bin/redis-server", "*:6379"),
    "gunicorn": _p("/usr/local/bin/gunicorn", "app:server", "--workers", "4"),
    "coredns": _p("/coredns", "-conf", "/etc/coredns/Corefile"),
    "node": _p("/usr/local/bin/node", "/srv/app/index.js"),
    "sh-cron": _p("/bin/sh", "-c", "run-parts --report /etc/cron.hourly", exe="/usr/bin/dash"),
    "run-parts": _p("/bin/run-parts", "--report", "/etc/cron.hourly"),
    "logrotate": _p("/etc/cron.hourly/logrotate"),
    "bash": _p("/usr/bin/bash"),
    "deploy": _p("/usr/bin/bash", "./deploy.sh", "{n}"),
    "ls": _p("/usr/bin/ls", "-la", "/var/log"),
    "cat": _p("/usr/bin/cat", "/var/log/app/{n}.log"),
    "grep": _p("/usr/bin/grep", "-r", "ERROR", "/var/log/app"),
    "curl": _p("/usr/bin/curl", "-s", "https://api.example.com/v1/items/{n}"),
    "python3": _p(
        "/usr/bin/python3", "/opt/app/worker.py", "--job", "{n}", exe="/usr/bin/python3.11"
    ),
    "make": _p("/usr/bin/make", "-j2", "all"),
    "gcc": _p("/usr/bin/gcc", "-O2", "-c", "src/mod{n}.c", "-o", "build/mod{n}.o"),
    "cc1": _p("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-quiet", "src/mod{n}.c"),
    "as": _p(
        "/usr/bin/as", "-o", "build/mod{n}.o", "/tmp/cc{n}.s", exe="/usr/bin/x86_64-linux-gnu-as"
    ),
    "runc": _p("/usr/bin/runc", "--root", "/run/containerd/runc/k8s.io", "exec", "{n}"),
    "sh-probe": _p("/bin/sh", "-c", "curl -fs http://localhost:8080/healthz", exe="/usr/bin/dash"),
    "sudo": _p("/usr/bin/sudo", "systemctl", "restart", "app"),
    "systemctl": _p("/usr/bin/systemctl", "restart", "app"),
    "nohup": _p("/usr/bin/nohup", "/opt/app/agent", "--daemon"),
    "agent": _p("/opt/app/agent", "--daemon"),
    "vim": _p("/usr/bin/vim", "/etc/app/config-{n}.yaml"),
    "ssh": _p("/usr/bin/ssh", "deploy@10.0.3.{n}"),
    "tar": _p("/usr/bin/tar", "czf", "/tmp/backup-{n}.tgz", "/var/lib/app"),
    "env-python": _p("/usr/bin/env", "python3", "/opt/app/manage.py", "migrate"),
    "missing": _p("/usr/local/bin/curl"),  # the failed first try of a PATH search
}
PROGRAM_NAMES: tuple[str, ...] = tuple(PROGRAMS)
PROGRAM_INDEX: dict[str, int] = {name: i for i, name in enumerate(PROGRAM_NAMES)}
# Programs a shell session runs as its commands.
SESSION_COMMANDS = ("ls", "cat", "grep", "curl", "python3", "vim", "ssh", "tar", "env-python")


def argv_for(program: Program, n: int) -> list[str]:
    head = program.path.rsplit("/", 1)[-1] if program.path.startswith("/") else program.path
    return [head] + [a.replace("{n}", str(n)) for a in program.args]


def file_pool(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Paths that file events touch, and a Zipf-like popularity for each."""
    fixed = [
        "/etc/ld.so.cache",
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/x86_64-linux-gnu/libpthread.so.0",
        "/etc/passwd",
        "/etc/group",
        "/etc/hosts",
        "/etc/resolv.conf",
        "/etc/nsswitch.conf",
        "/proc/self/status",
        "/proc/meminfo",
        "/dev/null",
        "/usr/lib/locale/locale-archive",
        "/etc/ssl/certs/ca-certificates.crt",
        "/usr/lib/python3.11/os.py",
        "/home/admin/.bash_history",
        "/etc/shadow",
        "/root/.ssh/authorized_keys",
    ]
    generated = (
        [f"/var/log/app/{i}.log" for i in range(400)]
        + [f"/tmp/tmp{rng.integers(1 << 32):08x}" for _ in range(1500)]
        + [f"/var/lib/app/data/{i:05d}.db" for i in range(600)]
        + [f"/srv/app/static/{i}.js" for i in range(500)]
        + [f"/usr/lib/python3.11/site-packages/pkg{i}/__init__.py" for i in range(300)]
    )
    paths = fixed + generated
    weights = 1.0 / np.arange(1, len(paths) + 1) ** 0.9
    return paths, weights / weights.sum()


def address_pool(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Remote addresses: mostly the cluster, a few outside, and their ports."""
    internal = [f"10.0.{rng.integers(0, 8)}.{rng.integers(1, 255)}" for _ in range(120)]
    external = ["93.184.216.34", "140.82.112.3", "151.101.1.69", "185.199.108.153", "1.1.1.1"]
    addrs = internal + external + ["127.0.0.1"]
    ports = np.array(
        [int(p) for p in rng.choice([443, 80, 5432, 6379, 53, 8080, 9090], size=len(addrs))],
        dtype=np.int32,
    )
    return addrs, ports
