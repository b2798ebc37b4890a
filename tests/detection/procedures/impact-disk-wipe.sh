#!/bin/bash
# Wipe a disk: attach a loop device to a throwaway image file in the work directory and overwrite it with zeros with dd (never a real disk).
# technique: T1561.001
# expect: block-device-wipe
set -eu
truncate -s 8M "$TPY_WORK/disk.img"
dev=$(losetup --find --show "$TPY_WORK/disk.img")
trap 'losetup -d "$dev"' EXIT
case $dev in /dev/loop*) ;; *) echo "not a loop device: $dev" >&2; exit 1 ;; esac
dd if=/dev/zero of="$dev" bs=1M count=8 conv=fsync 2> /dev/null
