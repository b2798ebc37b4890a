#!/bin/bash
# Hook every Python start: a .pth file whose import line runs a payload, and a
# sitecustomize.py, both written into the system's dist-packages by the shell. Python is run
# once afterwards: the .pth line runs and writes a marker file (Debian's own sitecustomize
# in /usr/lib/python3.X comes first on the path, so the dropped one is shadowed here).
# technique: T1546.018
# expect: python-startup-hook
set -eu
site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
mkdir -p "$site"
echo "import os; os.path.exists('/tmp/.pyhook') or open('/tmp/.pyhook', 'w').write('pth\n')" \
    > "$site/zz-telemetry.pth"
cat > "$site/sitecustomize.py" <<'PY'
import os
with open("/tmp/.pyhook", "a") as marker:
    marker.write("sitecustomize %d\n" % os.getpid())
PY
/usr/bin/python3 -c 'pass'
cat /tmp/.pyhook
