#!/usr/bin/env bash
# The main job: set up this machine, record a small incident for real with eBPF, then
# investigate the recording: what was recorded, the process tree, the timeline, findings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TRACEE_PY_DATA="${TRACEE_PY_DATA:-$PWD/tracee-data/demo}"
rm -rf "$TRACEE_PY_DATA"
tp=(.venv/bin/tracee-py)

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

say "recording examples/demo/incident.sh (and everything it starts) into $TRACEE_PY_DATA"
"${tp[@]}" record -- bash examples/demo/incident.sh

say "what was recorded"
"${tp[@]}" info --no-verify

say "every exec, in order (successful ones; failed attempts are counted below)"
"${tp[@]}" query "SELECT strftime(time, '%H:%M:%S.%f') AS time, pid, ppid, exe, argv
                  FROM events WHERE event = 'process_exec' AND retval = 0 ORDER BY time"

say "failed exec attempts (PATH lookups of env and shell shims), counted apart"
"${tp[@]}" query "SELECT retval, count(*) AS attempts, count(DISTINCT path) AS paths,
                         count(DISTINCT process_id) AS processes
                  FROM events WHERE event = 'process_exec' AND retval <> 0
                  GROUP BY retval ORDER BY attempts DESC"

root=$("${tp[@]}" query -o csv "SELECT process_id FROM events WHERE event = 'process_exec'
                                 AND argv[2] = 'examples/demo/incident.sh' LIMIT 1" | tail -1)
say "the process tree of the incident (process_id $root)"
"${tp[@]}" tree --process-id "$root"

say "what the payload did"
payload=$("${tp[@]}" query -o csv "SELECT process_id FROM events WHERE event = 'process_exec'
                                    AND path LIKE '%/.cache/update.sh' LIMIT 1" | tail -1)
"${tp[@]}" timeline --process-id "$payload" --descendants \
    --kind process_exec --kind net_connect --kind process_exit

say "signatures"
"${tp[@]}" sig run --severity low || true

report="${TRACEE_PY_DATA%/}-report.html"
say "the incident report (one HTML file, opens offline)"
"${tp[@]}" report --process-id "$root" -o "$report"
echo "$report"
