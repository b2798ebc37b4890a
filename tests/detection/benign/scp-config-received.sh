#!/bin/bash
# An ordinary incoming copy: `scp -t` (what sshd runs for an incoming scp, driven here by a
# Python stand-in for the remote client) receives a configuration file, which is read but
# never executed; a program already on the host is run.
set -eu
python3 - <<'PY'
import subprocess

payload = b"listen = 127.0.0.1\n"
sink = subprocess.Popen(["scp", "-t", "--", "/etc/app.conf"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

def ack() -> None:
    if sink.stdout.read(1) != b"\0":
        raise SystemExit("scp -t refused the transfer")

ack()
sink.stdin.write(b"C0644 %d app.conf\n" % len(payload))
sink.stdin.flush()
ack()
sink.stdin.write(payload + b"\0")
sink.stdin.flush()
ack()
sink.stdin.close()
sink.wait()
PY
cat /etc/app.conf > /dev/null
/bin/true
