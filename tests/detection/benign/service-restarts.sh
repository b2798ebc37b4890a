#!/bin/bash
# A service restarted several times the ordinary ways (stopped with SIGTERM twice, killed with SIGKILL twice, by the script that started it), and a test suite that checks one helper crashes cleanly: a single deliberate abort (SIGABRT), and a single segfault of a different program.
# technique: T1499.004
set -eu
py=$(python3 -c 'import sys; print(sys.executable)')  # the interpreter itself, not a pyenv shim
cp /usr/bin/sleep "$TPY_WORK/worker"
for sig in TERM TERM KILL KILL; do
    "$TPY_WORK/worker" 30 &
    svc=$!
    sleep 0.2
    kill "-$sig" "$svc"
    wait "$svc" || true
done
"$py" -c 'import os; os.abort()' || echo "helper aborted as the test expects"
cp /usr/bin/sleep "$TPY_WORK/segv-helper"
"$TPY_WORK/segv-helper" 30 &
helper=$!
sleep 0.2
kill -SEGV "$helper"
wait "$helper" || echo "helper crashed as the test expects"
