#!/bin/bash
# List the desktop's windows and look for a password manager's, as spyware does before screenshots or keystroke injection. wmctrl and xdotool are not installed here: stand-ins (copies of /bin/true in the overlaid /usr/local/bin) carry their names and arguments, which is what the signature reads.
# technique: T1010
# expect: window-discovery
set -eu
for tool in wmctrl xdotool; do cp /bin/true "/usr/local/bin/$tool"; done
wmctrl -l
wmctrl -d
xdotool search --name 'KeePassXC'
xdotool getactivewindow getwindowname
