#!/bin/bash
# The receiving end of a lateral tool transfer: what sshd runs on the target host when an
# intruder does `scp tool host:/usr/local/bin/` — `scp -t` reading the scp protocol on
# stdin — is driven here directly by a Python stand-in for the remote client (no sshd is
# installed). The received program (a copy of /bin/true) lands in the overlaid
# /usr/local/bin and is then run, as the intruder's next `ssh host /usr/local/bin/...` would.
# technique: T1570
# expect: lateral-tool-received
set -eu
python3 - <<'PY'
import subprocess

payload = open("/bin/true", "rb").read()
sink = subprocess.Popen(["scp", "-t", "--", "/usr/local/bin/"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

def ack() -> None:
    if sink.stdout.read(1) != b"\0":
        raise SystemExit("scp -t refused the transfer")

ack()
sink.stdin.write(b"C0755 %d kworkerd\n" % len(payload))
sink.stdin.flush()
ack()
sink.stdin.write(payload + b"\0")
sink.stdin.flush()
ack()
sink.stdin.close()
if sink.wait() != 0:
    raise SystemExit("scp -t failed")
PY
/usr/local/bin/kworkerd
