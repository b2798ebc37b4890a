#!/bin/bash
# Run what a user downloaded: an executable saved to ~/Downloads (a copy of /bin/echo named like an invoice viewer) and a setup script there run through bash, both in the overlaid /root.
# technique: T1204.002
# expect: downloads-exec
set -eu
mkdir -p /root/Downloads
cp /bin/echo /root/Downloads/invoice-viewer
chmod +x /root/Downloads/invoice-viewer
/root/Downloads/invoice-viewer 'opened invoice'
printf '#!/bin/sh\necho setup done\n' > /root/Downloads/setup.sh
bash /root/Downloads/setup.sh
