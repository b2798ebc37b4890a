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
import struct
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
# accept(fd, NULL, NULL): the peer comes from the new socket itself.
cli2 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
cli2.connect(("127.0.0.1", port))
null_fd = libc.accept(srv.fileno(), None, None)
facts.update(client2_port=cli2.getsockname()[1], null_accept_fd=null_fd)
os.close(null_fd)
cli2.close()
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
        s6.listen(1)
        facts["port6"] = s6.getsockname()[1]
        s6.close()
    except OSError:
        pass
# listen() on a socket never bound: the kernel picks the port.
auto = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
auto.listen(1)
facts["autobind_port"] = auto.getsockname()[1]
auto.close()
# Raw and packet sockets (root).
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
raw.close()
ETH_P_ALL = 3
packet = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
packet.close()

# 5. Exit codes and lineage: nested shells, a signal death, argv with spaces, failed exec,
#    LD_PRELOAD in the environment.
subprocess.run(["/bin/sh", "-c", '/bin/sh -c "exit 5"; exit 9'])
subprocess.run(["/bin/sh", "-c", "kill -9 $$"])
# Signals that kill by default but are not SIGKILL: the kernel turns them into a group exit
# with SIGKILL, and the recording must still say which signal was sent.
subprocess.run(["/bin/sh", "-c", "kill -TERM $$"])
subprocess.run(["/bin/sh", "-c", "kill -HUP $$"])
subprocess.run(["/bin/sh", "-c", "/bin/sleep 30 & /bin/sleep 0.3; kill -TERM $!; wait"])
# Sent to one thread (tgkill), not to the process: the whole group still dies of it.
subprocess.run(
    [
        sys.executable,
        "-c",
        "import signal, threading, time  # tgkill-test\n"
        "t = threading.Thread(target=time.sleep, args=(30,), daemon=True)\n"
        "t.start()\nsignal.pthread_kill(t.ident, signal.SIGTERM)\ntime.sleep(30)\n",
    ]
)
# A SIGTERM that reached a handler is not what a later SIGKILL killed.
subprocess.run(["/bin/sh", "-c", 'trap ":" TERM; kill -TERM $$; kill -KILL $$'])
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


# 8. File times set: each of the four syscalls (raw syscall numbers, x86_64: glibc turns
#    utime and utimes into utimensat), UTIME_NOW and UTIME_OMIT, futimens (no path).
class Timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]


UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
AT_FDCWD = -100
stamped = os.path.join(work, "stamped.txt")
os.close(os.open(stamped, os.O_CREAT | os.O_WRONLY, 0o600))
libc.syscall.restype = ctypes.c_long
os.utime(stamped, ns=(946_684_800_123_456_789, 946_684_800_000_000_000))  # utimensat
ts = (Timespec * 2)(Timespec(0, UTIME_OMIT), Timespec(1_000_000_000, UTIME_NOW))
facts["utimensat_rc"] = libc.syscall(280, AT_FDCWD, stamped.encode(), ts, 0)
tv = (ctypes.c_long * 4)(978_307_200, 250_000, 978_307_201, 0)  # two timevals
facts["utimes_rc"] = libc.syscall(235, stamped.encode(), tv)
facts["futimesat_rc"] = libc.syscall(261, AT_FDCWD, b"stamped.txt", None)  # relative, now
buf = (ctypes.c_long * 2)(1_009_843_200, 1_009_843_201)  # struct utimbuf
facts["utime_rc"] = libc.syscall(132, stamped.encode(), buf)
fd = os.open(stamped, os.O_RDONLY)
os.utime(fd, ns=(1_041_379_200_000_000_000, 1_041_379_200_000_000_000))  # futimens
facts["stamped_fd"] = fd
os.close(fd)

# 9. BPF: a map and a program loaded by hand (two instructions: r0 = 0; exit).
attr = ctypes.create_string_buffer(128)
struct.pack_into("<IIIII", attr, 0, 2, 4, 8, 1, 0)  # array, key 4, value 8, 1 entry
attr[28 : 28 + 11] = b"tracee_map\0"
map_fd = libc.syscall(321, 0, attr, 72)  # BPF_MAP_CREATE
insns = (ctypes.c_uint64 * 2)(0x00000000000000B7, 0x0000000000000095)
license_ = ctypes.create_string_buffer(b"GPL")
attr = ctypes.create_string_buffer(128)
struct.pack_into("<IIQQ", attr, 0, 1, 2, ctypes.addressof(insns), ctypes.addressof(license_))
attr[48 : 48 + 12] = b"tracee_prog\0"
prog_fd = libc.syscall(321, 5, attr, 128)  # BPF_PROG_LOAD, a socket filter
facts.update(map_fd=map_fd, prog_fd=prog_fd)
for obj in (map_fd, prog_fd):
    if obj >= 0:
        os.close(obj)

# 10. The process renames itself: prctl(PR_SET_NAME), then a write to /proc/self/comm.
#     (Everything above ran under the old name; exec's own renames are no rows.)
facts["tid"] = threading.get_native_id()
with open("/proc/self/comm") as comm:
    facts["comm"] = comm.read().strip()
libc.prctl(15, b"tracee-renamed", 0, 0, 0)
with open("/proc/self/comm", "w") as comm:
    comm.write("tracee-comm2")
print(json.dumps(facts))
