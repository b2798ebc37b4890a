#!/bin/bash
# Clean up after an intrusion: flush the ARP cache and the connection-tracking table, remove known_hosts, empty and delete mailboxes, remove a crontab, a cron file and a systemd unit that served as persistence, and move an executed dropper to another place.
# technique: T1070.007 T1070.008 T1070.009 T1070.010
# expect: network-history-cleared mailbox-cleared persistence-removed executed-file-relocated
set -eu
# Network history: ip runs in a fresh network namespace, so only an empty neighbour table
# of its own is flushed. conntrack is not installed here: the stand-in below only carries
# the name the signature keys on, and touches nothing.
unshare --net ip neigh flush all
mkdir -p /usr/local/sbin
printf '#!/bin/sh\nexit 0\n' > /usr/local/sbin/conntrack
chmod +x /usr/local/sbin/conntrack
/usr/local/sbin/conntrack -F
mkdir -p /root/.ssh
printf '10.0.0.5 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderKeyForTestsOnly\n' > /root/.ssh/known_hosts
rm -f /root/.ssh/known_hosts
# Mailboxes (in the /var overlay): one emptied in place, one deleted.
mkdir -p /var/mail /var/spool/mail
printf 'From root\nSubject: cron output\n\nuid=0(root)\n' > /var/mail/root
printf 'From root\nSubject: alert\n\nlogin\n' > /var/spool/mail/operator
: > /var/mail/root
rm -f /var/spool/mail/operator
# Persistence removed once it has served: a user crontab, a cron file, a unit.
printf '*/5 * * * * /var/tmp/.beacon\n' | crontab -
crontab -r
printf '*/10 * * * * root /var/tmp/.beacon\n' > /etc/cron.d/sys-health
mkdir -p /etc/systemd/system
printf '[Service]\nExecStart=/var/tmp/.beacon\n' > /etc/systemd/system/sys-health.service
rm -f /etc/cron.d/sys-health /etc/systemd/system/sys-health.service
# A dropper runs from /tmp, then is moved where nobody looks.
printf '#!/bin/sh\nid > /dev/null\n' > /tmp/stage1
chmod +x /tmp/stage1
/tmp/stage1
mkdir -p /usr/local/lib/.cache
mv /tmp/stage1 /usr/local/lib/.cache/libnss-helper
