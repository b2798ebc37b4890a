#!/bin/bash
# Everyday sh -c one-liners that mention traps without setting one: list the traps, grep
# for the word, print it.
set -eu
bash -c 'trap -p; echo "no traps"'
sh -c 'grep -c trap /etc/bash.bashrc || true'
bash -c 'echo trap EXIT; echo "the trap door"'
