#!/bin/bash
# Start a small web service as a daemon with start-stop-daemon, use it, and stop it.
set -eu
mkdir -p site
echo "<h1>status ok</h1>" > site/index.html
start-stop-daemon --start --background --make-pidfile --pidfile "$TPY_WORK/web.pid" \
    --chdir "$TPY_WORK/site" --exec /usr/bin/python3 -- -m http.server 8765 --bind 127.0.0.1
for _ in $(seq 50); do
    curl -fsS http://127.0.0.1:8765/ && break
    sleep 0.2
done
start-stop-daemon --stop --pidfile "$TPY_WORK/web.pid" --retry 5
