#!/bin/bash
# Create domain accounts from this host with the directory tools an intruder with a stolen
# admin credential uses: samba-tool user create, adcli create-user, net ads user add, ipa
# user-add, kadmin.local addprinc and ldapadd with a user LDIF. There is no directory here
# and none of these tools is installed: each is a stand-in (a copy of /bin/true under its
# real name in the overlaid /usr/local/bin) that carries the name and arguments the
# signature reads; the LDIF file is real.
# technique: T1136.002
# expect: domain-account-created
set -eu
for tool in samba-tool adcli net ipa kadmin.local ldapadd; do cp /bin/true "/usr/local/bin/$tool"; done
samba-tool user create svc-backup 'Test-Only-1!' -H ldap://127.0.0.1:3389
adcli create-user svc-sync --domain=corp.example --display-name='Sync Service'
net ads user add svc-print 'Test-Only-2!' -S 127.0.0.1
ipa user-add svcmon --first=Service --last=Monitor
kadmin.local -q 'addprinc -randkey svc-host'
printf 'dn: uid=svc-web,ou=People,dc=corp,dc=example\nobjectClass: inetOrgPerson\nuid: svc-web\nsn: web\ncn: svc-web\n' \
    > "$TPY_WORK/new-user.ldif"
ldapadd -x -H ldap://127.0.0.1:3389 -D 'cn=admin,dc=corp,dc=example' -w test -f "$TPY_WORK/new-user.ldif"
