#!/bin/bash
# Ordinary proxy use and look-alike options: curl and wget through a proxy on loopback
# (a local caching proxy, played by python's http.server), curl with a short intranet
# proxy name that does not resolve, and curl -X POST/PUT (the upper-case -X is the method).
set -eu
export LC_ALL=C
python3 -m http.server 18439 --bind 127.0.0.1 --directory "$TPY_WORK" </dev/null >/dev/null 2>&1 &
proxy=$!
for _ in $(seq 50); do
    curl -s -o /dev/null http://127.0.0.1:18439/ && break
    sleep 0.1
done
curl -s -m 5 -o /dev/null -x http://127.0.0.1:18439 http://127.0.0.1:9/page || true
curl -s -m 5 -o /dev/null --proxy localhost:18439 http://127.0.0.1:9/page || true
wget -q -T 5 -t 1 -O /dev/null -e use_proxy=yes -e http_proxy=http://127.0.0.1:18439 \
    http://127.0.0.1:9/page || true
curl -s -m 3 -o /dev/null -x http://proxy:3128 http://127.0.0.1:9/page || true
curl -s -m 5 -o /dev/null -X POST -d 'a=1' http://127.0.0.1:18439/form || true
curl -s -m 5 -o /dev/null -X PUT http://127.0.0.1:18439/form || true
kill "$proxy"
wait "$proxy" 2>/dev/null || true
