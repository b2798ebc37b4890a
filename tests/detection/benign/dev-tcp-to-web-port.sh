#!/bin/bash
# A shell checking a local web port through /dev/tcp and a one-line Python client talking
# to a local test server that bound port 0 (an ephemeral port): ports and addresses that
# ordinary scripts use.
set -eu
python3 - > /dev/null <<'PY'
import os, socket, subprocess
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(2)
port = srv.getsockname()[1]
child = subprocess.Popen(["python3", "-c",
    "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1]))); s.close()",
    str(port)])
conn, _ = srv.accept()
conn.close()
child.wait()
PY
bash -c 'exec 3<>/dev/tcp/127.0.0.1/80' 2>/dev/null || true
