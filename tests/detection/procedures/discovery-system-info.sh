#!/bin/bash
# Learn the kernel, distribution and CPU of the host, as a recon script does first.
# technique: T1082
# expect: system-info-discovery
set -eu
export LC_ALL=C
uname -a
hostnamectl 2>/dev/null || true
lsb_release -a 2>/dev/null || true
cat /etc/os-release /proc/version >/dev/null
