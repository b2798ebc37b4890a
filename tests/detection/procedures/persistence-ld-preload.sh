#!/bin/bash
# Build a small shared library and make the dynamic loader inject it: through
# /etc/ld.so.preload (every program) and through LD_PRELOAD (one program). The library only
# writes a marker line when it is loaded; the preload file is removed at the end.
# technique: T1574.006
# expect: ld-so-preload-write ld-preload-env
set -eu
cat > hook.c <<'C'
#include <stdio.h>
__attribute__((constructor)) static void hook(void) {
    FILE *f = fopen("/tmp/.hook-loaded", "a");
    if (f) { fputs("loaded\n", f); fclose(f); }
}
C
gcc -shared -fPIC -o /tmp/.libsys.so hook.c
LD_PRELOAD=/tmp/.libsys.so /bin/true
echo /tmp/.libsys.so > /etc/ld.so.preload
/bin/true
rm -f /etc/ld.so.preload
cat /tmp/.hook-loaded
