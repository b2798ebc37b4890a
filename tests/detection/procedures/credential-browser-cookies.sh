#!/bin/bash
# A cookie stealer copies the session cookie databases of Firefox and Chromium out of a
# user's profiles to replay the sessions elsewhere. The databases hold made-up data.
# technique: T1539
# expect: browser-cookie-read
set -eu
home=/home/victim
ff="$home/.mozilla/firefox/x1y2z3.default-release"
ch="$home/.config/chromium/Default/Network"
mkdir -p "$ff" "$ch"
printf 'SQLite format 3\0not-real-cookies\n' > "$ff/cookies.sqlite"
printf 'SQLite format 3\0not-real-cookies\n' > "$ch/Cookies"
mkdir -p "$TPY_WORK/stolen"
cp "$ff/cookies.sqlite" "$TPY_WORK/stolen/firefox-cookies.sqlite"
base64 "$ch/Cookies" > "$TPY_WORK/stolen/chromium-cookies.b64"
ls -l "$TPY_WORK/stolen"
