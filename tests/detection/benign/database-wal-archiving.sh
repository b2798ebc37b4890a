#!/bin/bash
# PostgreSQL's own shells on normal work: the server lists the locales with `sh -c "locale -a"` (what initdb's bootstrap backend does) and, with WAL archiving on, runs archive_command and restore_command through /bin/sh -c for each segment (test ! -f ... && cp ..., gzip, cp, gunzip back into pg_wal/RECOVERYXLOG). The server is a stand-in: a copy of /bin/bash named postgres in /opt/tpy-pgarch/bin running a small script that does what the server does (fork, then /bin/sh -c CMD, from its data directory); the shells and the tools are the real ones. The exact shells were taken from a real initdb and archiving server recorded on this machine.
set -eu
bin=/opt/tpy-pgarch/bin; mkdir -p "$bin"
cp /bin/bash "$bin/postgres"
data=/var/lib/postgresql/15/main
archive=/var/lib/postgresql/wal_archive
mkdir -p "$data/pg_wal" "$archive"
# the server writes two WAL segments (bash's own printf: the write is the postgres process's)
for n in 1 2; do
    "$bin/postgres" -c 'printf "%65536s" "" > "$1"; true' wal "$data/pg_wal/00000001000000000000000$n"
done
cat > /opt/tpy-pgarch/run-command.sh <<'SH'
# stand-in for the server running a configured command: system("/bin/sh -c CMD") from the data directory
cd "$1"
/bin/sh -c "$2"
echo "command exited $?"
SH
server() { "$bin/postgres" /opt/tpy-pgarch/run-command.sh "$data" "$1"; }
# initdb's bootstrap: which locales exist
server 'locale -a' > /dev/null
# archive_command = 'test ! -f /var/lib/postgresql/wal_archive/%f && cp %p /var/lib/postgresql/wal_archive/%f'
server "test ! -f $archive/000000010000000000000001 && cp pg_wal/000000010000000000000001 $archive/000000010000000000000001"
# archive_command = 'gzip < %p > /var/lib/postgresql/wal_archive/%f.gz'
server "gzip < pg_wal/000000010000000000000002 > $archive/000000010000000000000002.gz"
# restore_command = 'cp /var/lib/postgresql/wal_archive/%f %p'
server "cp $archive/000000010000000000000001 pg_wal/RECOVERYXLOG"
# restore_command = 'gunzip < /var/lib/postgresql/wal_archive/%f.gz > %p'
server "gunzip < $archive/000000010000000000000002.gz > pg_wal/RECOVERYXLOG"
test -f "$archive/000000010000000000000001"
