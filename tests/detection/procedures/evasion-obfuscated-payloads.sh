#!/bin/bash
# Run payloads that hide what they are: commands spelled with ${IFS}, reversed and hex-escaped text run by a shell, an executable packed with gzexe (and one with a upx stand-in), and a script pulled out of an image with a steghide stand-in.
# technique: T1027.002 T1027.003 T1027.010
# expect: obfuscated-command-line packer-run steganography-extract
set -eu
cd "$TPY_WORK"
# Command obfuscation: the shell command lines are what a detector sees.
bash -c 'cat${IFS}/etc/hostname' > /dev/null
sh -c 'echo "di" | rev | sh' > /dev/null
bash -c "eval \"\$(printf '\\x75\\x6e\\x61\\x6d\\x65')\"" > /dev/null
# Packing: gzexe (real) turns a program into a self-extracting one that unpacks into /tmp.
cp /usr/bin/hostname ./svc
gzexe ./svc > /dev/null
./svc > /dev/null
# upx and steghide are not installed: stand-ins carrying the names the signatures key on.
mkdir -p /usr/local/bin
printf '#!/bin/sh\nexit 0\n' > /usr/local/bin/upx
printf '#!/bin/sh\nprintf "#!/bin/sh\\nid\\n" > extracted.sh\n' > /usr/local/bin/steghide
chmod +x /usr/local/bin/upx /usr/local/bin/steghide
cp /usr/bin/true ./agent
upx --best -q ./agent
printf 'JFIF' > cat.jpg
steghide extract -sf cat.jpg -p hunter2 -f
