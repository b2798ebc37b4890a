#!/bin/bash
# Ship payloads encrypted or compressed and unpack them just before they run: decrypted with openssl enc -d and with gpg -d into files that are then executed, gunzipped into a file that is executed, and gzip output piped straight into sh.
# technique: T1027 T1027.013 T1027.015
# expect: decoded-payload-executed
set -eu
cd "$TPY_WORK"
printf '#!/bin/sh\necho payload ran > /dev/null\n' > payload.sh
openssl enc -aes-256-cbc -pbkdf2 -salt -pass pass:tpy-test -in payload.sh -out payload.enc
openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:tpy-test -in payload.enc -out run.sh
chmod +x run.sh
./run.sh
export GNUPGHOME="$TPY_WORK/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase tpy-test -c -o payload.gpg payload.sh
gpg --batch --quiet --pinentry-mode loopback --passphrase tpy-test -d -o update payload.gpg
chmod +x update
./update
# Compressed: gunzipped to a file then run, and gzip output piped straight into sh.
gzip -c payload.sh > pkg.gz
gunzip -c pkg.gz > installer
chmod +x installer
./installer
gzip -dc pkg.gz | sh
