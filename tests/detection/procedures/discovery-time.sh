#!/bin/bash
# Ask for the time and the clock settings.
# technique: T1124
# expect: system-time-discovery
set -eu
export LC_ALL=C
date
timedatectl 2>/dev/null || true
