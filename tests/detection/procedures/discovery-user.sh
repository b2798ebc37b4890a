#!/bin/bash
# Ask who we are and who else is logged in.
# technique: T1033
# expect: user-discovery
set -eu
export LC_ALL=C
whoami
id
who || true
w -h || true
last -n 3 2>/dev/null || true
