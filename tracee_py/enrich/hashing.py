"""sha256 of executed files, cached by (device, inode, size, mtime)."""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict


class ExeHasher:
    def __init__(self, max_bytes: int = 64 << 20, cache_size: int = 4096) -> None:
        self.max_bytes = max_bytes
        self._cache: OrderedDict[tuple[int, int, int, int], str] = OrderedDict()
        self._cache_size = cache_size
        self.hashed = 0
        self.cache_hits = 0

    def sha256(self, path: str | None, root: str = "/") -> str | None:
        """None when the file is gone, unreadable, not regular, or over the size cap."""
        if not path or not path.startswith("/") or self.max_bytes <= 0:
            return None
        full = os.path.join(root, path.lstrip("/")) if root != "/" else path
        try:
            st = os.stat(full)
        except OSError:
            return None
        if st.st_mode & 61440 != 32768 or st.st_size > self.max_bytes:
            return None
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            self.cache_hits += 1
            return hit
        h = hashlib.sha256()
        try:
            with open(full, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
        except OSError:
            return None
        digest = h.hexdigest()
        self.hashed += 1
        self._cache[key] = digest
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return digest
