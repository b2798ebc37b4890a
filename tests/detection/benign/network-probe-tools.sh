#!/bin/bash
# A network engineer checking a firewall rule with a few probe packets (hping3 -S is its SYN flag, -c 3 a count; nping at a slow rate), and a metrics client sending 200 UDP datagrams to a local statsd port from an ordinary datagram socket. hping3 and nping are not installed: stand-ins (copies of /bin/true named after them in /usr/local/bin of the overlay) are run, since the signatures key on their names and arguments.
# technique: T1498.001 T1498.002
set -eu
mkdir -p /usr/local/bin
for tool in hping3 nping; do cp /bin/true "/usr/local/bin/$tool"; done
/usr/local/bin/hping3 -S -p 443 -c 3 127.0.0.1
/usr/local/bin/hping3 --traceroute -V -1 -c 5 127.0.0.1
/usr/local/bin/nping --tcp -p 22 --rate 10 -c 5 127.0.0.1
python3 - <<'PY'
import socket

metrics = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    metrics.sendto(f"app.requests:{i}|c".encode(), ("127.0.0.1", 8125))
metrics.close()
PY
