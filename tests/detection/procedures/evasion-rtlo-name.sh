#!/bin/bash
# Disguise a script with the Unicode right-to-left override: saved as "invoice-<U+202E>fdp.sh", it displays as "invoice-hs.pdf" in a terminal or file manager, then it is run.
# technique: T1036.002
# expect: rtlo-filename-exec
set -eu
rlo=$(printf '\342\200\256')
name="$TPY_WORK/invoice-${rlo}fdp.sh"
printf '#!/bin/sh\nid > /dev/null\n' > "$name"
chmod +x "$name"
"$name"
# The same trick on an argument: a script handed to sh under a reversed name.
cp "$name" "$TPY_WORK/report-${rlo}gpj.sh"
sh "$TPY_WORK/report-${rlo}gpj.sh"
