#!/bin/bash
# Directory administration that creates no account: check the domain join and look an
# existing user up with samba-tool, adcli, net ads and ipa, change an entry's phone number
# with ldapmodify and add a DNS record with samba-tool. The tools are not installed here:
# each is a stand-in (a copy of /bin/true under its real name in the overlaid
# /usr/local/bin); the LDIF file is real.
# technique: T1136.002
set -eu
for tool in samba-tool adcli net ipa ldapmodify; do cp /bin/true "/usr/local/bin/$tool"; done
samba-tool domain info 127.0.0.1
samba-tool dns add 127.0.0.1 corp.example www A 127.0.0.10
adcli info corp.example
net ads testjoin
ipa user-show admin
printf 'dn: uid=admin,ou=People,dc=corp,dc=example\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: 555-0100\n' \
    > "$TPY_WORK/phone.ldif"
ldapmodify -x -H ldap://127.0.0.1:3389 -f "$TPY_WORK/phone.ldif"
