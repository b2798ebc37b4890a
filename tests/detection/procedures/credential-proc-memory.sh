#!/bin/bash
# Search another process's memory for a password through /proc/PID/maps and /proc/PID/mem,
# the way mimipenguin scrapes shells and keyrings.
# technique: T1003.007
# expect: proc-memory-read
set -eu
bash -c 'secret="hunter2-not-a-real-password"; sleep 30; echo "$secret" > /dev/null' &
victim=$!
sleep 0.5
/usr/bin/python3 - "$victim" > "$TPY_WORK/found.txt" <<'PY'
import re
import sys

pid = sys.argv[1]
found = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) rw", line)
        if not m or not ("[heap]" in line or "[stack]" in line):
            continue
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        mem.seek(start)
        found += mem.read(end - start).count(b"hunter2")
print("matches:", found)
PY
kill "$victim"
wait "$victim" || true
cat "$TPY_WORK/found.txt"
