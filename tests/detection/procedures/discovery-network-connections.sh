#!/bin/bash
# List open connections and listening sockets.
# technique: T1049
# expect: network-connections-discovery
set -eu
export LC_ALL=C
ss -tuna | head -n 5
netstat -ant 2>/dev/null | head -n 5 || true
cat /proc/net/tcp >/dev/null
