#!/bin/bash
# Read the password policy before a password spray.
# technique: T1201
# expect: password-policy-discovery
set -eu
export LC_ALL=C
grep -E '^PASS_(MAX|MIN)_DAYS|^PASS_MIN_LEN' /etc/login.defs || true
cat /etc/pam.d/common-password 2>/dev/null | grep -v '^#' | head -n 5 || true
chage -l root
