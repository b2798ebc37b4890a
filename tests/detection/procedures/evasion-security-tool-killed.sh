#!/bin/bash
# Kill the host's sensors: start stand-ins named like the falco and osquery agents (copies of sleep, started by this script), then kill them as an intruder would, with kill -9 and pkill.
# technique: T1562.001
# expect: security-tool-killed
set -eu
cp /usr/bin/sleep "$TPY_WORK/falco"
cp /usr/bin/sleep "$TPY_WORK/osqueryd"
"$TPY_WORK/falco" 60 &
falco=$!
"$TPY_WORK/osqueryd" 60 &
sleep 0.5
kill -9 "$falco"
pkill -TERM -x osqueryd -P $$
wait || true
