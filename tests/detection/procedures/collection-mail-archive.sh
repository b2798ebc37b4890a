#!/bin/bash
# Steal mail: a Python script reads a local mbox (/var/mail/alice) and a Maildir (/home/bob/Maildir, planted test messages) and packs them with the zipfile library into a hidden folder in /var/tmp, then wraps that zip in a tar.gz (tarfile) in /tmp.
# technique: T1114 T1560.002
# expect: email-store-read interpreter-archive-staged
set -eu
mkdir -p /var/mail /home/bob/Maildir/cur /home/bob/Maildir/new /home/bob/Maildir/tmp
printf 'From a@example.invalid Sat Dec  5 10:00:00 2026\nSubject: payroll\n\ntest message\n' > /var/mail/alice
for n in 1 2 3; do
    printf 'Subject: note %s\n\ntest message %s\n' "$n" "$n" > "/home/bob/Maildir/cur/170000000$n.M1P1.host:2,S"
done
mkdir -p /var/tmp/.m
/usr/bin/python3 - <<'PY'
import glob
import tarfile
import zipfile

boxes = ["/var/mail/alice", *sorted(glob.glob("/home/bob/Maildir/cur/*"))]
with zipfile.ZipFile("/var/tmp/.m/mail.zip", "w", zipfile.ZIP_DEFLATED) as archive:
    for box in boxes:
        with open(box, "rb") as f:
            archive.writestr(box.lstrip("/"), f.read())
with tarfile.open("/tmp/.mail.tar.gz", "w:gz") as archive:
    archive.add("/var/tmp/.m/mail.zip", arcname="mail.zip")
PY
rm -rf /var/tmp/.m
