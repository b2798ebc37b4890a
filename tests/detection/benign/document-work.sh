#!/bin/bash
# Ordinary document work: a user lists and reads their own documents, finds their PDFs and counts lines of their text files with find -exec wc, and copies one folder of reports into a temporary folder with cp -r.
set -eu
mkdir -p /home/dana/Documents/reports
for name in a.pdf b.pdf c.docx d.xlsx e.csv f.csv; do
    echo "test data for $name" > "/home/dana/Documents/reports/$name"
done
ls -l /home/dana/Documents > /dev/null
cat /home/dana/Documents/reports/a.pdf > /dev/null
find /home/dana -name '*.pdf' > /dev/null
find /home/dana -name '*.csv' -exec wc -l {} \; > /dev/null
cp -r /home/dana/Documents/reports /tmp/reports-copy
