#!/bin/bash
# An implant with a list of channels: it tries its first command server (127.0.0.1 port 1,
# where nothing listens) three times, gives up on it and reaches the fallback channel, a
# loopback listener the script starts on another port.
# technique: T1008
# expect: fallback-channel
set -eu
python3 - <<'PY'
import os, socket, time

fallback = socket.socket()
fallback.bind(("127.0.0.1", 0))
fallback.listen(1)
port = fallback.getsockname()[1]
if os.fork() == 0:
    for _ in range(3):
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", 1))
        except OSError:
            pass
        s.close()
        time.sleep(0.2)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"checkin\n")
    s.close()
    os._exit(0)
conn, _ = fallback.accept()
conn.recv(100)
conn.close()
os.wait()
PY
