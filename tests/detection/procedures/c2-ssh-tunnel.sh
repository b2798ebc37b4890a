#!/bin/bash
# Ask ssh for a reverse tunnel and a SOCKS proxy to a loopback address (no sshd listens there, so the connection is refused after the exec).
# technique: T1572 T1090
# expect: tunnel-via-ssh
set -eu
opts=(-o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
ssh "${opts[@]}" -f -N -R 2222:127.0.0.1:22 tunnel@127.0.0.1 -p 1 2> /dev/null || true
ssh "${opts[@]}" -N -D 127.0.0.1:1080 tunnel@127.0.0.1 -p 1 2> /dev/null || true
