#!/bin/bash
# Look for backup software the way ransomware operators do before deleting backups: installed programs and packages, services, configuration folders and running agents.
# technique: T1518.002
# expect: backup-software-discovery
set -eu
export LC_ALL=C
which restic borg duplicity veeamconfig || true
dpkg -l | grep -Ei 'bacula|veeam|borgbackup|restic' || true
systemctl status veeamservice bacula-fd > /dev/null 2>&1 || true
ls -d /etc/bacula /opt/veeam /etc/borgmatic 2> /dev/null || true
pgrep -a 'bacula-fd|dsmcad' || true
