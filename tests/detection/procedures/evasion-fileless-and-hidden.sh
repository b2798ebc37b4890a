#!/bin/bash
# Run payloads from places that hide them: a copy of id renamed to a hidden name in a hidden directory of /tmp, a program in /dev/shm, a program copied into a memfd and executed from its descriptor, and a process that makes itself untraceable with PTRACE_TRACEME.
# technique: T1564.001 T1036.003 T1027.011 T1620 T1622
# expect: hidden-file-exec system-binary-copy-run shm-exec memfd-exec ptrace-traceme
set -eu
# /dev/shm is not one of the overlaid folders: give this namespace a throwaway one.
mount -t tmpfs -o size=16m,mode=1777 tpy-shm /dev/shm
mkdir -p /tmp/.font-cache
cp /usr/bin/id /tmp/.font-cache/.dbus-session
/tmp/.font-cache/.dbus-session > /dev/null
printf '#!/bin/sh\nuname -r > /dev/null\n' > /dev/shm/kupdate
chmod +x /dev/shm/kupdate
/dev/shm/kupdate
# Fileless: the image of true copied into an anonymous memory file and executed from it.
/usr/bin/python3 -c '
import os
fd = os.memfd_create("payload", 0)
with open("/usr/bin/true", "rb") as image:
    os.write(fd, image.read())
os.execv(f"/proc/self/fd/{fd}", ["payload"])
'
# Anti-debugging: ask to be traced by the parent so no debugger can attach later.
/usr/bin/python3 -c '
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(0, 0, None, None) != 0:
    raise SystemExit("PTRACE_TRACEME failed")
'
