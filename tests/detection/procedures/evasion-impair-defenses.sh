#!/bin/bash
# Weaken the host's defenses: open the firewall (iptables flush and ACCEPT policy, nft flush, ufw disable), stop the shell from logging commands (HISTCONTROL, HISTIGNORE), exclude a folder from the virus scanner, and make sensitive files writable for everyone.
# technique: T1562 T1562.004 T1562.003 T1564.012 T1222
# expect: firewall-disabled history-logging-impaired security-scan-exclusion sensitive-file-permissions
set -eu
# iptables, nft and ufw are not installed here: stand-ins that carry the names the
# signature keys on and change nothing, so no real firewall is touched.
mkdir -p /usr/local/sbin
for tool in iptables nft ufw; do
    printf '#!/bin/sh\nexit 0\n' > "/usr/local/sbin/$tool"
    chmod +x "/usr/local/sbin/$tool"
done
/usr/local/sbin/iptables -F
/usr/local/sbin/iptables -P INPUT ACCEPT
/usr/local/sbin/nft flush ruleset
/usr/local/sbin/ufw disable
# Command history: commands starting with a space, or any command at all, are not saved.
bash -c 'export HISTCONTROL=ignorespace; echo configured' > /dev/null
bash -c "HISTIGNORE='*'; id" > /dev/null
# ClamAV's daemon told to skip a folder (in the /etc overlay).
mkdir -p /etc/clamav
printf 'LocalSocket /run/clamav/clamd.ctl\n' > /etc/clamav/clamd.conf
printf 'ExcludePath ^/var/tmp/.cache/\n' >> /etc/clamav/clamd.conf
# Permissions opened on files that guard logins (in the /etc overlay).
chmod 666 /etc/passwd
chmod o+w /etc/shadow
