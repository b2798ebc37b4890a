#!/bin/bash
# A client that retries its one server until the server is up (as services do at boot):
# two refused connections to a port, then the server starts there and the third attempt
# succeeds. Same address, same port.
set -eu
python3 - <<'PY'
import os, socket, time

probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
for _ in range(2):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        pass
    s.close()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
s = socket.create_connection(("127.0.0.1", port))
conn, _ = srv.accept()
s.close()
conn.close()
PY
