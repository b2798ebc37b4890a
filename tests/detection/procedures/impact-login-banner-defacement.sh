#!/bin/bash
# Leave a ransom note where every user sees it at login, in the throwaway overlay of /etc: a shell redirection over /etc/motd, and tee writing the note into /etc/issue.net (the SSH pre-login banner).
# technique: T1491.001
# expect: login-banner-defacement
set -eu
echo 'tpy-procedure: your files are encrypted. This is a drill note.' > /etc/motd
echo 'ALL YOUR SERVERS ARE OURS (tpy-procedure drill)' > "$TPY_WORK/note.txt"
tee /etc/issue.net < "$TPY_WORK/note.txt" > /dev/null
grep -q drill /etc/issue.net /etc/motd
