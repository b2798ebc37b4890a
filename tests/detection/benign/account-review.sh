#!/bin/bash
# Review and tidy accounts: read password and ageing status, set a comment on a service
# account, and make sure the games account cannot log in.
set -eu
passwd -S root
chage -l root > /dev/null
usermod -c 'Backup operator' nobody
chsh -s /usr/sbin/nologin games
grep -E '^(daemon|games|nobody):' /etc/passwd
