#!/bin/bash
# Protect an implant and tamper with system files: make a dropped cron entry immutable (chattr +i), lift it again (-i) and back-date a planted binary and an edited config to match their neighbours (touch -r, touch -d).
# technique: T1222.002 T1070.006
# expect: immutable-attribute-change timestomp-touch
set -eu
# chattr needs a file system with attributes: /dev/shm (tmpfs); removed at the end.
entry=/dev/shm/.tpy-cron-$$
echo '* * * * * root /usr/local/bin/updater' > "$entry"
chattr +i "$entry"
chattr -i "$entry"
rm -f "$entry"
cp /usr/bin/true /usr/local/bin/updater
touch -r /usr/bin/ls /usr/local/bin/updater
echo 'Welcome' >> /etc/motd
touch -d '2023-01-15 08:00:00' /etc/motd
touch -t 202301150800 /usr/local/bin/updater
