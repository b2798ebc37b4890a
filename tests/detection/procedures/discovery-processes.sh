#!/bin/bash
# List running processes and look through /proc for their command lines.
# technique: T1057
# expect: process-discovery
set -eu
export LC_ALL=C
ps aux | head -n 5
pgrep -l bash | head -n 3 || true
top -b -n 1 | head -n 5
cat $(ls -d /proc/[0-9]* | head -n 20 | sed 's|$|/cmdline|') 2>/dev/null | tr '\0' ' ' | head -c 2000 >/dev/null
