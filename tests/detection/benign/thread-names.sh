#!/bin/bash
# Ordinary programs name their threads and themselves: worker names set with prctl and
# through /proc/self/task/TID/comm.
set -eu
python3 - <<'PY'
import ctypes, threading
libc = ctypes.CDLL(None)
libc.prctl(15, b"app-main", 0, 0, 0)
def work(i):
    with open(f"/proc/self/task/{threading.get_native_id()}/comm", "w") as f:
        f.write(f"worker-{i}")
threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
for t in threads: t.start()
for t in threads: t.join()
PY
