#!/bin/bash
# Ordinary work that sets old file times: unpack an archive and copy with -p.
set -eu
mkdir -p "$TPY_WORK/src"
printf 'hello\n' > "$TPY_WORK/src/a.txt"
tar -C "$TPY_WORK/src" -cf "$TPY_WORK/a.tar" a.txt
mkdir -p "$TPY_WORK/out"
tar -C "$TPY_WORK/out" -xf "$TPY_WORK/a.tar"
cp -p /bin/ls "$TPY_WORK/out/ls-copy"
touch "$TPY_WORK/out/a.txt"
