#!/bin/bash
# Look for security agents (Falco, auditd, osquery, EDR sensors) before doing anything noisy.
# technique: T1518.001
# expect: security-software-discovery
set -eu
export LC_ALL=C
ps aux | grep -Ei 'falco|auditd|osqueryd|falcon-sensor|wazuh' | grep -v grep || true
auditctl -s 2>/dev/null || true
systemctl is-active falco auditd 2>/dev/null || true
ls /etc/falco /opt/CrowdStrike 2>/dev/null || true
