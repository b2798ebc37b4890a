#!/bin/bash
# An interactive shell session that keeps its history in ~/.bash_history.
set -eu
HISTFILE="$HOME/.bash_history" bash -i 2>/dev/null <<'SH'
cd /tmp
ls -la > /dev/null
echo "working in $(pwd)"
uptime
history | tail -3
exit
SH
tail -3 "$HOME/.bash_history"
