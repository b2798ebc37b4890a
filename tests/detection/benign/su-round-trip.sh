#!/bin/bash
# Switch to another user with su, run a few commands as that user, and come back.
set -eu
su -s /bin/sh nobody -c 'id -un; cd /tmp && ls >/dev/null; echo "back to $(whoami)"'
id -un
