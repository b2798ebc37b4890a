#!/bin/bash
# A LaZagne-style harvester: one Python program walks the usual places and reads password
# hashes, SSH private keys, shell history, browser logins and cloud credentials, all
# made up here, in the overlay.
# technique: T1003 T1552
# expect: credential-harvest-sweep
set -eu
home=/home/victim
mkdir -p "$home/.ssh" "$home/.aws" "$home/.mozilla/firefox/a1b2.default"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n' \
    > "$home/.ssh/id_ed25519"
printf '[default]\naws_access_key_id = AKIANOTAREALKEY00000\n' > "$home/.aws/credentials"
printf 'mysql -u root -pnot-a-real-password\n' > "$home/.bash_history"
printf '{"logins": []}\n' > "$home/.mozilla/firefox/a1b2.default/logins.json"
cat > "$TPY_WORK/harvest.py" <<'PY'
import glob
import os

FILES = ["/etc/shadow", "~/.ssh/id_*", "~/.bash_history", "~/.aws/credentials",
         "~/.mozilla/firefox/*/logins.json"]
loot = {}
for pattern in FILES:
    for path in glob.glob(pattern.replace("~", "/home/victim")):
        if path.endswith(".pub"):
            continue
        with open(path, "rb") as f:
            loot[path] = len(f.read())
for path, size in sorted(loot.items()):
    print(f"{size:6d} {path}")
print(len(loot), "files", os.getpid())
PY
/usr/bin/python3 "$TPY_WORK/harvest.py"
