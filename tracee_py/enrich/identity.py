"""Process identity: a stable id for one process lifetime.

``process_id`` is derived from (boot_id, pid, start time in clock ticks since boot). Ticks
(1/100 s, the unit of ``/proc/PID/stat`` field 22) are what both sources can agree on: a
process seen at fork (boot-time ns from the kernel) and one found in ``/proc`` at start get
the same id.
"""

from __future__ import annotations

import hashlib
import os

NS_PER_TICK = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def start_ticks_from_ns(boot_ns: int) -> int:
    return boot_ns // NS_PER_TICK


def process_id(boot_id: str, pid: int, start_ticks: int) -> int:
    """64-bit id, unique across pid reuse and reboots (top bit clear: fits int64 too)."""
    digest = hashlib.blake2b(f"{boot_id}:{pid}:{start_ticks}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF_FFFF_FFFF
