#!/bin/bash
# Look for private key files by name and by their PEM header across home folders and /etc.
# technique: T1552.004
# expect: private-key-search
set -eu
mkdir -p /home/dev/.ssh /home/dev/certs
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n' \
    > /home/dev/.ssh/id_rsa
printf -- '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n' \
    > /home/dev/certs/server.key
find /home /etc -name 'id_rsa*' -o -name '*.pem' -o -name '*.key' > "$TPY_WORK/keys.txt"
grep -rl 'PRIVATE KEY' /home > "$TPY_WORK/pem.txt" || true
wc -l "$TPY_WORK/keys.txt" "$TPY_WORK/pem.txt"
