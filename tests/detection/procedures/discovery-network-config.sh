#!/bin/bash
# List interfaces, addresses, routes and name servers.
# technique: T1016
# expect: network-config-discovery
set -eu
export LC_ALL=C
ip addr show
ip route
ifconfig -a >/dev/null 2>&1 || true
route -n || true
cat /etc/resolv.conf >/dev/null 2>&1 || true
cat /proc/net/route >/dev/null
