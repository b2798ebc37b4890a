#!/bin/bash
# Everyday work that resembles defense evasion: a bind mount for a build, firewall rules listed and added, a crontab listed, a program built and run then installed from a build folder, IFS and printf in shell one-liners, permissions set right, service accounts added by a package, qemu's version, a waited-for background job, and an app with ordinary switches.
set -eu
cd "$TPY_WORK"
# A bind mount of a source tree into a build root (not hidden, not /proc).
mkdir -p src buildroot
mount --bind src buildroot
umount buildroot
# Firewall rules listed and added, not flushed. iptables, nft and ufw are not installed
# here: stand-ins carry the names and change nothing. They sit in a folder of their own, off
# PATH, so they shadow no system command.
mkdir -p /opt/fwtools
for tool in iptables nft ufw; do
    printf '#!/bin/sh\nexit 0\n' > "/opt/fwtools/$tool"
    chmod +x "/opt/fwtools/$tool"
done
/opt/fwtools/iptables -L -n
/opt/fwtools/iptables -A INPUT -p tcp --dport 22 -j ACCEPT
/opt/fwtools/nft list ruleset
/opt/fwtools/ufw status
# Cron: list the crontab.
crontab -l 2> /dev/null || true
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
# Service accounts made the way packages make them: a local .deb whose maintainer script
# adds a system account with a login shell (as postgresql's does) and one named systemd-*.
export LC_ALL=C
deb="$TPY_WORK/deb"
mkdir -p "$deb/DEBIAN"
printf 'Package: tpy-accounts\nVersion: 1.0\nArchitecture: all\nMaintainer: tracee-py tests <tests@example.invalid>\nDescription: look-alike for the account signatures\n' > "$deb/DEBIAN/control"
printf '#!/bin/sh\nset -e\nuseradd --system --no-create-home --shell /bin/bash tpy-postgres\nuseradd --system --no-create-home --shell /usr/sbin/nologin systemd-tpyd\n' > "$deb/DEBIAN/postinst"
chmod 0755 "$deb/DEBIAN/postinst"
dpkg-deb --build --root-owner-group "$deb" "$TPY_WORK/tpy-accounts.deb" > /dev/null
dpkg -i "$TPY_WORK/tpy-accounts.deb" > /dev/null
dpkg -r tpy-accounts > /dev/null
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
