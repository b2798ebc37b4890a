#!/bin/bash
# Copy the password hashes out of /etc/shadow for offline cracking.
# technique: T1003.008
# expect: shadow-read
set -eu
cat /etc/shadow > "$TPY_WORK/hashes"
grep -c : "$TPY_WORK/hashes"
