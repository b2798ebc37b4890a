#!/bin/bash
# Look at power management without changing it: the sleep targets' state, logind's
# configuration, and a coredump drop-in (not a power setting) written.
set -eu
systemctl list-unit-files 'sleep.target' 'suspend.target' || true
systemctl is-enabled suspend.target || true
cat /etc/systemd/logind.conf > /dev/null || true
mkdir -p /etc/systemd/coredump.conf.d
printf '[Coredump]\nMaxUse=200M\n' > /etc/systemd/coredump.conf.d/size.conf
