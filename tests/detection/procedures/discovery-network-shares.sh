#!/bin/bash
# Look for network file shares: NFS exports and SMB shares of a host on the loopback address, and this host's own export list (a made-up /etc/exports in the overlay). showmount and smbclient are not installed here: stand-ins (copies of /bin/true in the overlaid /usr/local/bin) carry their names and arguments.
# technique: T1135
# expect: network-share-discovery
set -eu
for tool in showmount smbclient; do cp /bin/true "/usr/local/bin/$tool"; done
printf '/srv/share 127.0.0.1(ro,sync)\n' > /etc/exports
showmount -e 127.0.0.1
smbclient -N -L //127.0.0.1
cat /etc/exports
