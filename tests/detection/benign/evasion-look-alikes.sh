#!/bin/bash
# Everyday work that resembles defense evasion: a bind mount for a build, neighbour and firewall listings, a crontab listed and a .wants link removed, a program built and run then installed from a build folder, IFS and printf in shell one-liners, permissions set right, ordinary accounts, qemu's version, a waited-for background job, and an app with ordinary switches.
set -eu
cd "$TPY_WORK"
# A bind mount of a source tree into a build root (not hidden, not /proc).
mkdir -p src buildroot
mount --bind src buildroot
umount buildroot
# Looking, not flushing. iptables, nft and ufw are not installed here: stand-ins carry the
# names, as in the procedure, and change nothing.
mkdir -p /usr/local/sbin
for tool in iptables nft ufw; do
    printf '#!/bin/sh\nexit 0\n' > "/usr/local/sbin/$tool"
    chmod +x "/usr/local/sbin/$tool"
done
ip neigh show > /dev/null
ip route show > /dev/null
/usr/local/sbin/iptables -L -n
/usr/local/sbin/iptables -A INPUT -p tcp --dport 22 -j ACCEPT
/usr/local/sbin/nft list ruleset
/usr/local/sbin/ufw status
# Cron and systemd: list a crontab, drop a stale .wants link (as systemctl disable does).
crontab -l 2> /dev/null || true
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sf /lib/systemd/system/cron.service /etc/systemd/system/multi-user.target.wants/cron.service
rm -f /etc/systemd/system/multi-user.target.wants/cron.service
# A tool built in /srv, run once, then moved into place.
mkdir -p /srv/build /usr/local/libexec
printf 'int main(void) { return 0; }\n' > /srv/build/tool.c
gcc -o /srv/build/tool /srv/build/tool.c
/srv/build/tool
mv /srv/build/tool /usr/local/libexec/tool
# Shell one-liners with IFS and printf escapes, an eval of ordinary output, and rev alone.
bash -c 'IFS=: read -r user rest <<< "root:x:0"; echo "$user"' > /dev/null
bash -c 'printf "\x41\x42\n"' > /dev/null
bash -c 'eval "$(dircolors -b)"; echo ok' > /dev/null
echo olleh | rev > /dev/null
bash -c 'export HISTSIZE=5000 HISTTIMEFORMAT="%F %T "; echo ok' > /dev/null
# Permissions set the way they should be.
chmod 644 /etc/passwd
chmod 640 /etc/shadow
chown root:shadow /etc/shadow
mkdir -p /root/.ssh
chmod 700 /root/.ssh
# Ordinary accounts: a person with a shell, a service account without one.
useradd -m -s /bin/bash alice
useradd -r -M -s /usr/sbin/nologin appsvc
# qemu asked for its version only.
qemu-system-x86_64 --version > /dev/null
# Background work that is waited for; a trap that cleans up.
nohup sleep 1 > /dev/null 2>&1 &
wait
bash -c "trap 'rm -f $TPY_WORK/scratch' EXIT; touch $TPY_WORK/scratch"
# An app started with ordinary Chromium switches.
mkdir -p /opt/notes-app
printf '#!/bin/sh\nexit 0\n' > /opt/notes-app/notes
chmod +x /opt/notes-app/notes
/opt/notes-app/notes --no-sandbox --enable-features=WaylandWindowDecorations
