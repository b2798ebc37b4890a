#!/bin/bash
# Install a locally built package that ships a program in /usr/bin, a data file in /usr/lib
# and a Python module, byte-compile the module as Debian's py3compile does (the cache goes
# under /usr/lib/python3), then use them.
set -eu
mkdir -p pkg/DEBIAN pkg/usr/bin pkg/usr/lib/hello-tool pkg/usr/lib/python3/dist-packages
cat > pkg/DEBIAN/control <<'CTL'
Package: hello-tool
Version: 1.0
Architecture: all
Maintainer: tests <tests@example.invalid>
Description: says hello
CTL
printf '#!/bin/sh\necho hello\n' > pkg/usr/bin/hello-tool
chmod 755 pkg/usr/bin/hello-tool
echo 'greeting=hello' > pkg/usr/lib/hello-tool/defaults
printf 'GREETING = "hello"\n' > pkg/usr/lib/python3/dist-packages/hello_tool.py
dpkg-deb -b pkg hello-tool.deb > /dev/null
dpkg -i hello-tool.deb > /dev/null
hello-tool
/usr/bin/python3 -m compileall -q /usr/lib/python3/dist-packages/hello_tool.py
/usr/bin/python3 -c 'import hello_tool; print(hello_tool.GREETING)'
ls /usr/lib/python3/dist-packages/__pycache__/hello_tool*
