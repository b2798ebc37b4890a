#!/bin/bash
# Pass-the-ticket preparation: root copies another user's Kerberos ticket cache out of
# /tmp to use it with KRB5CCNAME, and a Python loop reads every cache there. The cache holds
# made-up bytes (no KDC here), owned by uid 1001 the way a login would leave it.
# technique: T1558 T1558.005
# expect: kerberos-ticket-read
set -eu
printf 'not-a-real-ccache\n' > /tmp/krb5cc_1001
chown 1001:1001 /tmp/krb5cc_1001
chmod 600 /tmp/krb5cc_1001
mkdir -p "$TPY_WORK/loot"
cp /tmp/krb5cc_1001 "$TPY_WORK/loot/krb5cc_1001"
export KRB5CCNAME="FILE:$TPY_WORK/loot/krb5cc_1001"
/usr/bin/python3 -c 'import glob, sys
for cache in glob.glob("/tmp/krb5cc_*"):
    with open(cache, "rb") as f:
        print(cache, len(f.read()), "bytes")'
