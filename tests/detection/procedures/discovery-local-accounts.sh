#!/bin/bash
# List the local accounts, the root-equivalent ones and the accounts that ever logged in.
# technique: T1087.001
# expect: local-account-discovery
set -eu
export LC_ALL=C
getent passwd | cut -d: -f1 | head -n 5
grep -E ':x:0:' /etc/passwd
awk -F: '$7 !~ /nologin|false/ {print $1}' /etc/passwd
lastlog 2>/dev/null | head -n 3 || true
