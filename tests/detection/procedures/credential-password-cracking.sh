#!/bin/bash
# Crack a local password offline: merge /etc/passwd and /etc/shadow the way unshadow does,
# then run a dictionary attack over a rockyou-style wordlist with Python's crypt. The
# account, its password and the 50-word list are made up here, in the overlay. john and
# unshadow are not installed: both are small stand-in scripts with their names (the
# signature keys on them), doing the real work.
# technique: T1110.002
# expect: password-cracking
set -eu
useradd -M -s /bin/sh svc-backup
echo 'svc-backup:sunshine' | chpasswd
mkdir -p /usr/share/wordlists /usr/local/bin
for w in 123456 password qwerty iloveyou princess abc123 monkey dragon letmein football \
         shadow master baseball superman trustno1 welcome ninja mustang access flower \
         passw0rd hello charlie donald batman sunshine starwars whatever freedom zaq12wsx; do
    echo "$w"
done > /usr/share/wordlists/rockyou.txt
cat > /usr/local/bin/unshadow <<'SH'
#!/bin/sh
# stand-in for John the Ripper's unshadow: passwd lines with the shadow hash put back
awk -F: 'NR == FNR { hash[$1] = $2; next } ($1 in hash) { $2 = hash[$1]; print }' OFS=: "$2" "$1"
SH
cat > /usr/local/bin/john <<'PY'
#!/usr/bin/python3
# stand-in for John the Ripper: a plain dictionary attack on crypt(3) hashes
import crypt
import sys
import warnings

warnings.simplefilter("ignore")
wordlist, hashes = sys.argv[1].split("=", 1)[1], sys.argv[2]
words = [w.strip() for w in open(wordlist)]
for line in open(hashes):
    user, hashed = line.split(":")[:2]
    if not hashed.startswith("$"):
        continue
    for word in words:
        if crypt.crypt(word, hashed) == hashed:
            print(f"{user}:{word}")
            break
PY
chmod +x /usr/local/bin/unshadow /usr/local/bin/john
unshadow /etc/passwd /etc/shadow > "$TPY_WORK/hashes.txt"
john --wordlist=/usr/share/wordlists/rockyou.txt "$TPY_WORK/hashes.txt" | tee "$TPY_WORK/cracked.txt"
grep -q '^svc-backup:sunshine$' "$TPY_WORK/cracked.txt"
