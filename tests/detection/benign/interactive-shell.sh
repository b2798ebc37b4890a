#!/bin/bash
# A developer's interactive shell with history: look around a project, check git, the date and disk, then leave.
# technique: T1083
set -eu
mkdir -p "$TPY_WORK/project" && cd "$TPY_WORK/project"
git init -q . && git config user.email dev@example.invalid && git config user.name dev
echo "# notes" > README.md && git add README.md && git commit -qm "first"
HISTFILE="$TPY_WORK/.bash_history" bash -i <<'SH' >/dev/null 2>&1
set -o history
cd "$TPY_WORK/project"
ls -la
git status
git log --oneline
date +%F
df -h .
whoami
cat README.md
history | tail -n 5
exit
SH
test -s "$TPY_WORK/.bash_history"
