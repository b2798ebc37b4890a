#!/bin/bash
# Run a payload as a systemd service the ways intruders do: link a unit file from a temporary folder, start a transient service whose program lives there, and start the service from a Python program. No systemd runs here, so start and systemd-run fail after their exec; link only writes a symlink into the overlaid /etc.
# technique: T1569.003
# expect: systemctl-unusual-service
set -eu
cd "$TPY_WORK"
printf '#!/bin/sh\nsleep 1\n' > cache-updater.sh && chmod +x cache-updater.sh
printf '[Service]\nExecStart=%s/cache-updater.sh\n[Install]\nWantedBy=multi-user.target\n' "$TPY_WORK" > cache-updater.service
systemctl link "$TPY_WORK/cache-updater.service" > /dev/null 2>&1 || true
systemd-run --unit=cache-updater-now "$TPY_WORK/cache-updater.sh" > /dev/null 2>&1 || true
/usr/bin/python3 -I -c 'import subprocess; subprocess.run(["systemctl", "start", "cache-updater.service"], capture_output=True)'
