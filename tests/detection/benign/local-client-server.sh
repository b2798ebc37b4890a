#!/bin/bash
# A local server answering a client, and a separate client process talking to it: the
# server accepts but never connects anywhere itself; the client connects but never accepts.
set -eu
python3 - <<'PY'
import os, socket

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
port = srv.getsockname()[1]
if os.fork() == 0:
    for _ in range(2):
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(b"ping\n")
        c.recv(10)
        c.close()
    os._exit(0)
for _ in range(2):
    conn, _ = srv.accept()
    conn.sendall(conn.recv(10))
    conn.close()
os.wait()
PY
