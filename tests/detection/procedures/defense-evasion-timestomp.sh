#!/bin/bash
# Drop a file, then backdate it twice: to a fixed date (touch -d) and to an old system
# binary's times (touch -r).
# technique: T1070.006
# expect: timestomp-backdate
set -eu
printf '#!/bin/sh\nid\n' > "$TPY_WORK/.cache-helper"
touch -d '2019-03-04 05:06:07' "$TPY_WORK/.cache-helper"
touch -r /bin/ls "$TPY_WORK/.cache-helper"
