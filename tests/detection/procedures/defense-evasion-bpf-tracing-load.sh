#!/bin/bash
# Load a (harmless, never attached) BPF tracepoint program by hand through the bpf
# syscall, as an eBPF rootkit's loader does.
# technique: T1014
# expect: bpf-tracing-program-load
set -eu
python3 - <<'PY'
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
insns = (ctypes.c_uint64 * 2)(0xB7, 0x95)  # r0 = 0; exit
license_ = ctypes.create_string_buffer(b"GPL")
attr = ctypes.create_string_buffer(128)
struct.pack_into("<IIQQ", attr, 0, 5, 2, ctypes.addressof(insns), ctypes.addressof(license_))
attr[48:48 + 9] = b"hide_pid\0"
fd = libc.syscall(321, 5, attr, 128)  # BPF_PROG_LOAD, BPF_PROG_TYPE_TRACEPOINT
assert fd >= 0, os.strerror(ctypes.get_errno())
os.close(fd)
PY
