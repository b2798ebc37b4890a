#!/bin/bash
# Add a system cron job that runs a script from /tmp every minute.
# technique: T1053.003
# expect: cron-persistence
set -eu
printf '#!/bin/sh\nid > /tmp/.beacon\n' > /tmp/.update
chmod +x /tmp/.update
echo '* * * * * root /tmp/.update' > /etc/cron.d/system-update
