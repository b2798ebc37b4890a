#!/bin/bash
# Talk to a command server over protocols that usually leave a network unchallenged: a
# Python implant speaks SMTP to port 25 and MQTT to port 1883 on loopback listeners the
# script starts, curl fetches its tasks from an FTP port, and mosquitto_pub publishes to
# the broker. mosquitto_pub is not installed here, so it is a stand-in (a copy of
# /bin/true under its real name in the overlaid /usr/local/bin); the connections are real.
# technique: T1071.002 T1071.003 T1071.005
# expect: c2-protocol-port
set -eu
cp /bin/true /usr/local/bin/mosquitto_pub
python3 - <<'PY'
import os, socket

listeners = []
for port in (25, 1883):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        s.listen(1)
        listeners.append(s)
    except OSError:
        s.close()  # someone else holds the port: the connect below is still the evidence

if os.fork() == 0:
    for port, hello in ((25, b"EHLO implant\r\n"), (1883, b"\x10\x00")):
        c = socket.socket()
        c.settimeout(2)
        try:
            c.connect(("127.0.0.1", port))
            c.sendall(hello)
        except OSError:
            pass
        c.close()
    os._exit(0)
for s in listeners:
    s.settimeout(5)
    try:
        conn, _ = s.accept()
        conn.close()
    except OSError:
        pass
os.wait()
PY
curl -s --max-time 2 ftp://127.0.0.1:21/tasks.txt -o /dev/null || true
mosquitto_pub -h 127.0.0.1 -t implant/out -m "checked in"
