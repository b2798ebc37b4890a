#!/bin/bash
# List the loaded kernel modules and look one up.
# technique: T1652
# expect: device-driver-discovery
set -eu
export LC_ALL=C
lsmod | head -n 5
cat /proc/modules | cut -d' ' -f1 | head -n 5
modinfo ext4 2>/dev/null | head -n 3 || true
