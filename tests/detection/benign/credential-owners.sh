#!/bin/bash
# Credential files used by the programs they belong to, and work that looks like the
# credential-access procedures without being it: a browser opening its own profile, a
# user's Kerberos client reading that user's own ticket cache, SSSD reading its cache, a
# web server reading its TLS key and an administrator making a CSR with openssl, a user
# enrolling a TOTP second factor, a single mistyped su password,
# stdbuf's preload on an ordinary program, strace on a new command, a DHCP client port,
# the neighbour table, a word list. firefox, sssd_be, nginx and google-authenticator are
# not installed: they are stand-in scripts with those names (the signatures key on them).
set -eu
home=/home/carol  # uid 1001, no passwd entry needed
mkdir -p "$home/.mozilla/firefox/q1w2.default-release" /usr/local/bin
printf 'SQLite format 3\0not-real\n' > "$home/.mozilla/firefox/q1w2.default-release/cookies.sqlite"
printf '{"logins": []}\n' > "$home/.mozilla/firefox/q1w2.default-release/logins.json"
cat > /usr/local/bin/firefox <<'PY'
#!/usr/bin/python3
# stand-in for the browser: opens its own profile's databases
import glob

for path in glob.glob("/home/carol/.mozilla/firefox/*/*"):
    with open(path, "r+b") as f:
        f.read()
PY
# a user's Kerberos client reads the user's own cache
printf 'not-a-real-ccache\n' > /tmp/krb5cc_1001
chown 1001:1001 /tmp/krb5cc_1001
setpriv --reuid=1001 --regid=1001 --clear-groups /usr/bin/python3 -c \
    'open("/tmp/krb5cc_1001", "rb").read()'
# SSSD's backend reads its own cache
mkdir -p /var/lib/sss/db
printf 'not-a-real-cache\n' > /var/lib/sss/db/cache_corp.example.ldb
cat > /usr/local/bin/sssd_be <<'PY'
#!/usr/bin/python3
# stand-in for SSSD's backend: opens its cache database
with open("/var/lib/sss/db/cache_corp.example.ldb", "r+b") as f:
    f.read()
PY
# the web server reads its key; the administrator makes a key and a CSR with openssl
mkdir -p /etc/ssl/private
openssl genpkey -algorithm ed25519 -out /etc/ssl/private/site.key 2>/dev/null
openssl req -new -key /etc/ssl/private/site.key -subj '/CN=site.example.invalid' \
    -out "$TPY_WORK/site.csr"
cat > /usr/local/bin/nginx <<'PY'
#!/usr/bin/python3
# stand-in for the web server: reads its TLS key at start
with open("/etc/ssl/private/site.key", "rb") as f:
    f.read()
PY
chmod +x /usr/local/bin/firefox /usr/local/bin/sssd_be /usr/local/bin/nginx
firefox
sssd_be
nginx
# the user enrols a TOTP second factor with google-authenticator, then looks at the file
cat > /usr/local/bin/google-authenticator <<'PY'
#!/usr/bin/python3
# stand-in for the enrolment tool: writes the user's seed file (made up)
import os

path = os.path.expanduser("~/.google_authenticator")
with open(path, "w") as f:
    f.write('NOTAREALSEEDCAROLXXXXXX1\n" TOTP_AUTH\n')
os.chmod(path, 0o400)
PY
chmod +x /usr/local/bin/google-authenticator
chown -R 1001:1001 "$home"
setpriv --reuid=1001 --regid=1001 --clear-groups env HOME="$home" google-authenticator
setpriv --reuid=1001 --regid=1001 --clear-groups cat "$home/.google_authenticator" > /dev/null
# one mistyped su password (su-round-trip has the successful ones)
echo 'not-the-password' | setpriv --reuid=65534 --regid=65534 --clear-groups \
    su root -c true 2>/dev/null || echo "mistyped"
# ordinary preload, ordinary tracing, ordinary sockets and files
stdbuf -oL ls / > /dev/null
strace -f -e trace=read -o "$TPY_WORK/trace.log" cat /etc/hostname > /dev/null
/usr/bin/python3 - <<'PY'
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 68))
s.close()
PY
ip neigh show > /dev/null
printf 'apple\nbanana\ncherry\n' > "$TPY_WORK/words"
grep -c a "$TPY_WORK/words"
