#!/bin/bash
# Find where the host is: a geo-IP lookup (the service's name pinned to a web server on 127.0.0.1 with curl --resolve, so nothing leaves the machine), the configured time zone file and the zone that /etc/localtime points to, and timedatectl's zone (no systemd here, so it fails after the exec).
# technique: T1614
# expect: system-location-discovery
set -eu
cd "$TPY_WORK"
port=18462
mkdir -p www && printf '{"ip": "203.0.113.7", "country": "ZZ"}\n' > www/json
/usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory www > /dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/json" && break; sleep 0.1; done
curl -s -m 5 --resolve "ipinfo.io:$port:127.0.0.1" "http://ipinfo.io:$port/json"
cat /etc/timezone
readlink -f /etc/localtime
timedatectl show -p Timezone --value 2> /dev/null || true
