#!/bin/bash
# A small Python web application doing ordinary work for a request: it calls `date` and
# `git --version` as subprocesses (no shell, nothing from the request), and curl fetches
# the page twice. The server is stopped by its pid at the end.
set -eu
cat > "$TPY_WORK/app.py" <<'PY'
import http.server, subprocess

class Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        out = subprocess.run(["date", "-u"], capture_output=True).stdout
        out += subprocess.run(["git", "--version"], capture_output=True).stdout
        self.send_response(200)
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Status)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$TPY_WORK/app.py" > "$TPY_WORK/port" &
app=$!
trap 'kill "$app" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    [ -s "$TPY_WORK/port" ] && break
    sleep 0.1
done
port=$(cat "$TPY_WORK/port")
curl -fsS "http://127.0.0.1:$port/" > /dev/null
curl -fsS "http://127.0.0.1:$port/status" > /dev/null
