#!/bin/bash
# Enumerate the system's logs: list /var/log, read the login records (wtmp, btmp through last and lastb, lastlog) and the journal, and read the authentication log (a made-up one copied into the overlaid /var/log first, since this machine has none).
# technique: T1654
# expect: log-enumeration
set -eu
export LC_ALL=C
ls -la /var/log > /dev/null
last -n 5 || true
lastb -n 5 || true
journalctl -n 20 --no-pager > /dev/null 2>&1 || true
printf 'Dec  5 09:00:00 host sshd[1]: Accepted publickey for alice from 127.0.0.1 port 2222\n' > "$TPY_WORK/auth.log"
install -m 0640 "$TPY_WORK/auth.log" /var/log/auth.log
grep -c 'Accepted' /var/log/auth.log
tail -n 5 /var/log/auth.log
