#!/bin/bash
# Hijack another user's SSH agent: an agent runs as the unprivileged user "nobody" (as a
# logged-in admin's forwarded agent would), and root points SSH_AUTH_SOCK at its socket
# and asks it for keys. The agent holds no keys and everything stays in the script's
# overlaid /tmp; the agent is stopped by its pid at the end.
# technique: T1563.001
# expect: ssh-agent-hijack
set -eu
dir=$(mktemp -d /tmp/ssh-XXXXXXXXXX)
chown 65534:65534 "$dir"
chmod 700 "$dir"
sock="$dir/agent.4242"
setpriv --reuid=65534 --regid=65534 --clear-groups ssh-agent -D -a "$sock" > /dev/null &
agent=$!
trap 'kill "$agent" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    [ -S "$sock" ] && break
    sleep 0.1
done
[ -S "$sock" ]
SSH_AUTH_SOCK="$sock" ssh-add -l || true
