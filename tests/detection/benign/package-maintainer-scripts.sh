#!/bin/bash
# Install and remove a small local .deb whose maintainer scripts inspect the system the way real ones do (uname, id, dpkg -l, systemctl, /etc/os-release).
# technique: T1082 T1033 T1518 T1007
set -eu
export LC_ALL=C
pkg="$TPY_WORK/pkg"
mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/doc/tpy-example"
cat > "$pkg/DEBIAN/control" <<'CTL'
Package: tpy-example
Version: 1.0
Architecture: all
Maintainer: tracee-py tests <tests@example.invalid>
Description: look-alike for the discovery signatures
CTL
cat > "$pkg/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
kernel=$(uname -r)
arch=$(uname -m)
[ "$(id -u)" -eq 0 ] || exit 1
. /etc/os-release
dpkg -l libc6 >/dev/null 2>&1 || true
dpkg-query -W -f='${Version}' dpkg >/dev/null
systemctl list-units --type=service --no-pager >/dev/null 2>&1 || true
ps -e >/dev/null
locale >/dev/null 2>&1 || true
getent group adm >/dev/null || true
cat /etc/os-release >/dev/null
echo "configured for $ID $kernel $arch" > /usr/share/doc/tpy-example/configured
SH
chmod 0755 "$pkg/DEBIAN/postinst"
echo "example" > "$pkg/usr/share/doc/tpy-example/README"
dpkg-deb --build --root-owner-group "$pkg" "$TPY_WORK/tpy-example.deb" >/dev/null
dpkg -i "$TPY_WORK/tpy-example.deb"
dpkg -r tpy-example
