#!/bin/bash
# List installed packages, looking for compilers and vulnerable versions.
# technique: T1518
# expect: software-discovery
set -eu
export LC_ALL=C
dpkg -l | grep -E 'gcc|openssl|sudo' | head -n 5 || true
dpkg-query -W -f='${Package} ${Version}\n' | head -n 5
