#!/bin/bash
# Map the host's storage the way wipers and ransomware do before choosing targets: block devices, file-system signatures, every mounted file system, the partition list and fstab.
# technique: T1680
# expect: local-storage-discovery
set -eu
export LC_ALL=C
lsblk
blkid || true
df -h
findmnt > /dev/null
cat /proc/partitions
cat /etc/fstab || true
