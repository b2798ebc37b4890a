#!/bin/bash
# Look for browser bookmarks and history in home directories (a throwaway Firefox profile is made first).
# technique: T1217
# expect: browser-info-discovery
set -eu
export LC_ALL=C
mkdir -p /root/.mozilla/firefox/x1y2.default-release
printf 'SQLite format 3\0' > /root/.mozilla/firefox/x1y2.default-release/places.sqlite
find /root/.mozilla /home -maxdepth 4 -name places.sqlite 2>/dev/null
cat /root/.mozilla/firefox/*/places.sqlite >/dev/null
