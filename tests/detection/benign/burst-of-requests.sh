#!/bin/bash
# A client fetching several things from one local server in a quick burst (as a browser or
# a package manager does), then one more request after a pause: many connections to one
# peer, but not on a timer.
set -eu
python3 - <<'PY'
import os, socket, time

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
port = srv.getsockname()[1]
if os.fork() == 0:
    for pause in (0, 0, 0, 0, 0, 0, 0, 1.5):
        time.sleep(pause)
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        c.recv(100)
        c.close()
    os._exit(0)
for _ in range(8):
    conn, _ = srv.accept()
    conn.recv(100)
    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
    conn.close()
os.wait()
PY
