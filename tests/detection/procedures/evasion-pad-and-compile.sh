#!/bin/bash
# Deliver source code and build it on the host (gcc into /var/tmp, then run), and pad a dropped binary with zeros before running it so its hash and size change.
# technique: T1027.004 T1027.001
# expect: compile-and-run-temp binary-padding
set -eu
cat > "$TPY_WORK/implant.c" <<'SRC'
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("%d\n", (int)getuid()); return 0; }
SRC
gcc -O1 -o /var/tmp/implant "$TPY_WORK/implant.c"
/var/tmp/implant > /dev/null
cp /var/tmp/implant "$TPY_WORK/implant-padded"
dd if=/dev/zero bs=4096 count=256 conv=notrunc oflag=append of="$TPY_WORK/implant-padded" 2> /dev/null
"$TPY_WORK/implant-padded" > /dev/null
