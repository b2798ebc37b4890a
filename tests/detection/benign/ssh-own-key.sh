#!/bin/bash
# Root uses a deploy key of its own, kept in /root/.ssh, with ssh -i and -o IdentityFile
# (an interactive login attempt to 127.0.0.1 port 1, refused since nothing listens).
set -eu
mkdir -p /root/.ssh
ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/deploy_key > /dev/null
opts=(-o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
ssh "${opts[@]}" -i /root/.ssh/deploy_key -p 1 deploy@127.0.0.1 2> /dev/null || true
ssh "${opts[@]}" -o IdentityFile=/root/.ssh/deploy_key -p 1 deploy@127.0.0.1 2> /dev/null || true
