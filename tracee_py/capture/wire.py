"""The wire record (``struct event`` in bpf/common.h) as a NumPy dtype.

The ring buffer holds fixed-size records, so a batch of them is one NumPy structured
array: no per-event Python object on the hot path. tests/test_wire_contract.py checks the
declaration of ``struct event``, the ``F_*`` bits and the lost-counter map in bpf/common.h
against this module offline; test_wire_layout_matches_clang in
tests/capture/test_record_node.py compiles the program and checks clang's layout against
:data:`EVENT_DTYPE`.

What the generic fields (``a0``..``a3``, ``str``, ``addr``) hold per kind and syscall is
``WIRE_TABLE`` in :mod:`tracee_py.schema`; :mod:`tracee_py.capture.decode` follows it.
"""

from __future__ import annotations

import numpy as np

from tracee_py.schema import STR_MAX

RINGBUF_HEADER_SIZE = 8
RINGBUF_BUSY_BIT = 1 << 31
RINGBUF_DISCARD_BIT = 1 << 30

F_STR_TRUNCATED = 1
F_ARGV_TRUNCATED = 2
F_EXIT_UNKNOWN = 4
F_STR_UNREADABLE = 8  # the string could not be read from user memory (a bad pointer)
F_NO_STR = 16  # the call named no string (futimens: a NULL path): the column is null

EVENT_FIELDS: list[tuple[str, str] | tuple[str, str, tuple[int, ...]]] = [
    ("ts", "<u8"),
    ("cgroup_id", "<u8"),
    ("retval", "<i8"),
    ("a0", "<i8"),
    ("a1", "<i8"),
    ("a2", "<i8"),
    ("a3", "<i8"),
    ("kind", "<u4"),
    ("pid", "<u4"),
    ("tid", "<u4"),
    ("uid", "<u4"),
    ("gid", "<u4"),
    ("syscall", "<u2"),
    ("flags", "<u2"),
    ("comm", "S16"),
    ("addr", "u1", (16,)),
    ("str", f"V{STR_MAX}"),
]
EVENT_DTYPE = np.dtype(EVENT_FIELDS, align=True)

# One slot of the ring buffer: the kernel's 8-byte header, then the record, padded to 8.
_slot = RINGBUF_HEADER_SIZE + EVENT_DTYPE.itemsize
SLOT_SIZE = (_slot + 7) & ~7
SLOT_DTYPE = np.dtype(
    {
        "names": ["rb_len", "rb_pgoff", "ev"],
        "formats": ["<u4", "<u4", EVENT_DTYPE],
        "offsets": [0, 4, RINGBUF_HEADER_SIZE],
        "itemsize": SLOT_SIZE,
    }
)
