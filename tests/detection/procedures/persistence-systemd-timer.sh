#!/bin/bash
# Schedule a recurring callback with systemd: a timer unit and its service, then a transient
# timer through systemd-run (refused here, where systemd is not PID 1: the request is recorded).
# technique: T1053.006 T1543.002
# expect: systemd-timer-persistence systemd-unit-persistence
set -eu
printf '#!/bin/sh\nid > /tmp/.beacon\n' > /tmp/.update
chmod +x /tmp/.update
printf '[Service]\nType=oneshot\nExecStart=/tmp/.update\n' > /etc/systemd/system/apt-refresh.service
printf '[Timer]\nOnCalendar=*:0/10\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n' \
    > /etc/systemd/system/apt-refresh.timer
systemd-run --on-active=10m --unit=apt-refresh-once /tmp/.update 2>/dev/null || true
