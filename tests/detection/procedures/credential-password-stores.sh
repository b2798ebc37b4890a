#!/bin/bash
# An infostealer loots the password stores of a user's home: Firefox and Chromium saved
# logins, a KeePass database and the pass store, copied by cp, cat and python.
# The stores hold made-up data written here; nothing is decrypted.
# technique: T1555 T1555.003 T1555.005
# expect: credential-store-read
set -eu
home=/home/victim
ff="$home/.mozilla/firefox/x1y2z3.default-release"
ch="$home/.config/chromium/Default"
mkdir -p "$ff" "$ch" "$home/Documents" "$home/.password-store/mail"
printf '{"logins": [{"hostname": "https://example.invalid", "encryptedUsername": "AAAA"}]}\n' \
    > "$ff/logins.json"
printf 'SQLite format 3\0not-a-real-key-db\n' > "$ff/key4.db"
printf 'SQLite format 3\0not-real-logins\n' > "$ch/Login Data"
printf 'KeePass-not-a-real-database\n' > "$home/Documents/Passwords.kdbx"
printf 'not-a-real-gpg-file\n' > "$home/.password-store/mail/work.gpg"

loot="$TPY_WORK/loot"
mkdir -p "$loot"
cp "$ff/logins.json" "$ff/key4.db" "$loot/"
/usr/bin/python3 - "$ch/Login Data" "$loot/chromium-logins" <<'PY'
import shutil
import sys

shutil.copyfile(sys.argv[1], sys.argv[2])
PY
cp "$home/Documents/Passwords.kdbx" "$loot/"
find "$home/.password-store" -name '*.gpg' -exec cat {} + > "$loot/pass-store.bin"
ls -l "$loot"
