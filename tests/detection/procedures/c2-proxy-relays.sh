#!/bin/bash
# Put relays in the way of the traffic: socat joining a loopback listener to an onward
# address, proxychains wrapping curl, and the Tor daemon. socat, proxychains4 and tor are
# not installed here, so each is a stand-in (a copy of /bin/true under its real name in the
# overlaid /usr/local/bin): the signature keys on the name and the arguments.
# technique: T1090 T1090.003
# expect: proxy-tool
set -eu
for tool in socat proxychains4 tor; do
    cp /bin/true "/usr/local/bin/$tool"
done
socat TCP-LISTEN:8443,bind=127.0.0.1,fork,reuseaddr TCP:127.0.0.1:22
proxychains4 -q curl -s http://127.0.0.1:1/
tor --SocksPort 127.0.0.1:9050 --RunAsDaemon 0
