#!/bin/bash
# List attached USB and PCI devices and input devices, looking for token readers, cameras and removable drives. lsusb and lspci are not installed here: stand-ins (copies of /bin/true in the overlaid /usr/local/bin) carry their names; the reads of /proc/bus/input/devices and /sys/bus/pci/devices are real.
# technique: T1120
# expect: peripheral-discovery
set -eu
for tool in lsusb lspci; do cp /bin/true "/usr/local/bin/$tool"; done
lsusb
lspci -nn
cat /proc/bus/input/devices > /dev/null
ls /sys/bus/pci/devices > /dev/null
