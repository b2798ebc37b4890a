#!/bin/bash
# Ordinary mail and packaging: deliver a message into a local mbox, list the spool, let a mail reader (a copy of cat named `from`, the tool that lists a mailbox's senders) read it, and zip a project folder and tar a log folder with Python's zipfile/tarfile inside the work directory.
set -eu
mkdir -p /var/mail site/css logs
printf 'From cron@example.invalid Sat Dec  5 10:00:00 2026\nSubject: cron output\n\nok\n' >> /var/mail/root
ls -l /var/mail > /dev/null
stat /var/mail/root > /dev/null
cp /bin/cat /usr/local/bin/from
from /var/mail/root > /dev/null
echo '<h1>hi</h1>' > site/index.html
echo 'body {}' > site/css/main.css
echo 'started' > logs/app.log
/usr/bin/python3 -m zipfile -c site.zip site/
/usr/bin/python3 -c 'import tarfile; tarfile.open("logs.tar.gz", "w:gz").add("logs")'
