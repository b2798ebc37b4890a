#!/bin/bash
# Everyday commands that come close to the discovery building blocks without doing discovery: formatted dates, one service's status, searches under the project, a program reading its own config, libc lookups.
# technique: T1082
set -eu
export LC_ALL=C
cd "$TPY_WORK"
mkdir -p src/a src/b && touch src/a/x.c src/b/y.c
stamp=$(date +%Y%m%d-%H%M%S)
echo "build $stamp" > build.log
find . -name '*.c' | sort
find src -type f -newer build.log || true
ls -la src
ls -R src >/dev/null
systemctl is-active cron 2>/dev/null || true
getent hosts localhost
ip -V
grep -c build build.log
cat build.log > /dev/null
/usr/bin/python3 -I -S -c 'import platform, pwd, socket; platform.freedesktop_os_release(); pwd.getpwuid(0); socket.gethostname()'
hostname
sort src/a/x.c >/dev/null
