#!/bin/bash
# Inspect the boot setup and back up a disk's boot record: list /boot, read the GRUB
# defaults, copy the first sector of a (loop, overlay-backed) disk into a file.
set -eu
ls -l /boot > /dev/null
cat /etc/default/grub > /dev/null 2>&1 || true
truncate -s 8M "$TPY_WORK/disk.img"
loop=$(losetup --find --show "$TPY_WORK/disk.img")
dd if="$loop" of="$TPY_WORK/mbr.bak" bs=512 count=1 status=none
losetup -d "$loop"
ls -l "$TPY_WORK/mbr.bak"
