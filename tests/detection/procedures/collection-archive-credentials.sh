#!/bin/bash
# Collect and stage: pack the root user's SSH keys and cloud credentials (planted test files) and /etc/ssh into a hidden folder in /tmp, then make a password-protected zip of them.
# technique: T1560.001 T1074.001 T1005
# expect: sensitive-data-archived archive-staged-temp
set -eu
mkdir -p /root/.ssh /root/.aws /etc/ssh
echo 'not-a-real-key' > /root/.ssh/id_ed25519
echo '[default]' > /root/.aws/credentials
echo 'Port 22' > /etc/ssh/sshd_config.tpy
mkdir -p /tmp/.cache-x
tar czf /tmp/.cache-x/k.tgz /root/.ssh /root/.aws /etc/ssh 2> /dev/null
zip -q -P infected /tmp/.cache-x/k.zip /tmp/.cache-x/k.tgz
ls -l /tmp/.cache-x > /dev/null
