#!/bin/bash
# Everyday administration next to the places persistence hides: log in through PAM with su,
# read the shell profiles, read the APT, motd, udev, autostart and trust-store configuration,
# install a tool of our own into /usr/local/bin, add a user to an ordinary group, let a
# server bind low ports with a capability, and look into a child's network namespace.
# technique: T1546.004 T1556.003 T1553.004 T1574.007 T1098.007 T1548 T1611 T1053.006
set -eu
su nobody -s /bin/sh -c true
cat /etc/profile /etc/bash.bashrc /root/.bashrc > /dev/null
apt-config dump > /dev/null
run-parts --test /etc/update-motd.d > /dev/null
cat /etc/udev/rules.d/*.rules > /dev/null 2>&1 || true
ls /etc/xdg/autostart > /dev/null 2>&1 || true
openssl x509 -noout -subject -in /etc/ssl/certs/ca-certificates.crt > /dev/null
printf '#!/bin/sh\necho "deploy report"\n' > /usr/local/bin/deploy-report
chmod 755 /usr/local/bin/deploy-report
deploy-report > /dev/null
usermod -aG audio nobody
cp /usr/bin/true "$TPY_WORK/webserver"
setcap cap_net_bind_service=+ep "$TPY_WORK/webserver"
sleep 30 &
child=$!
nsenter -t "$child" -n -- true
kill "$child"
wait "$child" || true
systemd-run --version > /dev/null
