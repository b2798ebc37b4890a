#!/usr/bin/env bash
# A small, harmless "incident" on loopback for the demo recording:
# a payload is fetched from a local web server into a hidden temp directory, made
# executable and run; it reads /etc/shadow and connects to a mining-pool style port.
set -u
work=$(mktemp -d /tmp/tracee-demo.XXXXXX)
mkdir -p "$work/www" "$work/.cache"
cat > "$work/www/update.sh" <<'PAYLOAD'
#!/bin/sh
cat /etc/shadow > /dev/null
python3 -c 'import socket; s = socket.socket(); s.settimeout(1); s.connect_ex(("127.0.0.1", 3333)); s.close()'
echo "payload ran as $(id -un) in $(pwd)"
PAYLOAD
python3 -m http.server 8765 --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
server=$!
python3 - "$work" <<'PY'
import sys, time, urllib.request
for _ in range(50):
    try:
        data = urllib.request.urlopen("http://127.0.0.1:8765/update.sh", timeout=1).read()
        break
    except OSError:
        time.sleep(0.1)
open(sys.argv[1] + "/.cache/update.sh", "wb").write(data)
PY
chmod +x "$work/.cache/update.sh"
"$work/.cache/update.sh"
kill "$server"
wait "$server" 2>/dev/null
rm -rf "$work"
