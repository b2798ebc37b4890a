#!/bin/bash
# Everyday admin and developer commands that come close to the impact, execution and discovery signatures without being them: free space of one folder and the mount behind it, an image file made with dd and mkfs whose signatures wipefs lists (without erasing), Node one-liners that print and run a child program, a service restarted and reboot.target's status asked for by hand, a local host-name lookup (no account or group lookups: the local discovery building blocks rightly fire on those), the journal's disk usage, an application's log folder, notes about backups grepped, a D-Bus name listing, a text file in Downloads read.
# technique: T1680 T1059.007 T1569.003
set -eu
export LC_ALL=C
cd "$TPY_WORK"
df -P "$TPY_WORK" > /dev/null
findmnt -T "$TPY_WORK" > /dev/null || true
dd if=/dev/zero of=blank.img bs=512 count=2048 status=none
mkfs.ext4 -q -F blank.img
wipefs blank.img > /dev/null
node -e "console.log(process.version)"
node -e "require('child_process').execFileSync('true')"
systemctl restart nginx > /dev/null 2>&1 || true
systemctl status reboot.target > /dev/null 2>&1 || true
systemd-run --version > /dev/null
getent hosts localhost > /dev/null
journalctl --disk-usage > /dev/null 2>&1 || true
ls /var/log/apt > /dev/null
date +%Z
printf 'nightly backup ran at 02:00\n' > notes.txt
grep -c backup notes.txt
mkdir -p backups && ls backups
dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.ListNames > /dev/null 2>&1 || true
mkdir -p /root/Downloads && printf 'notes\n' > /root/Downloads/readme.txt && cat /root/Downloads/readme.txt > /dev/null
