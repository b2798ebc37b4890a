#!/bin/bash
# Hide and detach: add accounts named like system ones with a login shell and a system uid, run a virtual machine with qemu, start a dropped program immune to hangups (nohup, trap), detach it from its parent with a double fork, hold a lock file so only one copy runs, and launch a command through an Electron app's --gpu-launcher switch.
# technique: T1036.010 T1564.002 T1564.006 T1564.011 T1036.009 T1480.002 T1218.015
# expect: system-like-account-created hidden-user-created virtual-instance-run hangup-ignored process-tree-broken dropped-program-lock electron-command-switch
set -eu
# Accounts (the /etc overlay takes the change).
useradd -r -M -s /bin/bash systemd-journald-sync
useradd -M -u 499 -s /bin/sh -c 'ntp daemon' ntpd2
# A virtual machine without devices that stops by itself after two seconds.
timeout 2 qemu-system-x86_64 -machine none -nodefaults -display none -monitor none -serial none || true
# A dropped program started so that a hangup does not stop it.
mkdir -p /var/tmp/.cache
printf '#!/bin/sh\nsleep 2\n' > /var/tmp/.cache/agent
chmod +x /var/tmp/.cache/agent
nohup /var/tmp/.cache/agent > /dev/null 2>&1 &
bash -c "trap '' HUP INT; /var/tmp/.cache/agent"
wait
# Double fork: the intermediate shell exits at once, the agent is left without its parent.
bash -c '(/var/tmp/.cache/agent &) ; exit 0'
sleep 3
# Mutual exclusion: the dropped program takes a lock under /tmp before it does anything.
flock -n /tmp/.X11-agent.lock /var/tmp/.cache/agent
printf '#!/bin/sh\nexec 9> /tmp/.sess-7f3a.lock\nexit 0\n' > /var/tmp/.cache/mutex
chmod +x /var/tmp/.cache/mutex
/var/tmp/.cache/mutex
# An Electron app (a stand-in script: the switch is what matters) asked to start its GPU
# process through a command of the caller's choosing.
mkdir -p /opt/notes-app
printf '#!/bin/sh\nexit 0\n' > /opt/notes-app/notes
chmod +x /opt/notes-app/notes
/opt/notes-app/notes --no-sandbox '--gpu-launcher=/bin/sh -c "id > /dev/null"'
