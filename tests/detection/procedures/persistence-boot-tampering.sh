#!/bin/bash
# Tamper with what runs before the OS: add a GRUB menu entry script and change the kernel
# command line in /etc/default/grub, drop a module into /boot/grub, and write a boot-record
# sized block to the first sector of a disk. The disk is a loop device over a file in this
# script's overlay, detached at the end.
# technique: T1542 T1542.003
# expect: boot-files-change boot-sector-write
set -eu
mkdir -p /etc/grub.d /boot/grub/x86_64-efi
cat > /etc/grub.d/09_recovery <<'GRUB'
#!/bin/sh
cat <<'ENTRY'
menuentry 'Recovery' { linux /boot/vmlinuz init=/bin/sh }
ENTRY
GRUB
chmod 755 /etc/grub.d/09_recovery
touch /etc/default/grub
echo 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT module.sig_enforce=0"' >> /etc/default/grub
head -c 4096 /dev/urandom > /boot/grub/x86_64-efi/hook.mod
truncate -s 8M "$TPY_WORK/disk.img"
head -c 446 /dev/urandom > "$TPY_WORK/stage1.bin"
loop=$(losetup --find --show "$TPY_WORK/disk.img")
dd if="$TPY_WORK/stage1.bin" of="$loop" bs=446 count=1 conv=notrunc status=none
losetup -d "$loop"
