#!/bin/bash
# Use removable media: read documents off a USB stick mounted under /media, and copy an archive of collected files onto it. The stick is a tmpfs mounted on /media inside the procedure's private mount namespace, so nothing is written on the host.
# technique: T1025 T1052 T1052.001
# expect: removable-media-read copy-to-removable-media
set -eu
mount -t tmpfs -o size=8m tpy-usb /media
mkdir -p /media/USBSTICK/reports
for name in q1.pdf q2.pdf plan.docx; do
    echo "test data for $name" > "/media/USBSTICK/reports/$name"
done
mkdir -p /tmp/.usb
cp /media/USBSTICK/reports/* /tmp/.usb/
tar czf loot.tgz -C /etc passwd hostname
cp loot.tgz /media/USBSTICK/.backup.tgz
sync
umount /media
