#!/bin/bash
# Run payloads that hide what they are: commands spelled with ${IFS}, reversed and hex-escaped text run by a shell, an executable packed with gzexe (and one with a upx stand-in), a script pulled out of an image with a steghide stand-in, a payload decrypted with openssl and gpg and one gunzipped before it runs, and gzip output piped into sh.
# technique: T1027 T1027.002 T1027.003 T1027.010 T1027.013 T1027.015
# expect: obfuscated-command-line packer-run steganography-extract decoded-payload-executed
set -eu
cd "$TPY_WORK"
# Command obfuscation: the shell command lines are what a detector sees.
bash -c 'cat${IFS}/etc/hostname' > /dev/null
sh -c 'echo "di" | rev | sh' > /dev/null
bash -c "eval \"\$(printf '\\x75\\x6e\\x61\\x6d\\x65')\"" > /dev/null
# Packing: gzexe (real) turns a program into a self-extracting one that unpacks into /tmp.
cp /usr/bin/hostname ./svc
gzexe ./svc > /dev/null
./svc > /dev/null
# upx and steghide are not installed: stand-ins carrying the names the signatures key on.
mkdir -p /usr/local/bin
printf '#!/bin/sh\nexit 0\n' > /usr/local/bin/upx
printf '#!/bin/sh\nprintf "#!/bin/sh\\nid\\n" > extracted.sh\n' > /usr/local/bin/steghide
chmod +x /usr/local/bin/upx /usr/local/bin/steghide
cp /usr/bin/true ./agent
upx --best -q ./agent
printf 'JFIF' > cat.jpg
steghide extract -sf cat.jpg -p hunter2 -f
# Encrypted payloads, decrypted to a file and run.
printf '#!/bin/sh\nid > /dev/null\n' > payload.sh
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
