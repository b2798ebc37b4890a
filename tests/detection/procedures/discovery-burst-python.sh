#!/bin/bash
# A Python implant runs its reconnaissance through os.system (each command under its own sh -c).
# technique: T1082 T1033 T1016 T1057 T1049 T1007
# expect: discovery-burst
set -eu
export LC_ALL=C
/usr/bin/python3 -I -S - <<'PY'
import os
for command in ("uname -a", "id", "hostname; ip addr", "ps aux | head -n 3",
                "ss -tan | head -n 3", "systemctl list-units --type=service --no-pager | head -n 3",
                "locale"):
    os.system(command + " >/dev/null 2>&1")
PY
