#!/bin/bash
# Check whether the host reaches the internet and learn its public address from what-is-my-IP services, the way malware decides between direct C2 and a proxy. The names are pinned to a web server on 127.0.0.1 with curl --resolve, so nothing leaves the machine.
# technique: T1016.001
# expect: internet-connection-discovery
set -eu
cd "$TPY_WORK"
port=18461
mkdir -p www && printf '203.0.113.7\n' > www/ip
/usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory www > /dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/ip" && break; sleep 0.1; done
curl -s -m 5 --resolve "ifconfig.me:$port:127.0.0.1" "http://ifconfig.me:$port/ip"
curl -s -m 5 --resolve "icanhazip.com:$port:127.0.0.1" "http://icanhazip.com:$port/ip"
