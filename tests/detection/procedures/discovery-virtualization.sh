#!/bin/bash
# Check for a hypervisor, a sandbox or a container before going further.
# technique: T1497.001
# expect: virtualization-discovery
set -eu
export LC_ALL=C
systemd-detect-virt 2>/dev/null || true
cat /sys/class/dmi/id/product_name /sys/class/dmi/id/sys_vendor 2>/dev/null || true
grep -qE 'docker|kubepods|lxc' /proc/1/cgroup && echo container || echo host
