#!/bin/bash
# Knock a service over again and again with crafted input: a throwaway loopback "service" (a Python script started by this script) crashes with a real SIGSEGV when a request carries an oversized header, and a supervisor loop restarts it; the attacker sends the malformed request four times, so the service dies four times in a row.
# technique: T1499.004
# expect: service-crash-loop
set -eu
cat > "$TPY_WORK/svc.py" <<'PY'
import ctypes
import socket
import sys

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(4)
open(sys.argv[2], "w").close()  # ready
conn, _ = srv.accept()
request = conn.recv(65536)
if len(request) > 1024:
    ctypes.string_at(0)  # the "parser bug": a NULL dereference, the process gets SIGSEGV
conn.sendall(b"ok")
PY
py=$(python3 -c 'import sys; print(sys.executable)')  # the interpreter itself, not a pyenv shim
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for round in 1 2 3 4; do
    rm -f "$TPY_WORK/ready"
    "$py" "$TPY_WORK/svc.py" "$port" "$TPY_WORK/ready" &
    svc=$!
    for _ in $(seq 1 100); do [ -e "$TPY_WORK/ready" ] && break; sleep 0.05; done
    "$py" -c 'import socket, sys; c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); c.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"A" * 4000 + b"\r\n\r\n"); c.close()' "$port"
    status=0
    wait "$svc" || status=$?
    echo "round $round: service exited with $status"
done
