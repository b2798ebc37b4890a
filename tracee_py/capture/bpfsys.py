"""Direct ``bpf(2)`` probes: what this kernel lets us load, asked the way libbpf does.

Each probe loads (and for trampolines, attaches) the smallest program or map that answers
one question, then closes it at once. That costs milliseconds, where asking bcc would cost
a full compile. Nothing here is kept loaded.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

_libc = ctypes.CDLL(None, use_errno=True)
_SYS_BPF = 321  # x86_64

CMD_MAP_CREATE = 0
CMD_PROG_LOAD = 5
CMD_RAW_TRACEPOINT_OPEN = 17

MAP_TYPE_RINGBUF = 27
PROG_TYPE_TRACEPOINT = 5
PROG_TYPE_TRACING = 26
ATTACH_TRACE_FENTRY = 24
ATTACH_TRACE_FEXIT = 25

# r0 = 0; exit
_RETURN_0 = struct.pack("<BBhi", 0xB7, 0, 0, 0) + struct.pack("<BBhi", 0x95, 0, 0, 0)
_ATTR_SIZE = 128
_LOG_SIZE = 4096


def _call_helper(helper_id: int) -> bytes:
    return struct.pack("<BBhi", 0x85, 0, 0, helper_id) + _RETURN_0


def _bpf(cmd: int, attr: ctypes.Array[ctypes.c_char]) -> tuple[int, int]:
    """(result, errno) of one bpf(2) call."""
    rc = _libc.syscall(_SYS_BPF, cmd, attr, _ATTR_SIZE)
    return rc, (ctypes.get_errno() if rc < 0 else 0)


def _attr() -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer(_ATTR_SIZE)


def _prog_load(
    prog_type: int,
    insns: bytes,
    *,
    attach_type: int = 0,
    attach_btf_id: int = 0,
) -> tuple[int, int, str]:
    """(fd or -1, errno, verifier log) of loading a GPL program."""
    attr = _attr()
    code = ctypes.create_string_buffer(insns, len(insns))
    license_ = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(_LOG_SIZE)
    struct.pack_into(
        "<IIQQIIQ",
        attr,
        0,
        prog_type,
        len(insns) // 8,
        ctypes.addressof(code),
        ctypes.addressof(license_),
        1,  # log level
        _LOG_SIZE,
        ctypes.addressof(log),
    )
    struct.pack_into("<I", attr, 68, attach_type)  # expected_attach_type
    struct.pack_into("<I", attr, 108, attach_btf_id)
    fd, err = _bpf(CMD_PROG_LOAD, attr)
    return fd, err, log.value.decode("ascii", "replace")


def ringbuf_supported() -> tuple[bool, str]:
    """Whether BPF ring buffers exist (kernel 5.8+)."""
    attr = _attr()
    struct.pack_into("<IIII", attr, 0, MAP_TYPE_RINGBUF, 0, 0, os.sysconf("SC_PAGE_SIZE"))
    fd, err = _bpf(CMD_MAP_CREATE, attr)
    if fd >= 0:
        os.close(fd)
        return True, ""
    return False, os.strerror(err)


def helper_supported(helper_id: int, prog_type: int = PROG_TYPE_TRACEPOINT) -> bool:
    """Whether a program of ``prog_type`` may call helper ``helper_id``.

    The probe program calls the helper without arguments, so the verifier usually rejects
    it, but for a known helper it complains about the arguments, and for an unknown one
    about the function (libbpf and bpftool tell the two apart the same way).
    """
    fd, _err, log = _prog_load(prog_type, _call_helper(helper_id))
    if fd >= 0:
        os.close(fd)
        return True
    return not ("invalid func" in log or "unknown func" in log)


def trampoline_attachable(btf_func_id: int, attach_type: int = ATTACH_TRACE_FEXIT) -> str:
    """'' when an empty fentry/fexit program loads and attaches to that function, else why.

    Some kernels build trampolines in but refuse them (lockdown, a hypervisor's policy):
    only a real attach tells.
    """
    fd, err, log = _prog_load(
        PROG_TYPE_TRACING, _RETURN_0, attach_type=attach_type, attach_btf_id=btf_func_id
    )
    if fd < 0:
        last = log.strip().splitlines()[-1] if log.strip() else ""
        why = errno.errorcode.get(err, str(err))
        return f"loading refused ({why}{': ' + last if last else ''})"
    try:
        attr = _attr()
        struct.pack_into("<QI", attr, 0, 0, fd)
        link, err = _bpf(CMD_RAW_TRACEPOINT_OPEN, attr)
        if link < 0:
            return f"attaching refused ({errno.errorcode.get(err, str(err))})"
        os.close(link)
        return ""
    finally:
        os.close(fd)
