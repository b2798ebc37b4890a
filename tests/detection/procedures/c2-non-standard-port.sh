#!/bin/bash
# Reach a command server on an unusual port from a shell and from one-line scripts, the way
# reverse shells and quick C2 channels do: bash through /dev/tcp and `python3 -c` connect
# to a loopback listener the script starts on a free port between 4000 and 4999.
# technique: T1571
# expect: non-standard-port-shell
set -eu
port=$(python3 -c '
import socket
for p in range(4444, 5000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    s.close()
    print(p)
    break
')
python3 - "$port" > /dev/null <<'PY' &
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(4)
srv.settimeout(20)
for _ in range(2):
    try:
        conn, _ = srv.accept()
        conn.recv(100)
        conn.close()
    except OSError:
        break
PY
listener=$!
sleep 1
bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; echo hello >&3; exec 3>&-"
python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1]))); s.sendall(b'hi'); s.close()" "$port"
wait "$listener"
