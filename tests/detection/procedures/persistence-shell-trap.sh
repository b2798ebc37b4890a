#!/bin/bash
# Hide a payload in shell traps: a shell started with -c that runs a hidden program when it
# exits or is interrupted, and the same trap appended to root's .bashrc.
# technique: T1546.005
# expect: shell-trap-command shell-profile-change
set -eu
export HOME=/root
printf '#!/bin/sh\nid > /tmp/.trap-beacon\n' > /tmp/.trap-payload
chmod +x /tmp/.trap-payload
bash -c "trap '/tmp/.trap-payload' EXIT INT; echo working"
echo "trap '/tmp/.trap-payload' EXIT" >> /root/.bashrc
cat /tmp/.trap-beacon
