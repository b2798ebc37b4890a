#!/bin/bash
# An ordinary local server: listen, accept one connection, answer it, run a shell command
# from a child whose stdio is not the socket.
set -eu
python3 - <<'PY'
import os, socket, subprocess
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
port = srv.getsockname()[1]
if os.fork() == 0:
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"ping")
    c.recv(4)
    c.close()
    os._exit(0)
conn, _ = srv.accept()
conn.sendall(conn.recv(4))
conn.close()
subprocess.run(["/bin/sh", "-c", "true"], check=True)
os.wait()
PY
