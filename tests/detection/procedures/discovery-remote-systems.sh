#!/bin/bash
# Look for neighbouring hosts: the ARP cache, /etc/hosts, and a sweep of port 22 over loopback addresses.
# technique: T1018
# expect: remote-system-discovery
set -eu
export LC_ALL=C
arp -a 2>/dev/null || true
ip neigh show
cat /etc/hosts >/dev/null
/usr/bin/python3 -I -S - <<'PY'
import socket
for host in range(2, 12):
    s = socket.socket()
    s.settimeout(0.2)
    if s.connect_ex((f"127.0.0.{host}", 22)) == 0:
        print("up", host)
    s.close()
PY
