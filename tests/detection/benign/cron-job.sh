#!/bin/bash
# A package ships a cron job; the cron daemon (started here in the foreground, as no cron
# runs on this machine) runs it at the next minute.
set -eu
# cron writes its pid file under /run, which has no overlay: give it a private one.
mount -t tmpfs -o mode=0755 benign-run /run
mkdir -p pkg/DEBIAN pkg/etc/cron.d
cat > pkg/DEBIAN/control <<'CTL'
Package: heartbeat-job
Version: 1.0
Architecture: all
Maintainer: tests <tests@example.invalid>
Description: writes a heartbeat every minute
CTL
echo '* * * * * root date > /var/tmp/heartbeat' > pkg/etc/cron.d/heartbeat-job
dpkg-deb -b pkg heartbeat-job.deb >/dev/null
dpkg -i heartbeat-job.deb
cron -f &
cron_pid=$!
for _ in $(seq 80); do
    [ -s /var/tmp/heartbeat ] && break
    sleep 1
done
kill "$cron_pid"
wait "$cron_pid" || true
cat /var/tmp/heartbeat
