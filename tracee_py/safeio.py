"""Reading files that someone else may have planted: regular files only, size-bounded.

A FIFO blocks a reader forever, ``/dev/zero`` never ends, and a symlink points wherever
its author liked (``rule.yaml -> /etc/shadow``). Every file tracee-py reads from a
signature pack, a query file or a recording goes through :func:`read_regular` or is
checked with :func:`regular_file_problem` first.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tracee_py.errors import TraceePyError


class UnsafeFile(TraceePyError):
    """A path that is not a regular file, or is larger than the reader accepts."""


def regular_file_problem(path: Path, *, follow_symlinks: bool = False) -> str | None:
    """Why ``path`` must not be opened (not a regular file, a symlink), or None."""
    try:
        st = path.stat() if follow_symlinks else path.lstat()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return f"is {kind_of(st.st_mode)}, not a regular file"
    return None


def read_regular(path: Path, max_bytes: int, *, follow_symlinks: bool = False) -> bytes:
    """The bytes of ``path``; raises :class:`UnsafeFile` for anything but a regular file of
    at most ``max_bytes``, and ``OSError`` when it cannot be read.

    The file is opened without blocking (a FIFO returns at once) and checked on the open
    descriptor, so it cannot be swapped between the check and the read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and path.is_symlink():
            raise UnsafeFile(f"{path} is a symbolic link, not a regular file") from exc
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(f"{path} is {kind_of(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise UnsafeFile(f"{path} is {st.st_size:,} bytes; at most {max_bytes:,} are read")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while being read
        raise UnsafeFile(f"{path} is larger than {max_bytes:,} bytes")
    return data


def kind_of(mode: int) -> str:
    """What a file mode says the file is: ``a FIFO``, ``a symbolic link``, ..."""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "an unknown kind of file"
