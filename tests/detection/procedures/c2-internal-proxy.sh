#!/bin/bash
# A home-made port forwarder, as an intruder runs on a host inside the network: a Python
# process listens on loopback, accepts a client and opens an onward connection to a second
# loopback service, then copies the bytes across. Everything stays on 127.0.0.1.
# technique: T1090.001
# expect: connection-relay
set -eu
python3 - <<'PY'
import os, socket

target = socket.socket()
target.bind(("127.0.0.1", 0))
target.listen(1)
target_port = target.getsockname()[1]

relay = socket.socket()
relay.bind(("127.0.0.1", 0))
relay.listen(1)
relay_port = relay.getsockname()[1]

if os.fork() == 0:
    # the client of the relay
    c = socket.create_connection(("127.0.0.1", relay_port))
    c.sendall(b"hello through the relay\n")
    c.recv(100)
    c.close()
    os._exit(0)
if os.fork() == 0:
    # the service behind the relay: echo one message
    conn, _ = target.accept()
    conn.sendall(conn.recv(100))
    conn.close()
    os._exit(0)
inbound, _ = relay.accept()
onward = socket.create_connection(("127.0.0.1", target_port))
onward.sendall(inbound.recv(100))
inbound.sendall(onward.recv(100))
onward.close()
inbound.close()
for _ in range(2):
    os.wait()
PY
