#!/bin/bash
# Everyday file work that resembles defense evasion: a host added to known_hosts, mail appended to a mailbox and read, logs decompressed and read, an encrypted note decrypted and read, a tarball unpacked and its install script run, the virus scanner's settings read, a build that takes a lock under /tmp, and system tools copied for a test root and a backup.
set -eu
export LC_ALL=C
cd "$TPY_WORK"
mkdir -p /root/.ssh /var/mail pkg /etc/clamav testroot/bin backup
printf '10.0.0.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderKeyForTestsOnly\n' >> /root/.ssh/known_hosts
# Mail delivered by appending, then read.
printf 'From root\nSubject: backup done\n\nok\n' >> /var/mail/root
cat /var/mail/root > /dev/null
# Compressed logs and an encrypted note, unpacked and read, never run.
printf 'line one\nline two\n' > app.log
gzip -c app.log > app.log.gz
gunzip -c app.log.gz > app-restored.log
zcat app.log.gz > /dev/null
cat app-restored.log > /dev/null
printf 'meeting at noon\n' > note.txt
openssl enc -aes-256-cbc -pbkdf2 -salt -pass pass:tpy-test -in note.txt -out note.enc
openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:tpy-test -in note.enc -out note.dec
cat note.dec > /dev/null
printf 'aGVsbG8K' | base64 -d > greeting.txt
# A software tarball unpacked and its script run (tar is left out on purpose).
printf '#!/bin/sh\necho installing\n' > pkg/install.sh
chmod +x pkg/install.sh
tar czf pkg.tar.gz pkg
tar xzf pkg.tar.gz --overwrite
./pkg/install.sh > /dev/null
printf 'LocalSocket /run/clamav/clamd.ctl\n' > /etc/clamav/clamd.conf.dpkg-dist
cat /etc/clamav/clamd.conf.dpkg-dist > /dev/null
flock /tmp/build.lock true
# A system tool copied under its own name into a test root and run there, and one backed up
# under another name but never run.
cp /usr/bin/true testroot/bin/true
testroot/bin/true
cp /usr/bin/env backup/env.orig
