#!/bin/bash
# A developer's session in a project: search the code for password fields and test keys,
# look for the example .env file, run python and perl one-liners, fetch a page from a local
# test server, look at processes, read the shell's own history back, and use the container
# and cluster clients the ordinary way (refused here: no daemon, no cluster).
# technique: T1552.001 T1552.004 T1059.006 T1059 T1552.005 T1003.007 T1552.003 T1609 T1610 T1552.007
set -eu
mkdir -p src tests/keys
printf 'def login(user, password):\n    return check(user, password)\n' > src/auth.py
printf 'DATABASE_PASSWORD=change-me\n' > .env.example
printf -- '-----BEGIN PRIVATE KEY-----\ntest-fixture\n-----END PRIVATE KEY-----\n' > tests/keys/test.pem
grep -rn password src/ > /dev/null
grep -rl 'PRIVATE KEY' tests/ > /dev/null
find . -name '*.pem' -o -name '.env*' > /dev/null
/usr/bin/python3 -c 'import socket; print(socket.gethostname())' > /dev/null
/usr/bin/python3 -c 'import subprocess; print(subprocess.run(["true"]).returncode)' > /dev/null
/usr/bin/python3 -c 'import base64; print(base64.b64encode(b"hello"))' > /dev/null
echo '<h1>ok</h1>' > index.html
/usr/bin/python3 -m http.server --bind 127.0.0.1 18765 > /dev/null 2>&1 &
server=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
    curl -s -o /dev/null http://127.0.0.1:18765/index.html && break
    sleep 0.3
done
kill "$server"
wait "$server" || true
ps aux > /dev/null
printf 'make test\ngit status\n' >> "$TPY_WORK/.bash_history"
HISTFILE="$TPY_WORK/.bash_history" bash -ic 'history | tail -n 1' > /dev/null 2>&1
perl -e 'print "hello\n"' > /dev/null
perl -MSocket -e 'print inet_ntoa(inet_aton("127.0.0.1")), "\n"' > /dev/null
docker ps 2>/dev/null || true
docker run --rm alpine true 2>/dev/null || true
kubectl get pods 2>/dev/null || true
