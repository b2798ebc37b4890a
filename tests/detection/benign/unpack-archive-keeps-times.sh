#!/bin/bash
# Ordinary work that sets old file times: unpack an archive, copy with -p, and an account
# tool keeping a backup of the passwd file.
set -eu
mkdir -p "$TPY_WORK/src"
printf 'hello\n' > "$TPY_WORK/src/a.txt"
tar -C "$TPY_WORK/src" -cf "$TPY_WORK/a.tar" a.txt
mkdir -p "$TPY_WORK/out"
tar -C "$TPY_WORK/out" -xf "$TPY_WORK/a.tar"
cp -p /bin/ls "$TPY_WORK/out/ls-copy"
touch "$TPY_WORK/out/a.txt"
# An account tool keeps the previous passwd file as passwd- with that file's times (here in
# a copy of /etc under --prefix, so the machine's accounts are not touched).
mkdir -p "$TPY_WORK/root/etc"
cp -p /etc/passwd /etc/group "$TPY_WORK/root/etc/"
usermod --prefix "$TPY_WORK/root" -c 'Backup operator' nobody
