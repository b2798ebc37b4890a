#!/bin/bash
# Ordinary network sockets: TCP, UDP, unix, netlink, and an ICMP datagram (ping) socket.
set -eu
python3 - <<'PY'
import socket
for family, kind, proto in [
    (socket.AF_INET, socket.SOCK_STREAM, 0),
    (socket.AF_INET6, socket.SOCK_DGRAM, 0),
    (socket.AF_UNIX, socket.SOCK_STREAM, 0),
    (socket.AF_NETLINK, socket.SOCK_RAW, 0),
    (socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP),
]:
    try:
        socket.socket(family, kind, proto).close()
    except OSError:
        pass
PY
