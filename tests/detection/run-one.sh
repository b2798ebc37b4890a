#!/bin/bash
# Runs one procedure script (argument 1) where its writes to system folders cannot stick.
#
# The runner starts this under `unshare --mount --propagation private`, so the mounts below
# exist only for this procedure: every system folder gets a throwaway overlay (upper layer
# on a tmpfs), and the paths a procedure writes look to the recorder exactly as they would
# on the host (/etc/cron.d/x, /root/.bashrc). Nothing survives the procedure.
set -eu
procedure=$1
scratch=/run/tracee-py-procedures
mkdir -p "$scratch"
mount -t tmpfs -o mode=0700 tracee-py-scratch "$scratch"
for dir in /etc /root /home /var /usr /opt /srv /tmp /boot; do
    [ -d "$dir" ] && [ ! -L "$dir" ] || continue
    layer=$scratch/${dir#/}
    mkdir -p "$layer/upper" "$layer/work"
    mount -t overlay overlay -o "lowerdir=$dir,upperdir=$layer/upper,workdir=$layer/work" "$dir"
done
TPY_WORK=$(mktemp -d /tmp/procedure.XXXXXX)
export TPY_WORK
cd "$TPY_WORK"
# Not exec: the procedure is a child of this shell, so the setup above (mount, mktemp) is
# outside the procedure's process tree and never counts as something it did.
bash "$procedure"
