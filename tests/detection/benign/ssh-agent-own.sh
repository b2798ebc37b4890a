#!/bin/bash
# A user starts an SSH agent of their own, adds a throwaway key and lists it: the socket
# and its client belong to the same uid.
set -eu
ssh-keygen -q -t ed25519 -N '' -f "$TPY_WORK/id_test" > /dev/null
dir=$(mktemp -d /tmp/ssh-XXXXXXXXXX)
sock="$dir/agent.$$"
ssh-agent -D -a "$sock" > /dev/null &
agent=$!
trap 'kill "$agent" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    [ -S "$sock" ] && break
    sleep 0.1
done
SSH_AUTH_SOCK="$sock" ssh-add -q "$TPY_WORK/id_test"
SSH_AUTH_SOCK="$sock" ssh-add -l > /dev/null
