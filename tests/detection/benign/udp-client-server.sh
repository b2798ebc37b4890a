#!/bin/bash
# Ordinary UDP: a Python client sends a query to a loopback UDP server of the script and
# reads the answer (as a DNS or syslog client does), then runs a shell command whose stdio
# is the terminal's, not the socket.
set -eu
python3 - <<'PY'
import socket, subprocess
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("127.0.0.1", 0))
cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cli.connect(srv.getsockname())
cli.send(b"query")
data, peer = srv.recvfrom(100)
srv.sendto(b"answer", peer)
cli.recv(100)
subprocess.run(["/bin/sh", "-c", "echo done > /dev/null"], check=True)
PY
