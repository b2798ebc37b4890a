#!/bin/bash
# Disguise payloads: a script saved as a PDF, an image name with a shell extension behind it, a name ending in a space, and a program called sshd in /var/tmp.
# technique: T1036.008 T1036.006 T1036.005
# expect: masquerade-document-extension masquerade-trailing-space masquerade-system-name-location
set -eu
payload='#!/bin/sh
id > /dev/null
'
printf '%s' "$payload" > "$TPY_WORK/invoice.pdf"
printf '%s' "$payload" > "$TPY_WORK/holiday.jpg.sh"
printf '%s' "$payload" > "$TPY_WORK/notes.txt "
mkdir -p /var/tmp
printf '#!/bin/sh\nsleep 1\n' > /var/tmp/sshd
chmod +x "$TPY_WORK/invoice.pdf" "$TPY_WORK/holiday.jpg.sh" "$TPY_WORK/notes.txt " /var/tmp/sshd
"$TPY_WORK/invoice.pdf"
"$TPY_WORK/holiday.jpg.sh"
"$TPY_WORK/notes.txt "
/var/tmp/sshd
