#!/bin/bash
# Download a command-line tool from a local web server into ~/bin with curl and run it; the tool talks to its API, a second local port. An ordinary way to install a single-binary client (kubectl, terraform, a vendor CLI). Both servers are one Python process on ephemeral loopback ports that ends after the call.
# technique: T1104
set -eu
cat > servers.py <<'PY'
import http.server
import socket
import sys
import threading

api = socket.socket()
api.bind(("127.0.0.1", 0))
api.listen(1)
tool = (
    "#!/usr/bin/python3\n"
    "# tpyctl: ask the API for its status\n"
    "import socket\n"
    f"s = socket.create_connection(('127.0.0.1', {api.getsockname()[1]}))\n"
    "s.sendall(b'status\\n')\n"
    "print('api:', s.recv(100).decode().strip())\n"
).encode()


class Download(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(tool)))
        self.end_headers()
        self.wfile.write(tool)

    def log_message(self, *args) -> None:
        pass


web = http.server.HTTPServer(("127.0.0.1", 0), Download)
threading.Thread(target=web.serve_forever, daemon=True).start()
with open(sys.argv[1], "w") as f:
    f.write(str(web.server_address[1]))
api.settimeout(60)
conn, _ = api.accept()
conn.recv(100)
conn.sendall(b"ok\n")
conn.close()
PY
/usr/bin/python3 servers.py web.port &
servers=$!
for _ in $(seq 50); do [ -s web.port ] && break; sleep 0.1; done
mkdir -p /root/bin
curl -s -o /root/bin/tpyctl "http://127.0.0.1:$(cat web.port)/tpyctl"
chmod +x /root/bin/tpyctl
/root/bin/tpyctl > status.txt
wait "$servers"
grep -q "api: ok" status.txt
