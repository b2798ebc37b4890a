#!/bin/bash
# Stop the services whose files ransomware wants to encrypt: systemctl stop and disable databases and web servers (no systemd runs here, so the calls fail after the exec), and kill -9 a stand-in mysqld (a copy of sleep started by this script).
# technique: T1489
# expect: service-stop-impact
set -eu
systemctl stop mysql postgresql nginx 2> /dev/null || true
systemctl disable mongod.service 2> /dev/null || true
service apache2 stop 2> /dev/null || true
cp /usr/bin/sleep "$TPY_WORK/mysqld"
"$TPY_WORK/mysqld" 60 &
sleep 0.3
kill -9 "$!"
wait || true
