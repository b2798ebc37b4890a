#!/bin/bash
# Ordinary transfers: add an upstream GitHub remote but push only to a local mirror, sync files between local folders with rclone (a stand-in copy of /bin/true: rclone is not installed here), try to download from S3 and FTP (closed loopback ports), split a log by lines and fetch three pages from a local web server, post JSON to it, and scp a file down from a closed loopback port.
set -eu
export GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.invalid
export GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.invalid
git init -q --bare mirror.git
git init -q -b main project
echo "hello" > project/README
git -C project add README
git -C project commit -q -m first
git -C project remote add upstream https://github.com/example/project.git
git -C project remote add origin "$TPY_WORK/mirror.git"
git -C project push -q origin main
git -C project remote -v > /dev/null
cp /bin/true /usr/local/bin/rclone
mkdir -p photos backup
rclone copy photos backup
rclone sync photos/ /srv/backup/photos
port=$((20000 + ($$ + 29) % 20000))
AWS_ACCESS_KEY_ID=none AWS_SECRET_ACCESS_KEY=none AWS_MAX_ATTEMPTS=1 \
    aws s3 cp s3://example-bucket/report.csv report.csv --endpoint-url "http://127.0.0.1:$port" \
    --cli-connect-timeout 2 > /dev/null 2>&1 || true
curl -s --connect-timeout 2 -o pub.txt "ftp://127.0.0.1:$port/pub/README" || true
seq 1 5000 > app.log
split -l 1000 app.log app.part.
web=$((port + 1))
mkdir -p www
echo ok > www/index.html
/usr/bin/python3 -m http.server --bind 127.0.0.1 -d www "$web" > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$web/" && break; sleep 0.1; done
for page in index.html a b; do
    curl -s -o /dev/null "http://127.0.0.1:$web/$page"
done
curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"status":"ok"}' "http://127.0.0.1:$web/"
kill "$server"
wait || true
scp -q -o BatchMode=yes -o ConnectTimeout=2 -P "$port" "dev@127.0.0.1:/etc/motd" motd 2> /dev/null || true
ssh -o BatchMode=yes -o ConnectTimeout=2 -p "$port" dev@127.0.0.1 uptime 2> /dev/null || true
