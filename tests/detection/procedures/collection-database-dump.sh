#!/bin/bash
# Dump an application's databases: sqlite3 .dump and .backup of an app's SQLite file (a planted test database under /var/lib), and pg_dump / pg_dumpall against a PostgreSQL port on loopback where nothing listens (the dump fails after its exec is recorded).
# technique: T1213.006
# expect: database-dump
set -eu
mkdir -p /var/lib/shopapp
sqlite3 /var/lib/shopapp/shop.db "CREATE TABLE customers(name TEXT, card TEXT); INSERT INTO customers VALUES ('test', '0000-test');"
sqlite3 /var/lib/shopapp/shop.db .dump > /tmp/.shop.sql
sqlite3 /var/lib/shopapp/shop.db ".backup /tmp/.shop.bak"
port=$((20000 + ($$ + 11) % 20000))
pg_dump -h 127.0.0.1 -p "$port" -U postgres -w -f /tmp/.crm.sql crm 2> /dev/null || true
pg_dumpall -h 127.0.0.1 -p "$port" -U postgres -w -f /tmp/.all.sql 2> /dev/null || true
