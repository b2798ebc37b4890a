#!/bin/bash
# Look at power management without changing it: the sleep targets' state, logind's
# configuration, and a journald drop-in (not a power setting) written.
set -eu
systemctl list-unit-files 'sleep.target' 'suspend.target' || true
systemctl is-enabled suspend.target || true
cat /etc/systemd/logind.conf > /dev/null || true
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nSystemMaxUse=200M\n' > /etc/systemd/journald.conf.d/size.conf
