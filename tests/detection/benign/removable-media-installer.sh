#!/bin/bash
# Use a USB stick the ordinary way: copy the photos off it, run the installer script that came on it (it only reads the stick and installs into /opt), and run a small Python tool kept on the stick that builds a photo index in the home folder (python3 caches the tool's module on the stick). The stick is a tmpfs mounted on /media inside the script's private mount namespace.
# technique: T1092
set -eu
mount -t tmpfs -o size=8m tpy-usb /media
stick=/media/USBSTICK
mkdir -p "$stick/DCIM/100CAMERA" "$stick/app/files" "$stick/tools"
for n in 0001 0002 0003; do
    echo "jpeg bytes $n" > "$stick/DCIM/100CAMERA/IMG_$n.JPG"
done
echo "1.4.2" > "$stick/app/VERSION"
printf '#!/bin/sh\necho tpy-app\n' > "$stick/app/files/tpy-app"
cat > "$stick/app/install.sh" <<'INSTALL'
#!/bin/sh
# install the application shipped beside this script into /opt/tpy-app
set -eu
src=$(dirname "$0")
version=$(cat "$src/VERSION")
mkdir -p "/opt/tpy-app-$version/bin"
cp "$src/files/tpy-app" "/opt/tpy-app-$version/bin/"
chmod 755 "/opt/tpy-app-$version/bin/tpy-app"
echo "installed tpy-app $version"
INSTALL
chmod +x "$stick/app/install.sh"
cat > "$stick/tools/photolist.py" <<'TOOL'
import os
import sys

import listing

print(listing.html(sys.argv[1]), file=open(sys.argv[2], "w"))
TOOL
cat > "$stick/tools/listing.py" <<'TOOL'
import os


def html(folder):
    names = sorted(os.listdir(folder))
    sizes = [len(open(os.path.join(folder, n), "rb").read()) for n in names]
    return "<ul>" + "".join(f"<li>{n} ({s} bytes)</li>" for n, s in zip(names, sizes)) + "</ul>"
TOOL

# copy the photos into the home folder
mkdir -p /root/Pictures/trip
cp -r "$stick/DCIM/100CAMERA/." /root/Pictures/trip/
# the installer, run from the stick both ways users run it
"$stick/app/install.sh"
sh "$stick/app/install.sh"
/opt/tpy-app-1.4.2/bin/tpy-app
# the tool on the stick: reads the photos there, writes its index at home (and, as python3
# does unless told not to, its module's bytecode cache into __pycache__ on the stick)
env -u PYTHONDONTWRITEBYTECODE /usr/bin/python3 "$stick/tools/photolist.py" "$stick/DCIM/100CAMERA" /root/Pictures/trip/index.html
test -s /root/Pictures/trip/index.html
test -s "$stick/tools/__pycache__/listing.cpython-311.pyc"
sync
umount /media
