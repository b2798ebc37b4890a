#!/bin/bash
# Ordinary ssh use that runs no command of ours on another host: asking for the version,
# an interactive login attempt (refused: nothing listens on port 1), git fetching over SSH
# (ssh runs git's own transport command), and key generation.
set -eu
opts=(-o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
ssh -V 2> /dev/null
ssh "${opts[@]}" -p 1 me@127.0.0.1 2> /dev/null || true
GIT_SSH_COMMAND="ssh ${opts[*]} -p 1" git ls-remote me@127.0.0.1:repo.git 2> /dev/null || true
ssh-keygen -q -t ed25519 -N '' -f "$TPY_WORK/id_test" > /dev/null
