#!/bin/bash
# Ordinary database upkeep: a real PostgreSQL cluster created with initdb under /var/lib/postgresql, started with pg_ctl on a private socket, filled with psql and stopped; stand-ins named mysqld and redis-server (copies of tee) writing their own data files and mariabackup (a copy of cp) restoring one; pg_hba.conf edited with sed; a Python service writing its SQLite state under /var/lib and sqlite3 reading it.
set -eu
mkdir -p bin
for server in mysqld redis-server; do cp /usr/bin/tee "bin/$server"; done
cp /usr/bin/cp bin/mariabackup
pgbin=/usr/lib/postgresql/15/bin
data=/var/lib/postgresql/15/notes
mkdir -p "$data" /tmp/pgsock
chown -R postgres:postgres /var/lib/postgresql /tmp/pgsock
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
port=$((20000 + ($$ + 23) % 20000))
as_postgres "$pgbin/initdb" -D "$data" -A trust -U postgres > /dev/null
sed -i 's/^host /#host /' "$data/pg_hba.conf"
as_postgres "$pgbin/pg_ctl" -D "$data" -l /tmp/pgsock/log -w \
    -o "-k /tmp/pgsock -p $port -c listen_addresses=''" start > /dev/null
as_postgres psql -h /tmp/pgsock -p "$port" -q -c \
    "CREATE TABLE notes(id int, body text); INSERT INTO notes VALUES (1, 'hello');" postgres
as_postgres "$pgbin/pg_ctl" -D "$data" -w stop > /dev/null
mkdir -p /var/lib/mysql/app /var/lib/redis /var/backups/mysql /var/lib/notesvc
printf 'row=1\n' | bin/mysqld /var/lib/mysql/app/notes.ibd > /dev/null
printf 'REDIS0011\n' | bin/redis-server /var/lib/redis/dump.rdb > /dev/null
printf 'row=1\n' > /var/backups/mysql/notes.ibd
bin/mariabackup /var/backups/mysql/notes.ibd /var/lib/mysql/app/notes.ibd
/usr/bin/python3 -c "
import sqlite3
db = sqlite3.connect('/var/lib/notesvc/state.db')
db.execute('CREATE TABLE IF NOT EXISTS seen(id INTEGER)')
db.execute('INSERT INTO seen VALUES (1)')
db.commit()
"
sqlite3 /var/lib/notesvc/state.db "SELECT count(*) FROM seen;" > /dev/null
