#!/bin/bash
# Start remote access agents and tunnel clients the way an intruder installs them: AnyDesk
# and RustDesk (remote desktop), `code tunnel` (an IDE tunnel) and ngrok / cloudflared
# (reverse tunnels). None is installed here, so each is a stand-in (a copy of /bin/true
# under its real name in the overlaid /usr/local/bin): the signature keys on the name and
# the arguments, and nothing leaves the host.
# technique: T1219 T1219.001 T1219.002
# expect: remote-access-tool
set -eu
for tool in anydesk rustdesk code ngrok cloudflared; do
    cp /bin/true "/usr/local/bin/$tool"
done
anydesk --service
rustdesk --server
code tunnel --accept-server-license-terms --name build-box
ngrok tcp 22
cloudflared tunnel --url http://127.0.0.1:8080
