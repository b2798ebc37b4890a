#!/bin/bash
# Look at a USB stick without taking anything: list it, check its free space, read its README, and make a folder on it. The stick is a tmpfs mounted on /media inside the script's private mount namespace.
set -eu
mount -t tmpfs -o size=8m tpy-usb /media
mkdir -p /media/USBSTICK
echo "hello" > /media/USBSTICK/README.txt
ls -la /media/USBSTICK > /dev/null
df -h /media/USBSTICK > /dev/null
cat /media/USBSTICK/README.txt > /dev/null
mkdir /media/USBSTICK/photos
umount /media
