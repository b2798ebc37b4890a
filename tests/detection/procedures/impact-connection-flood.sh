#!/bin/bash
# A slowloris-style service exhaustion flood on loopback only: a throwaway local HTTP-like server (Python, started by this script) and one Python client process that opens 150 connections to it, sends each a partial request header and holds them all open for a moment, then closes them. Bounded: 150 connections, one local port.
# technique: T1499.002
# expect: connection-flood
set -eu
python3 - <<'PY'
import os
import socket
import time

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(256)
port = srv.getsockname()[1]
pid = os.fork()
if pid == 0:
    held = []
    for _ in range(150):
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-a: ")  # never finished
        held.append(c)
    time.sleep(0.5)
    for c in held:
        c.close()
    os._exit(0)
accepted = []
for _ in range(150):
    conn, _ = srv.accept()
    accepted.append(conn)
os.waitpid(pid, 0)
for conn in accepted:
    conn.close()
print("held 150 connections")
PY
