"""A batch reader for a BPF ring buffer of fixed-size records.

bcc's own consumer calls a Python function per event. Instead we map the ring buffer
ourselves (the layout libbpf uses: a consumer page we write, then a producer page and the
data pages) and copy everything between the consumer and producer positions out as one
NumPy array of records.

The kernel offers the data pages twice in a row, so that a record that wraps is contiguous;
libbpf maps both copies. We map them once and join the two pieces of a batch that wraps:
the batch is copied out anyway, and every mapped page counts in the recorder's resident
memory (the kernel populates the whole mapping), so two copies would show the ring twice.
"""

from __future__ import annotations

import mmap
import select

import numpy as np

from tracee_py.capture.wire import (
    RINGBUF_BUSY_BIT,
    RINGBUF_DISCARD_BIT,
    SLOT_DTYPE,
    SLOT_SIZE,
)


class RingBufferReader:
    def __init__(self, map_fd: int, size: int) -> None:
        page = mmap.PAGESIZE
        self.size = size
        self._data_offset = page
        self._consumer = mmap.mmap(
            map_fd, page, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=0
        )
        self._producer = mmap.mmap(
            map_fd, page + size, mmap.MAP_SHARED, mmap.PROT_READ, offset=page
        )
        # The positions as aligned 8-byte words: NumPy loads and stores them whole, where
        # struct.pack_into stores byte by byte and the kernel could read a torn position.
        self._cons_pos = np.frombuffer(self._consumer, dtype=np.uint64, count=1)
        self._prod_pos = np.frombuffer(self._producer, dtype=np.uint64, count=1)
        # Edge-triggered: woken by the wake-ups the kernel side forces (settings.wake_every),
        # not by every record that is waiting.
        self._epoll = select.epoll()
        self._epoll.register(map_fd, select.EPOLLIN | select.EPOLLET)

    def wait(self, timeout: float) -> bool:
        """Sleep until the kernel side asks for a read (True) or ``timeout`` seconds pass."""
        return bool(self._epoll.poll(timeout))

    def producer_position(self) -> int:
        return int(self._prod_pos[0])

    def consumer_position(self) -> int:
        return int(self._cons_pos[0])

    def pending_bytes(self) -> int:
        return self.producer_position() - self.consumer_position()

    def read_batch(self, max_records: int = 1 << 20) -> np.ndarray:
        """Copy out every committed record (up to ``max_records``) and release the space."""
        cons = self.consumer_position()
        prod = self.producer_position()
        avail = (prod - cons) // SLOT_SIZE
        if avail <= 0:
            return np.empty(0, dtype=SLOT_DTYPE)
        n = min(avail, max_records, (self.size // SLOT_SIZE))
        view = self._records(cons % self.size, n)
        lens = view["rb_len"]
        busy = np.flatnonzero(lens & RINGBUF_BUSY_BIT)
        if busy.size:
            n = int(busy[0])  # a producer has reserved but not committed yet: stop there
            if n == 0:
                return np.empty(0, dtype=SLOT_DTYPE)
            view = view[:n]
        batch = view.copy()
        # From the copy: once the consumer position moves, the kernel may reuse the space.
        keep = (batch["rb_len"] & RINGBUF_DISCARD_BIT) == 0
        self._cons_pos[0] = cons + n * SLOT_SIZE
        if not keep.all():
            batch = batch[keep]
        return batch

    def _records(self, start: int, n: int) -> np.ndarray:
        """``n`` records from data offset ``start``: a view, or a copy when they wrap."""
        nbytes = n * SLOT_SIZE
        head = min(nbytes, self.size - start)
        if head == nbytes:
            return np.frombuffer(
                self._producer, dtype=SLOT_DTYPE, count=n, offset=self._data_offset + start
            )
        joined = np.empty(nbytes, dtype=np.uint8)
        joined[:head] = np.frombuffer(
            self._producer, dtype=np.uint8, count=head, offset=self._data_offset + start
        )
        joined[head:] = np.frombuffer(
            self._producer, dtype=np.uint8, count=nbytes - head, offset=self._data_offset
        )
        return joined.view(SLOT_DTYPE)

    def close(self) -> None:
        self._epoll.close()
        del self._cons_pos, self._prod_pos  # views into the maps: gone before they close
        self._consumer.close()
        self._producer.close()
