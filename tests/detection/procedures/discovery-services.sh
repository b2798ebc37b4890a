#!/bin/bash
# List the services of the system.
# technique: T1007
# expect: service-discovery
set -eu
export LC_ALL=C
systemctl list-units --type=service --no-pager 2>/dev/null | head -n 5 || true
systemctl list-unit-files --type=service --no-pager 2>/dev/null | head -n 5 || true
