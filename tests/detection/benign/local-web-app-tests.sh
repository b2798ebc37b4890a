#!/bin/bash
# A test run against a local development web server: one client process makes 60 short HTTP requests, each on a new connection (well under the flood threshold), and another reuses a single kept-alive connection for 100 requests.
# technique: T1499.002
set -eu
python3 - <<'PY'
import os
import socket

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(64)
port = srv.getsockname()[1]
pid = os.fork()
if pid == 0:
    for _ in range(60):
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        c.recv(100)
        c.close()
    keep = socket.create_connection(("127.0.0.1", port))
    for _ in range(100):
        keep.sendall(b"GET /item HTTP/1.1\r\nHost: localhost\r\n\r\n")
        keep.recv(100)
    keep.close()
    os._exit(0)
for _ in range(60):
    conn, _ = srv.accept()
    conn.recv(100)
    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
    conn.close()
conn, _ = srv.accept()
for _ in range(100):
    conn.recv(100)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
conn.close()
os.waitpid(pid, 0)
PY
