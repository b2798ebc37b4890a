#!/bin/bash
# Ask the cloud instance metadata service for the instance role's credentials with curl and
# wget. The requests run in a network namespace of their own with no route, so nothing leaves
# the machine: the connect attempt is what is recorded.
# technique: T1552.005
# expect: cloud-metadata-access
set -eu
unshare --net curl -s --max-time 2 \
    http://169.254.169.254/latest/meta-data/iam/security-credentials/ || true
unshare --net wget -q -T 2 -t 1 -O - \
    http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token || true
