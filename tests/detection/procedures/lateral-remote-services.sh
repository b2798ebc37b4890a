#!/bin/bash
# Move to "another host" the ways intruders do: ssh with a command to run there, sshpass
# feeding a password to ssh, and a VNC viewer plus a raw connection to a VNC display port.
# The host is 127.0.0.1 on ports where nothing listens (ssh on port 1, VNC on 5901 unless
# something there already), so every login fails after its exec and connect are recorded.
# sshpass and vncviewer are not installed here: stand-ins (copies of /bin/true under their
# real names in the overlaid /usr/local/bin), since the signature keys on the name.
# technique: T1021 T1021.004 T1021.005
# expect: remote-service-session
set -eu
cp /bin/true /usr/local/bin/sshpass
cp /bin/true /usr/local/bin/vncviewer
opts=(-o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
ssh "${opts[@]}" -p 1 admin@127.0.0.1 'id; uname -a; cat /etc/hostname' 2> /dev/null || true
sshpass -p 'Summer2024!' ssh -p 1 admin@127.0.0.1 whoami
vncviewer 127.0.0.1:1
python3 -c "
import socket
s = socket.socket()
s.settimeout(2)
try:
    s.connect(('127.0.0.1', 5901))
except OSError:
    pass
s.close()
"
