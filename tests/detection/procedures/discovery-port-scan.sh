#!/bin/bash
# Scan loopback ports, first with bash's /dev/tcp, then with a Python connect scan.
# technique: T1046
# expect: network-service-scan
set -eu
export LC_ALL=C
for port in $(seq 20 45); do
    { echo > "/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && echo "open $port" || true
done
/usr/bin/python3 -I -S - <<'PY'
import socket
for port in range(8000, 8030):
    s = socket.socket()
    s.settimeout(0.2)
    if s.connect_ex(("127.0.0.1", port)) == 0:
        print("open", port)
    s.close()
PY
