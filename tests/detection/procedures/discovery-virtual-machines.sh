#!/bin/bash
# List the guests of a hypervisor host, as ransomware aimed at ESXi and KVM hosts does before stopping them: libvirt's and VirtualBox's lists and the libvirt image folder. virsh and VBoxManage are not installed here: stand-ins (copies of /bin/true in the overlaid /usr/local/bin) carry their names and arguments.
# technique: T1673
# expect: vm-discovery
set -eu
for tool in virsh VBoxManage; do cp /bin/true "/usr/local/bin/$tool"; done
virsh list --all
virsh dominfo web01
VBoxManage list runningvms
ls /var/lib/libvirt/images 2> /dev/null || true
