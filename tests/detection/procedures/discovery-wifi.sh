#!/bin/bash
# List wireless interfaces, visible networks and the saved Wi-Fi profiles (a made-up one written into the overlaid /etc first). iwconfig, iw and nmcli are not installed here: stand-ins (copies of /bin/true in the overlaid /usr/local/bin) carry their names and arguments, which is what the signature reads.
# technique: T1016.002
# expect: wifi-discovery
set -eu
for tool in iwconfig iw nmcli; do cp /bin/true "/usr/local/bin/$tool"; done
mkdir -p /etc/NetworkManager/system-connections
printf '[connection]\nid=office\ntype=wifi\n[wifi]\nssid=office\n[wifi-security]\npsk=made-up-not-a-key\n' \
    > /etc/NetworkManager/system-connections/office.nmconnection
iwconfig
iw dev
nmcli -t -f SSID,SIGNAL,SECURITY dev wifi list
grep -h '^ssid=\|^psk=' /etc/NetworkManager/system-connections/office.nmconnection
