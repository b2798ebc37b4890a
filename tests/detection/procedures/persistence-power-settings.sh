#!/bin/bash
# Keep the machine from sleeping: mask the sleep targets with systemctl and tell logind to
# ignore the lid switch and idle action (in the overlay; nothing here runs systemd).
# technique: T1653
# expect: sleep-disabled
set -eu
systemctl mask sleep.target suspend.target hibernate.target hybrid-sleep.target
mkdir -p /etc/systemd/logind.conf.d
printf '[Login]\nHandleLidSwitch=ignore\nIdleAction=ignore\n' > /etc/systemd/logind.conf.d/10-awake.conf
ls -l /etc/systemd/system/sleep.target
