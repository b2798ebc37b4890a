#!/bin/bash
# Ordinary web fetches next to shells: a one-time `curl | sh` installer from a local
# server, a health-check loop that polls one URL and then runs a report script from a
# file each time, and a loop that downloads several different pages and runs a fixed
# `sh -c` command after each.
set -eu
export LC_ALL=C
mkdir -p "$TPY_WORK/www" "$TPY_WORK/out"
printf 'echo installing tool\nmkdir -p "$TPY_WORK/out/tool"\n' > "$TPY_WORK/www/install.sh"
printf 'ok\n' > "$TPY_WORK/www/health"
for page in a b c; do printf 'page %s\n' "$page" > "$TPY_WORK/www/$page.html"; done
printf 'echo "report: $(date +%%s)" >> "$TPY_WORK/out/report.log"\n' > "$TPY_WORK/report.sh"
python3 -m http.server 18437 --bind 127.0.0.1 --directory "$TPY_WORK/www" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -s -o /dev/null http://127.0.0.1:18437/ && break
    sleep 0.1
done

# installer, once
curl -fsSL http://127.0.0.1:18437/install.sh | sh

# health checks, each followed by a report script kept on disk
for round in 1 2 3; do
    curl -fs http://127.0.0.1:18437/health >/dev/null
    sh "$TPY_WORK/report.sh"
    sleep 0.3
done

# mirror a few pages, counting lines after each
for page in a b c; do
    wget -q -O "$TPY_WORK/out/$page.html" "http://127.0.0.1:18437/$page.html"
    sh -c 'wc -l "$1" >/dev/null' count "$TPY_WORK/out/$page.html"
done
kill "$server"
wait "$server" 2>/dev/null || true
