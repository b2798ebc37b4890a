#!/bin/bash
# Queue an at job by writing it straight into atd's spool, the file `at` itself would write
# (at is not installed here: the job file, its name and its mode are those at creates).
# technique: T1053.002
# expect: at-job-persistence
set -eu
spool=/var/spool/cron/atjobs
mkdir -p "$spool"
job=$spool/a0000101b2c3d4
cat > "$job" <<'JOB'
#!/bin/sh
# atrun uid=0 gid=0
# mail root 0
umask 22
cd /root || exit 1
/bin/sh -c 'id > /tmp/.at-beacon'
JOB
chmod 700 "$job"
ls -l "$spool"
