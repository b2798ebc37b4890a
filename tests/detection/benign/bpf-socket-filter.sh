#!/bin/bash
# Ordinary BPF use: a map and a socket filter program (what packet filters load).
set -eu
python3 - <<'PY'
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
attr = ctypes.create_string_buffer(128)
struct.pack_into("<IIIII", attr, 0, 2, 4, 8, 1, 0)
attr[28:28 + 7] = b"counts\0"
map_fd = libc.syscall(321, 0, attr, 72)
insns = (ctypes.c_uint64 * 2)(0xB7, 0x95)
license_ = ctypes.create_string_buffer(b"GPL")
attr = ctypes.create_string_buffer(128)
struct.pack_into("<IIQQ", attr, 0, 1, 2, ctypes.addressof(insns), ctypes.addressof(license_))
attr[48:48 + 7] = b"filter\0"
prog_fd = libc.syscall(321, 5, attr, 128)
assert map_fd >= 0 and prog_fd >= 0, os.strerror(ctypes.get_errno())
os.close(map_fd)
os.close(prog_fd)
PY
