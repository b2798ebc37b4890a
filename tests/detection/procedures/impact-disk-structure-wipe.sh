#!/bin/bash
# Destroy a disk's structures the way wipers do, on a 16 MiB image file in the overlaid /tmp and the loop device made from it, nothing else: erase the file-system signature with wipefs -a, zap the partition tables with sgdisk (a stand-in, a copy of /bin/true in the overlaid /usr/local/bin: gdisk is not installed) and overwrite the first sector with dd.
# technique: T1561.002 T1561.001
# expect: disk-structure-wipe block-device-wipe
set -eu
cd "$TPY_WORK"
cp /bin/true /usr/local/bin/sgdisk
truncate -s 16M disk.img
mkfs.ext4 -q -F disk.img
wipefs -a disk.img
dev=$(losetup --find --show "$TPY_WORK/disk.img")
trap 'losetup -d "$dev"' EXIT
sgdisk --zap-all "$dev"
dd if=/dev/zero of="$dev" bs=512 count=1 status=none
