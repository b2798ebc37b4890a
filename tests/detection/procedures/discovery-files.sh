#!/bin/bash
# Hunt the file system for setuid programs, world-writable directories and keys.
# technique: T1083
# expect: file-directory-discovery
set -eu
export LC_ALL=C
find / -xdev -maxdepth 3 -perm -4000 -type f 2>/dev/null | head -n 5 || true
find /home /root -maxdepth 3 -name 'id_*' 2>/dev/null | head -n 5 || true
ls -laR /etc/ssh >/dev/null 2>&1 || true
ls -R /root >/dev/null 2>&1 || true
