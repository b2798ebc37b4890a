#!/bin/bash
# An implant's call-home loop: one Python process connects to a loopback "command server"
# every second, sends a check-in line, reads the (empty) task list and hangs up, seven
# times. The server is a listener the script starts and stops.
# technique: T1071
# expect: connection-beaconing
set -eu
python3 - <<'PY'
import os, socket, time

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
port = srv.getsockname()[1]
if os.fork() == 0:
    for _ in range(7):
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(b"GET /tasks HTTP/1.0\r\n\r\n")
        c.recv(100)
        c.close()
        time.sleep(1.0)
    os._exit(0)
for _ in range(7):
    conn, _ = srv.accept()
    conn.recv(100)
    conn.sendall(b"HTTP/1.0 204 No Content\r\n\r\n")
    conn.close()
os.wait()
PY
