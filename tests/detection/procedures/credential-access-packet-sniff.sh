#!/bin/bash
# Open a packet socket on every interface and a raw ICMP socket, as a sniffer or a
# BPFDoor-style backdoor does, read for a moment, close.
# technique: T1040
# expect: packet-or-raw-socket
set -eu
python3 - <<'PY'
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.settimeout(0.2)
try:
    s.recv(2048)
except OSError:
    pass
s.close()
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
PY
