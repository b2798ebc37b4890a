#!/bin/bash
# Ordinary database upkeep: stand-ins named mysqld, postgres and redis-server (copies of tee in /opt/tpy-db/bin) writing their own data files under /var/lib, mariabackup (a copy of cp) restoring a table file from /var/backups, pg_hba.conf edited with sed, the postgres account's shell history written, a Python service writing its SQLite state under /var/lib and sqlite3 reading it. (A real initdb is not used: CI does not install PostgreSQL. The shells its postgres runs, `sh -c "locale -a"` and WAL archiving, are in database-wal-archiving.sh.)
set -eu
bin=/opt/tpy-db/bin; mkdir -p "$bin"
for server in mysqld postgres redis-server; do cp /usr/bin/tee "$bin/$server"; done
cp /usr/bin/cp "$bin/mariabackup"
data=/var/lib/postgresql/15/notes
mkdir -p "$data/base/1" /var/lib/mysql/app /var/lib/redis /var/backups/mysql /var/lib/notesvc
printf 'PG 15\n' | "$bin/postgres" "$data/PG_VERSION" > /dev/null
printf 'page\n' | "$bin/postgres" "$data/base/1/1259" > /dev/null
printf 'local all all peer\nhost all all 0.0.0.0/0 md5\n' | "$bin/postgres" "$data/pg_hba.conf" > /dev/null
sed -i 's/^host /#host /' "$data/pg_hba.conf"
echo 'psql -c "\\l"' >> /var/lib/postgresql/.bash_history
printf 'row=1\n' | "$bin/mysqld" /var/lib/mysql/app/notes.ibd > /dev/null
printf 'REDIS0011\n' | "$bin/redis-server" /var/lib/redis/dump.rdb > /dev/null
printf 'row=1\n' > /var/backups/mysql/notes.ibd
"$bin/mariabackup" /var/backups/mysql/notes.ibd /var/lib/mysql/app/notes.ibd
/usr/bin/python3 -c "
import sqlite3
db = sqlite3.connect('/var/lib/notesvc/state.db')
db.execute('CREATE TABLE IF NOT EXISTS seen(id INTEGER)')
db.execute('INSERT INTO seen VALUES (1)')
db.commit()
"
sqlite3 /var/lib/notesvc/state.db "SELECT count(*) FROM seen;" > /dev/null
