#!/bin/bash
# Ordinary look-alikes of port knocking: a client waits for a local service by retrying its
# one port until it answers, another tries a primary and a backup port before the third
# one that works, and a server listens and serves a client. (A packet capture beside it
# is left out: packet-or-raw-socket flags any packet socket, on purpose.)
set -eu
export LC_ALL=C
python3 - <<'PY'
import os, socket, time

def serve_later(port, delay):
    if os.fork() == 0:
        time.sleep(delay)
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen(1)
        conn, _ = srv.accept()
        conn.sendall(b"ok\n")
        conn.close()
        os._exit(0)

# wait for a service that is still starting: the same port, refused until it listens
serve_later(6731, 1.0)
for _ in range(30):
    s = socket.socket()
    if s.connect_ex(("127.0.0.1", 6731)) == 0:
        print("service up:", s.recv(8).decode().strip())
        s.close()
        break
    s.close()
    time.sleep(0.2)
os.wait()

# a client with a primary and a backup address: two refused, the third answers
serve_later(6733, 0.0)
time.sleep(0.5)
for port in (6741, 6742, 6733):
    s = socket.socket()
    if s.connect_ex(("127.0.0.1", port)) == 0:
        print("connected on", port, s.recv(8).decode().strip())
        s.close()
        break
    s.close()
os.wait()
PY

# a server and its client in one process tree
python3 - <<'PY'
import os, socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
port = srv.getsockname()[1]
if os.fork() == 0:
    c = socket.create_connection(("127.0.0.1", port))
    print(c.recv(8).decode().strip())
    os._exit(0)
conn, _ = srv.accept()
conn.sendall(b"hello\n")
conn.close()
os.wait()
PY
