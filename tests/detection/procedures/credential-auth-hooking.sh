#!/bin/bash
# Hook the password path of su and ssh with LD_PRELOAD: build a small shared library
# whose constructor would install the hooks (here it only notes that it was loaded, in a
# file under $TPY_WORK) and start su and ssh with it preloaded.
# technique: T1056.004
# expect: auth-program-preload
set -eu
cat > "$TPY_WORK/hook.c" <<'C'
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* A credential sniffer would wrap pam_get_authtok() or getpass() here. */
__attribute__((constructor)) static void loaded(void) {
    const char *dir = getenv("HOOK_LOG");
    if (dir == NULL) return;
    int fd = open(dir, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) { (void)write(fd, "loaded\n", 7); close(fd); }
}
C
gcc -shared -fPIC -o "$TPY_WORK/libhook.so" "$TPY_WORK/hook.c"
export HOOK_LOG="$TPY_WORK/hook.log"
LD_PRELOAD="$TPY_WORK/libhook.so" su -s /bin/true nobody
LD_PRELOAD="$TPY_WORK/libhook.so" ssh -V 2>/dev/null
cat "$HOOK_LOG"
