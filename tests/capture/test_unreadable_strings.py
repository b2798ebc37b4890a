"""A path the kernel cannot read from user memory is recorded as unknown (NULL), not as an
empty path: real syscalls with a bad pointer, under a real recording."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.capture.conftest import Recording, run_tracee

# openat, chdir and execve, each with the address 1 as its path (EFAULT), then a good
# open for contrast. Syscall numbers are x86-64's.
SCRIPT = r"""
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
bad = ctypes.c_void_p(1)
assert libc.syscall(257, -100, bad, 0) == -1 and ctypes.get_errno() == 14  # openat
assert libc.syscall(80, bad) == -1 and ctypes.get_errno() == 14  # chdir
assert libc.syscall(59, bad, None, None) == -1 and ctypes.get_errno() == 14  # execve
open(sys.argv[1]).close()
"""


def test_paths_that_cannot_be_read_are_null(tmp_path: Path) -> None:
    data, good = tmp_path / "data", tmp_path / "readable.txt"
    good.write_text("x")
    result = run_tracee(
        "record", "--data", str(data), "--quiet", "--", sys.executable, "-c", SCRIPT, str(good)
    )
    assert result.returncode == 0, result.stderr
    rec = Recording(data=data, work=tmp_path, facts={}, result=result)
    rows = rec.sql(
        "SELECT event, syscall, path, retval FROM events "
        "WHERE comm LIKE 'python%' AND retval = -14 ORDER BY time"
    )
    assert rows == [
        ("file_open", "openat", None, -14),
        ("chdir", "chdir", None, -14),
        ("process_exec", "execve", None, -14),
    ]
    assert rec.one(
        "SELECT path, retval >= 0 FROM events WHERE event = 'file_open' AND path = ?",
        [str(good)],
    ) == (str(good), True)
