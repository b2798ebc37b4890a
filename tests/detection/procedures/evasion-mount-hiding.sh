#!/bin/bash
# Hide with mounts: an empty directory bind-mounted over /proc/PID of a running process, so ps and /proc readers lose it, and a file system image mounted on a hidden directory under /var/tmp.
# technique: T1564.013 T1564.005
# expect: proc-pid-bind-mount hidden-directory-mount
set -eu
# The runner gives this script a private mount namespace: both mounts vanish with it.
sleep 60 &
victim=$!
mkdir -p "$TPY_WORK/empty"
mount --bind "$TPY_WORK/empty" "/proc/$victim"
ls "/proc/$victim" > /dev/null
umount "/proc/$victim"
kill "$victim"
wait "$victim" 2> /dev/null || true
# A small ext4 image in the overlay, mounted through a loop device that mount detaches
# again at umount (autoclear).
truncate -s 4M "$TPY_WORK/fonts.img"
mkfs.ext4 -q -F "$TPY_WORK/fonts.img"
mkdir -p /var/tmp/.fontconfig
mount -o loop "$TPY_WORK/fonts.img" /var/tmp/.fontconfig
printf 'stash\n' > /var/tmp/.fontconfig/notes
umount /var/tmp/.fontconfig
