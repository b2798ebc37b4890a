#!/bin/bash
# Enumerate a directory domain's users and groups from a joined host: LDAP searches for users and for groups with their members, winbind's user and group lists, and NSS lookups of DOMAIN names. There is no directory here: ldapsearch and wbinfo are stand-ins (copies of /bin/true in the overlaid /usr/local/bin) that carry the names and queries the signatures read; getent and id are the real ones and find nobody.
# technique: T1087.002 T1069.002
# expect: domain-account-discovery domain-group-discovery
set -eu
for tool in ldapsearch wbinfo; do cp /bin/true "/usr/local/bin/$tool"; done
ldapsearch -x -H ldap://127.0.0.1:3389 -b 'dc=corp,dc=example' '(objectClass=user)' sAMAccountName
ldapsearch -x -H ldap://127.0.0.1:3389 -b 'dc=corp,dc=example' '(&(objectClass=group)(cn=Domain Admins))' member
wbinfo -u
wbinfo -g
getent passwd 'alice@corp.example' || true
getent group 'CORP\domain admins' || true
id 'CORP\alice' || true
