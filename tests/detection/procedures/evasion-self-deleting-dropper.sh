#!/bin/bash
# A dropper that deletes its own file as soon as it runs, leaving a process with nothing on disk behind it.
# technique: T1070.004
# expect: self-deleting-program
set -eu
cat > "$TPY_WORK/update-helper" <<'DROPPER'
#!/bin/bash
rm -f -- "$0"
sleep 1
id > /dev/null
DROPPER
chmod +x "$TPY_WORK/update-helper"
"$TPY_WORK/update-helper"
test ! -e "$TPY_WORK/update-helper"
