#!/bin/bash
# Overwrite and erase the system firmware with flashrom's internal programmer. flashrom is not installed here: a stand-in (a copy of /bin/true in the overlaid /usr/local/bin) carries its name and options, so no flash chip is touched; the image is a file of zeros.
# technique: T1495
# expect: firmware-write
set -eu
cd "$TPY_WORK"
cp /bin/true /usr/local/bin/flashrom
head -c 4096 /dev/zero > bios.bin
flashrom -p internal -w bios.bin
flashrom -p internal -E
