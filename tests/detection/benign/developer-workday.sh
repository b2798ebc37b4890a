#!/bin/bash
# A developer's and operator's ordinary day: build and test a C program with make, serve a project folder, fetch and upload to a local web service, back up the project, encrypt one backup and decrypt a few files, clean the build, and look at accounts, disks and attributes.
# technique: T1082
set -eu
export HOME=/root
src=/root/src/hello
mkdir -p "$src" /root/site /root/backup
cd "$src"
cat > hello.c <<'SRC'
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
SRC
printf 'hello: hello.c\n\tcc -O2 -o hello hello.c\ntest: hello\n\t./hello\n' > Makefile
make -s test
# A quick experiment compiled by make under /tmp, as test suites do.
mkdir -p "$TPY_WORK/exp"
cp hello.c Makefile "$TPY_WORK/exp/"
make -s -C "$TPY_WORK/exp" test
touch -r hello.c Makefile
lsattr hello.c 2> /dev/null || true
# Encode a config for a CI variable and decode it back into a file.
base64 -w0 Makefile > Makefile.b64
base64 -d Makefile.b64 > Makefile.copy
cmp Makefile Makefile.copy
# Pad a data file (not a program) with dd.
dd if=/dev/zero bs=1k count=4 conv=notrunc oflag=append of="$src/data.bin" 2> /dev/null
# Serve the project site and fetch it; upload a build log to the team's local service.
echo '<h1>docs</h1>' > /root/site/index.html
port=$((20000 + ($$ + 29) % 20000))
/usr/bin/python3 -m http.server --bind 127.0.0.1 -d /root/site "$port" > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
curl -s -o /dev/null -T Makefile "http://127.0.0.1:$port/upload/Makefile"
curl -s -o /dev/null --data-binary @Makefile "http://127.0.0.1:$port/logs"
kill "$server"
wait || true
ssh -o BatchMode=yes -o ConnectTimeout=2 -N -L 5432:127.0.0.1:5432 db@127.0.0.1 -p 1 2> /dev/null || true
# Back up the project and encrypt that one archive; decrypt a few files received.
tar czf /root/backup/src.tgz -C /root src
openssl enc -aes-256-cbc -pbkdf2 -pass pass:backup -in /root/backup/src.tgz -out /root/backup/src.tgz.enc
for i in 1 2 3 4 5 6; do
    echo "file $i" | openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -out "$TPY_WORK/in-$i.enc"
done
for i in 1 2 3 4 5 6; do
    openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:x -in "$TPY_WORK/in-$i.enc" -out "$TPY_WORK/in-$i.txt"
done
openssl version > /dev/null
mkdir -p /var/backups
cp /root/backup/src.tgz /var/backups/src.tgz
# Clean the build, a scratch image with a file system on a loop device.
make -s -C "$TPY_WORK/exp" clean 2> /dev/null || rm -rf "$TPY_WORK/exp"
rm -rf "$src/build" "$TPY_WORK/exp"
truncate -s 8M "$TPY_WORK/scratch.img"
dev=$(losetup --find --show "$TPY_WORK/scratch.img")
mkfs.ext4 -q "$dev"
dd if="$dev" of=/dev/null bs=1M count=1 2> /dev/null
losetup -d "$dev"
# Accounts: change a comment.
usermod -c 'nobody at all' nobody
cat /etc/rsyslog.conf > /dev/null 2>&1 || true
bash -c 'history | tail -1'
