#!/bin/bash
# Serve /etc over a one-line Python web server on loopback and pull /etc/passwd through it, as an intruder exposing a host's files would.
# technique: T1048.003
# expect: http-server-exfil
set -eu
port=$((20000 + $$ % 20000))
cd /etc
/usr/bin/python3 -m http.server --bind 127.0.0.1 "$port" > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -sf -o "$TPY_WORK/passwd" "http://127.0.0.1:$port/passwd" && break
    sleep 0.1
done
kill "$server"
wait || true
grep -q root "$TPY_WORK/passwd"
