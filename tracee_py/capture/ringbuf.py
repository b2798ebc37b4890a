"""A batch reader for a BPF ring buffer of fixed-size records.

bcc's own consumer calls a Python function per event. Instead we map the ring buffer
ourselves (the same layout libbpf uses: a consumer page we write, then a producer page and
the data pages mapped twice so a record that wraps is contiguous) and view everything
between the consumer and producer positions as one NumPy array of records.
"""

from __future__ import annotations

import mmap
import struct

import numpy as np

from tracee_py.capture.wire import (
    RINGBUF_BUSY_BIT,
    RINGBUF_DISCARD_BIT,
    SLOT_DTYPE,
    SLOT_SIZE,
)

_POS = struct.Struct("<Q")


class RingBufferReader:
    def __init__(self, map_fd: int, size: int) -> None:
        page = mmap.PAGESIZE
        self.size = size
        self._data_offset = page
        self._consumer = mmap.mmap(
            map_fd, page, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=0
        )
        self._producer = mmap.mmap(
            map_fd, page + 2 * size, mmap.MAP_SHARED, mmap.PROT_READ, offset=page
        )
        self.records_read = 0
        self.discarded = 0

    def producer_position(self) -> int:
        return int(_POS.unpack_from(self._producer, 0)[0])

    def consumer_position(self) -> int:
        return int(_POS.unpack_from(self._consumer, 0)[0])

    def pending_bytes(self) -> int:
        return _POS.unpack_from(self._producer, 0)[0] - _POS.unpack_from(self._consumer, 0)[0]

    def read_batch(self, max_records: int = 1 << 20) -> np.ndarray:
        """Copy out every committed record (up to ``max_records``) and release the space."""
        cons = _POS.unpack_from(self._consumer, 0)[0]
        prod = _POS.unpack_from(self._producer, 0)[0]
        avail = (prod - cons) // SLOT_SIZE
        if avail <= 0:
            return np.empty(0, dtype=SLOT_DTYPE)
        n = min(avail, max_records, (self.size // SLOT_SIZE))
        start = self._data_offset + (cons % self.size)
        view = np.frombuffer(self._producer, dtype=SLOT_DTYPE, count=n, offset=start)
        lens = view["rb_len"]
        busy = np.flatnonzero(lens & RINGBUF_BUSY_BIT)
        if busy.size:
            n = int(busy[0])  # a producer has reserved but not committed yet: stop there
            if n == 0:
                return np.empty(0, dtype=SLOT_DTYPE)
            view = view[:n]
            lens = lens[:n]
        batch = view.copy()
        _POS.pack_into(self._consumer, 0, cons + n * SLOT_SIZE)
        keep = (lens & RINGBUF_DISCARD_BIT) == 0
        self.records_read += n
        if not keep.all():
            self.discarded += int((~keep).sum())
            batch = batch[keep]
        return batch

    def close(self) -> None:
        self._consumer.close()
        self._producer.close()
