#!/bin/bash
# A fork bomb in its classic shape, a shell function that pipes itself into itself in the background, made bounded: a depth counter stops it at depth 7 (about a thousand short-lived subshells in a few seconds, all waited for), so it cannot run away.
# technique: T1499
# expect: fork-bomb
set -eu
bomb() {
    [ "$1" -lt 7 ] || return 0
    bomb $(($1 + 1)) | bomb $(($1 + 1)) &
    wait
}
bomb 0
wait
echo "bounded fork bomb done"
