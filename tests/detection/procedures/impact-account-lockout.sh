#!/bin/bash
# Lock administrators out: create a stand-in admin account (in the throwaway /etc), then lock it, expire it, give it a refusing shell and delete it.
# technique: T1531 T1136.001
# expect: account-access-removal
set -eu
useradd -m -s /bin/bash opsadmin
passwd -l opsadmin
usermod -L -e 1 opsadmin
chage -E 0 opsadmin
usermod -s /usr/sbin/nologin opsadmin
userdel -r opsadmin 2> /dev/null
