#!/bin/bash
# Tamper with stored data behind the database servers' backs: sed rewrites a value in a MySQL table file, dd patches bytes of InnoDB's system tablespace, python rewrites Redis's snapshot, the shell appends to a PostgreSQL relation file, and the sqlite3 shell updates a service's SQLite database under /var/lib. The data files are planted in the /var overlay first by stand-ins named mysqld, redis-server and postgres (copies of tee in /opt/tpy-db/bin: the signature leaves the servers' own writes out, so the planting must look like them).
# technique: T1565.001
# expect: database-files-tampered
set -eu
bin=/opt/tpy-db/bin; mkdir -p "$bin"
for server in mysqld redis-server postgres; do cp /usr/bin/tee "$bin/$server"; done
mkdir -p /var/lib/mysql/shop /var/lib/redis /var/lib/postgresql/15/main/base/16384 /var/lib/shopapp
# The "servers" write their data files.
printf 'order=1001;price=100;status=paid\n' | "$bin/mysqld" /var/lib/mysql/shop/orders.MYD > /dev/null
head -c 4096 /dev/zero | "$bin/mysqld" /var/lib/mysql/ibdata1 > /dev/null
printf 'REDIS0011\nsession:42=user\n' | "$bin/redis-server" /var/lib/redis/dump.rdb > /dev/null
printf 'tuple:alice:balance=10\n' | "$bin/postgres" /var/lib/postgresql/15/main/base/16384/16385 > /dev/null
/usr/bin/python3 -c "
import sqlite3
db = sqlite3.connect('/var/lib/shopapp/orders.db')
db.execute('CREATE TABLE orders(id INTEGER, price INTEGER)')
db.execute('INSERT INTO orders VALUES (1001, 100)')
db.commit()
"
# The tampering.
sed -i 's/price=100/price=1/' /var/lib/mysql/shop/orders.MYD
printf 'X' | dd of=/var/lib/mysql/ibdata1 bs=1 seek=16 conv=notrunc status=none
/usr/bin/python3 -c "
with open('/var/lib/redis/dump.rdb', 'r+') as f:
    f.write('REDIS0011\nsession:42=root\n')
"
echo 'tuple:mallory:balance=1000000' >> /var/lib/postgresql/15/main/base/16384/16385
sqlite3 /var/lib/shopapp/orders.db "UPDATE orders SET price = 1 WHERE id = 1001;"
grep -q 'price=1;' /var/lib/mysql/shop/orders.MYD
