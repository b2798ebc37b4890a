#!/bin/bash
# List local groups and who is in sudo, docker or adm.
# technique: T1069.001
# expect: local-group-discovery
set -eu
export LC_ALL=C
groups
getent group sudo docker adm || true
cat /etc/group | grep -E '^(sudo|wheel|docker|adm):' || true
