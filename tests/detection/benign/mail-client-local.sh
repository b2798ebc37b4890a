#!/bin/bash
# Ordinary network clients on their own ports: curl fetching a page from a loopback web
# server, and a Python client talking to a local service on an ephemeral port.
set -eu
python3 - <<'PY'
import os, socket

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(2)
port = srv.getsockname()[1]
if os.fork() == 0:
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    c.close()
    os._exit(0)
conn, _ = srv.accept()
conn.close()
os.wait()
PY
curl -s --max-time 2 http://127.0.0.1:1/ -o /dev/null || true
