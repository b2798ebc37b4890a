#!/bin/bash
# Sweep three users' home folders for office documents, PDFs, key files and password databases (planted test files), copy every hit into a hidden staging folder in /tmp with find -exec cp, and gather the text files with find | xargs cp.
# technique: T1005 T1119 T1074 T1074.001
# expect: home-documents-read automated-file-collection files-staged-in-one-directory
set -eu
for who in /home/alice /home/bob /home/carol; do
    mkdir -p "$who/Documents" "$who/notes"
    for name in budget.xlsx contract.docx scan.pdf vault.kdbx; do
        echo "test data for $name" > "$who/Documents/$name"
    done
    echo "todo" > "$who/notes/todo.txt"
done
stage=/tmp/.s
mkdir -p "$stage"
find /home -type f \( -name '*.pdf' -o -name '*.docx' -o -name '*.xlsx' -o -name '*.kdbx' \) \
    -exec cp --backup=numbered {} "$stage/" \;
find /home -type f -name '*.txt' -print0 | xargs -0 cp --backup=numbered -t "$stage"
ls -la "$stage" > /dev/null
