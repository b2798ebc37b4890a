#!/bin/bash
# Login messages the ordinary way: update-motd's run-parts shell writing the dynamic message of the day in its working folder (on a host: /run/motd.dynamic), a user reading /etc/motd and /etc/issue, an administrator adding a maintenance notice to /etc/motd in an editor (ed), and the notice kept under /var as well.
# technique: T1491.001
set -eu
mkdir -p "$TPY_WORK/update-motd.d" /var/lib/tpy-notices
printf '#!/bin/sh\necho "Welcome, load: $(cut -d" " -f1 /proc/loadavg)"\n' > "$TPY_WORK/update-motd.d/00-header"
chmod +x "$TPY_WORK/update-motd.d/00-header"
run-parts "$TPY_WORK/update-motd.d" > "$TPY_WORK/motd.dynamic"
cat /etc/motd /etc/issue > /dev/null 2>&1 || true
touch /etc/motd
printf '$a\nmaintenance window Sunday 02:00\n.\nw\nq\n' | ed -s /etc/motd
grep -q maintenance /etc/motd
echo 'maintenance window Sunday 02:00' > /var/lib/tpy-notices/next-maintenance
cat "$TPY_WORK/motd.dynamic"
