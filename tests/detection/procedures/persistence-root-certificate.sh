#!/bin/bash
# Make a certificate authority of our own and install it as a trusted root of the system: into
# the local certificate folder, and appended straight to the bundle TLS clients read.
# technique: T1553.004
# expect: ca-trust-store-change
set -eu
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=Corp Inspection Root' \
    -keyout "$TPY_WORK/root.key" -out "$TPY_WORK/root.crt" 2>/dev/null
cp "$TPY_WORK/root.crt" /usr/local/share/ca-certificates/corp-inspection-root.crt
cat "$TPY_WORK/root.crt" >> /etc/ssl/certs/ca-certificates.crt
grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt
