#!/bin/bash
# Try the escape from a privileged container: enter PID 1's mount namespace with nsenter and
# chroot into its root, both only to read the host's hostname. Here PID 1 is protected, so
# both are refused after the tools start; the attempt is what is recorded.
# technique: T1611
# expect: host-namespace-enter
set -eu
nsenter -t 1 -m -u -- cat /etc/hostname || true
chroot /proc/1/root cat /etc/hostname || true
