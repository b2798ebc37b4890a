#!/bin/bash
# Ordinary database work: create a SQLite database, insert and query rows with sqlite3, show its schema and export one table as CSV.
set -eu
sqlite3 app.db "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items(name) VALUES ('a'), ('b');"
sqlite3 app.db "SELECT count(*) FROM items;" > /dev/null
sqlite3 app.db .schema > /dev/null
sqlite3 -header -csv app.db "SELECT * FROM items;" > items.csv
