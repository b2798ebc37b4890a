#!/bin/bash
# Ordinary uses of relay tools: socat talking to a local unix socket and reading stdin,
# the tor binary asked for its version by a package script. Neither is installed here, so
# each is a stand-in (a copy of /bin/true in the overlaid /usr/local/bin) with its real
# name and ordinary arguments.
set -eu
for tool in socat tor; do
    cp /bin/true "/usr/local/bin/$tool"
done
socat - UNIX-CONNECT:/run/example.sock
socat -u OPEN:/etc/hostname STDOUT
tor --version
tor --verify-config -f /etc/tor/torrc
