#!/bin/bash
# Turn shell history off the ways intruders do before typing anything: unset HISTFILE, point it at /dev/null, clear the in-memory list and stop recording.
# technique: T1070.003
# expect: history-disabled
set -eu
export HOME=/root
bash -c 'unset HISTFILE; id > /dev/null'
bash -c 'export HISTFILE=/dev/null; HISTSIZE=0; uname -a > /dev/null'
bash -i -c 'set +o history; history -c; hostname' < /dev/null > /dev/null 2>&1
