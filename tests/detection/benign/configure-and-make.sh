#!/bin/bash
# Build a small C project the autotools way: a configure script probes the host (uname, id, locale, date), then make compiles and runs its tests.
# technique: T1082
set -eu
cd "$TPY_WORK"
cat > configure <<'SH'
#!/bin/sh
echo "checking build system type... $(uname -m)-$(uname -s | tr A-Z a-z)"
echo "checking for a BSD-compatible install... $(command -v install)"
echo "checking whether we are root... $(id -u)"
echo "checking the locale... $(locale 2>/dev/null | head -n 1)"
echo "checking the date... $(date)"
echo "checking for ps... $(ps -p $$ -o comm=)"
echo "checking the os... $(cat /etc/os-release | head -n 1)"
echo "checking for ss... $(ss -V 2>/dev/null || true)"
printf 'CC = cc\nall: hello\nhello: hello.c\n\t$(CC) -o hello hello.c\ncheck: hello\n\t./hello\n\tuname -r\n\tid -un\n\tdate\n' > Makefile
SH
chmod +x configure
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > hello.c
./configure
make
make check
