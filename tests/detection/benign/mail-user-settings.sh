#!/bin/bash
# A mail user's ordinary setup beside the forwarding files: read the current ~/.forward and
# /etc/aliases, write the mail client's settings (~/.muttrc, ~/.signature), make a Maildir,
# and rebuild the alias database the way newaliases does (the MTA is not installed: a copy
# of /bin/true under its name, which writes nothing), then query the postfix settings with
# a postconf stand-in (postconf -n and a routine postconf -e of myhostname).
# technique: T1114.003 T1505.002
set -eu
mkdir -p /home/carol/Maildir/cur /home/carol/Maildir/new /home/carol/Maildir/tmp
cat /home/carol/.forward /etc/aliases > /dev/null 2>&1 || true
printf 'set from = "carol@example.invalid"\nset folder = ~/Maildir\n' > /home/carol/.muttrc
printf -- '-- \nCarol\n' > /home/carol/.signature
for tool in newaliases postconf; do cp /bin/true "/usr/local/bin/$tool"; done
newaliases
postconf -n
postconf -e 'myhostname = mail.example.invalid'
postconf smtpd_milters
grep -h milter /etc/postfix/main.cf 2>/dev/null || true
