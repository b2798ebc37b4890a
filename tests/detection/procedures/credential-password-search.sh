#!/bin/bash
# Sweep a web root and the home folders for passwords in files, and find the usual secret files.
# technique: T1552.001
# expect: credential-file-search
set -eu
mkdir -p /var/www/html /home/dev/app
printf '<?php\n$db_password = "not-a-real-password";\n' > /var/www/html/config.php
printf 'DATABASE_URL=postgres://app:not-real@127.0.0.1/app\n' > /home/dev/app/.env
grep -rniI 'password' /var/www /home > "$TPY_WORK/found.txt" || true
find /home /root /var/www -name .env -o -name .pgpass -o -name .netrc -o -name '*.kdbx' \
    > "$TPY_WORK/files.txt"
wc -l "$TPY_WORK/found.txt" "$TPY_WORK/files.txt"
