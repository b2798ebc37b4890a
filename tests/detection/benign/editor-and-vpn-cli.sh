#!/bin/bash
# Everyday use of tools that share names with remote access agents: the VS Code CLI listing
# extensions and opening a file, tailscale asked for its status, cloudflared as a DNS over
# HTTPS proxy. None is installed here, so each is a stand-in (a copy of /bin/true in the
# overlaid /usr/local/bin) with the real tool's name and ordinary arguments.
set -eu
for tool in code tailscale cloudflared; do
    cp /bin/true "/usr/local/bin/$tool"
done
code --list-extensions
code --goto README.md:10
tailscale status
cloudflared proxy-dns --port 5053
