#!/bin/bash
# Routine deployment work: an Ansible ping and a package-state module, a Salt highstate
# test run, a playbook syntax check. None of the tools is installed here, so each is a
# stand-in (a copy of /bin/true in the overlaid /usr/local/bin) with its real name.
set -eu
for tool in ansible ansible-playbook salt; do
    cp /bin/true "/usr/local/bin/$tool"
done
ansible all -i inventory.ini -m ping
ansible web -i inventory.ini -m apt -a 'name=nginx state=present'
salt '*' state.apply test=True
ansible-playbook --syntax-check site.yml
