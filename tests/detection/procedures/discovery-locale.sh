#!/bin/bash
# Ask for the system language and time zone.
# technique: T1614.001
# expect: locale-discovery
set -eu
export LC_ALL=C
locale
localectl status 2>/dev/null || true
cat /etc/timezone /etc/default/locale 2>/dev/null || true
