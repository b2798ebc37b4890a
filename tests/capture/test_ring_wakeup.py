"""The drain thread sleeps on the ring buffer; the kernel side wakes it every
``wake_every`` records a CPU submits, and not before (records go in without a wake-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tracee_py.capture.loader import LoadedProgram
from tracee_py.capture.ringbuf import RingBufferReader
from tracee_py.capture.settings import CaptureSettings
from tracee_py.schema import EventKind

# Pinned to CPU 0 and renamed (the program records only this comm), the child opens a file
# N times when told to on stdin, then says "done"; "exit" ends it.
CHILD = r"""
import ctypes, os, sys
os.sched_setaffinity(0, {0})
ctypes.CDLL(None).prctl(15, b"tp-wake-test", 0, 0, 0)  # PR_SET_NAME
target = sys.argv[1]
for line in sys.stdin:
    if line.strip() == "exit":
        break
    for _ in range(int(line)):
        os.close(os.open(target, os.O_RDONLY))
    print("done", flush=True)
"""


def test_reader_is_woken_at_the_wake_every_th_record(tmp_path: Path) -> None:
    settings = CaptureSettings(ringbuf_mb=1, comm="tp-wake-test")
    every = settings.wake_every
    assert every & (every - 1) == 0 and every >= 1
    target = tmp_path / "target"
    target.write_text("x")
    program = LoadedProgram(settings)
    reader = RingBufferReader(program.ring_fd, program.ring_size)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:

        def opens(n: int) -> None:
            child.stdin.write(f"{n}\n")  # type: ignore[union-attr]
            child.stdin.flush()  # type: ignore[union-attr]
            assert child.stdout.readline().strip() == "done"  # type: ignore[union-attr]

        opens(every - 1)
        # The records are in the ring, but nothing has woken the reader.
        assert reader.wait(0.5) is False
        batch = reader.read_batch()
        assert len(batch) == every - 1
        assert set(batch["ev"]["kind"].tolist()) == {int(EventKind.FILE_OPEN)}
        opens(1)  # the wake_every-th record of CPU 0
        assert reader.wait(30) is True
        assert len(reader.read_batch()) == 1
        opens(every - 1)
        assert reader.wait(0.5) is False
        opens(1)
        assert reader.wait(30) is True
        assert len(reader.read_batch()) == every
    finally:
        child.communicate("exit\n", timeout=30)
        reader.close()
        program.close()


def test_wake_every_leaves_room_for_every_cpu() -> None:
    """All CPUs one record short of a wake-up fill at most a quarter of the ring."""
    import os

    from tracee_py.capture.wire import SLOT_SIZE

    cpus = os.cpu_count() or 1
    for mb in (1, 2, 32, 1024):
        every = CaptureSettings(ringbuf_mb=mb).wake_every
        records = mb * 1024 * 1024 // SLOT_SIZE
        assert every & (every - 1) == 0
        assert cpus * every <= records // 4 or every == 1
        assert cpus * every * 2 > records // 4  # the largest such power of two
