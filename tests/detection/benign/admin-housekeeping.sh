#!/bin/bash
# Ordinary administration: check services and the journal's size, rotate a log by hand, restart a worker the script started, install and remove a helper script, and look at history settings.
# technique: T1082
set -eu
export HOME=/root
systemctl status cron || true
systemctl restart nginx || true
journalctl --disk-usage || true
mkdir -p /var/log/myapp /etc/myapp
echo 'started' > /var/log/myapp/app.log
cp /var/log/myapp/app.log /var/log/myapp/app.log.1
: > /var/log/myapp/app.log
echo 'level=info' > /etc/myapp/logging.conf
cp /usr/bin/sleep "$TPY_WORK/worker"
"$TPY_WORK/worker" 60 &
sleep 0.5
kill "$!"
wait || true
bash -c 'echo "HISTSIZE=$HISTSIZE"; history | tail -1'
printf '#!/bin/sh\necho hi\n' > "$TPY_WORK/hello.sh"
chmod +x "$TPY_WORK/hello.sh"
"$TPY_WORK/hello.sh"
rm -f "$TPY_WORK/hello.sh"
