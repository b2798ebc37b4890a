"""A known workload for the capture tests. Run under `tracee-py record -- python3 workload.py DIR`.

Every action is something the tests assert exactly; keep the two in step. It prints a
JSON object with the facts the tests need (ports, pids, paths).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import mmap
import os
import socket
import subprocess
import sys
import threading

libc = ctypes.CDLL(None, use_errno=True)
work = sys.argv[1]
facts: dict[str, object] = {"pid": os.getpid()}

# 1. /bin/true exactly 23 times, from one shell.
loop = subprocess.run(
    ["/bin/sh", "-c", "i=0; while [ $i -lt 23 ]; do /bin/true; i=$((i+1)); done; echo $$"],
    check=True,
    capture_output=True,
    text=True,
)
facts["loop_shell_pid"] = int(loop.stdout.strip())

# 2. A marker file: created, read, renamed, chmod-ed, removed. Plus relative paths.
marker = os.path.join(work, "marker.txt")
fd = os.open(marker, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
os.write(fd, b"hello")
os.close(fd)
fd = os.open(marker, os.O_RDONLY)
os.read(fd, 5)
os.close(fd)
renamed = os.path.join(work, "renamed.txt")
os.rename(marker, renamed)
os.chmod(renamed, 0o640)
os.truncate(renamed, 2)
os.mkdir(os.path.join(work, "subdir"), 0o750)
os.symlink("/etc/hostname", os.path.join(work, "link-to-hostname"))
os.chdir(work)
fd = os.open("relative.txt", os.O_CREAT | os.O_WRONLY, 0o600)
os.close(fd)
os.unlink(renamed)
with contextlib.suppress(FileNotFoundError):
    os.open(os.path.join(work, "does-not-exist"), os.O_RDONLY)

# 3. memfd, and dup2 of a socket onto stdin (the reverse-shell shape).
libc.memfd_create.restype = ctypes.c_int
mfd = libc.memfd_create(b"tracee-memfd-test", 0)
os.close(mfd)

# 4. Network on loopback: bind, listen, connect, accept (IPv4), a unix socket, IPv6.
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(4)
port = srv.getsockname()[1]
cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
cli.connect(("127.0.0.1", port))
conn, peer = srv.accept()
facts.update(port=port, client_port=peer[1], client_fd=cli.fileno(), accepted_fd=conn.fileno())
saved = os.dup(0)
os.dup2(cli.fileno(), 0)
os.dup2(saved, 0)
os.close(saved)
conn.close()
cli.close()
srv.close()
upath = os.path.join(work, "test.sock")
us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
us.bind(upath)
us.close()
if socket.has_ipv6:
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.bind(("::1", 0))
        facts["port6"] = s6.getsockname()[1]
        s6.close()
    except OSError:
        pass

# 5. Exit codes and lineage: nested shells, a signal death, argv with spaces, failed exec,
#    LD_PRELOAD in the environment.
subprocess.run(["/bin/sh", "-c", '/bin/sh -c "exit 5"; exit 9'])
subprocess.run(["/bin/sh", "-c", "kill -9 $$"])
subprocess.run(["/bin/echo", "hello world", "a  b", ""], stdout=subprocess.DEVNULL)
with contextlib.suppress(FileNotFoundError):
    subprocess.run([os.path.join(work, "no-such-binary")])
env = dict(os.environ, LD_PRELOAD="/nonexistent/tracee-test.so")
subprocess.run(["/bin/true"], env=env, stderr=subprocess.DEVNULL)

# 6. Privilege and system: setuid to ourselves, kill -0, ptrace TRACEME in a child,
#    mprotect adding PROT_EXEC, unshare of a UTS namespace in a child.
os.setuid(os.getuid())
os.kill(os.getpid(), 0)
child = os.fork()
if child == 0:
    libc.ptrace(0, 0, None, None)  # PTRACE_TRACEME
    CLONE_NEWUTS = 0x04000000
    libc.unshare(CLONE_NEWUTS)
    os._exit(0)
os.waitpid(child, 0)
facts["traceme_child"] = child


# 6b. In a second child: setresuid/setresgid to the ids it has (real, effective, saved),
#     capset to the capabilities it has, fchdir to the work directory.
class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]


header, caps = CapHeader(0x20080522, 0), (CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3
libc.capget(ctypes.byref(header), caps)
facts["resuid"], facts["resgid"] = os.getresuid(), os.getresgid()
facts["effective_caps"] = caps[1].effective << 32 | caps[0].effective
work_fd = os.open(work, os.O_RDONLY | os.O_DIRECTORY)
facts["work_fd"] = work_fd
child = os.fork()
if child == 0:
    os.setresuid(*facts["resuid"])
    os.setresgid(*facts["resgid"])
    libc.capset(ctypes.byref(header), caps)
    os.fchdir(work_fd)
    os._exit(0)
os.waitpid(child, 0)
os.close(work_fd)
facts["cred_child"] = child
buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE)
addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
facts["mprotect_rc"] = libc.mprotect(ctypes.c_void_p(addr), 4096, 5)  # READ|EXEC


# 7. Threads are not processes: a thread opens a marker; no fork row for it.
def in_thread() -> None:
    facts["thread_tid"] = threading.get_native_id()
    os.close(os.open(os.path.join(work, "from-thread.txt"), os.O_CREAT | os.O_WRONLY, 0o600))


t = threading.Thread(target=in_thread)
t.start()
t.join()
print(json.dumps(facts))
