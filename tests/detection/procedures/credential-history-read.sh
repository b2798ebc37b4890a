#!/bin/bash
# Read other users' shell histories looking for passwords typed on command lines.
# technique: T1552.003
# expect: shell-history-read
set -eu
mkdir -p /home/dev
printf 'mysql -u app -pnot-a-real-password\nexport API_TOKEN=not-real\n' >> /home/dev/.bash_history
printf 'ls\n' >> /root/.bash_history
cat /home/*/.bash_history > /dev/null
grep -hiE 'pass|token|secret' /root/.bash_history /home/*/.bash_history > "$TPY_WORK/typed.txt"
wc -l "$TPY_WORK/typed.txt"
