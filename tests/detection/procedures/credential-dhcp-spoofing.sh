#!/bin/bash
# Rogue DHCP server: a small Python program binds the DHCP server port and waits for
# DISCOVER messages to answer with itself as the gateway. It binds on 127.0.0.1 only, so
# no real client can reach it, and gives up after a second.
# technique: T1557.003
# expect: rogue-dhcp-server
set -eu
/usr/bin/python3 - <<'PY'
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 67))
s.settimeout(1.0)
try:
    s.recvfrom(1500)
except TimeoutError:
    print("no DHCPDISCOVER seen")
PY
