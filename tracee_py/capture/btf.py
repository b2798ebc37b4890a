"""A small reader of the kernel's BTF (``/sys/kernel/btf/vmlinux``).

The recorder asks the running kernel, not its version number, what it has: which kernel
functions exist to hook (``__x64_sys_openat`` for fentry/fexit) and where a few struct
members lie (``task_struct.signal``, ``signal_struct.live``) on kernels whose tracepoints
lack a field we need. Only what those questions need is decoded: names, functions and
struct or union members. The format is the kernel's ``Documentation/bpf/btf.rst``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from tracee_py.errors import CaptureError

VMLINUX_BTF = Path("/sys/kernel/btf/vmlinux")
BTF_MAGIC = 0xEB9F

# Kinds (btf.h). Each is followed by kind-specific data whose size we must skip.
KIND_INT = 1
KIND_PTR = 2
KIND_ARRAY = 3
KIND_STRUCT = 4
KIND_UNION = 5
KIND_ENUM = 6
KIND_TYPEDEF = 8
KIND_VOLATILE = 9
KIND_CONST = 10
KIND_RESTRICT = 11
KIND_FUNC = 12
KIND_FUNC_PROTO = 13
KIND_VAR = 14
KIND_DATASEC = 15
KIND_DECL_TAG = 17
KIND_TYPE_TAG = 18
KIND_ENUM64 = 19

# Bytes after the 12-byte common header: a fixed part, plus a part per vlen entry.
_EXTRA_FIXED = {KIND_INT: 4, KIND_ARRAY: 12, KIND_VAR: 4, KIND_DECL_TAG: 4}
_EXTRA_PER_ITEM = {
    KIND_STRUCT: 12,
    KIND_UNION: 12,
    KIND_ENUM: 8,
    KIND_FUNC_PROTO: 8,
    KIND_DATASEC: 12,
    KIND_ENUM64: 12,
}
_MODIFIERS = (KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_TYPE_TAG)


@dataclass(frozen=True)
class _Type:
    kind: int
    name: str  # functions, structs and unions only
    vlen: int
    kind_flag: bool
    size_or_type: int
    data: int  # offset of the kind-specific data in the file


class Btf:
    """Type information of one BTF blob (the kernel's, by default)."""

    def __init__(self, blob: bytes) -> None:
        if len(blob) < 24:
            raise CaptureError("kernel BTF is too short to be BTF")
        magic, _version, _flags, hdr_len = struct.unpack_from("<HBBI", blob, 0)
        if magic != BTF_MAGIC:
            raise CaptureError("kernel BTF has the wrong magic number")
        type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", blob, 8)
        self._blob = blob
        self._strings = hdr_len + str_off
        self._str_end = self._strings + str_len
        self._types: list[_Type | None] = [None]  # id 0 is void
        self._funcs: dict[str, int] = {}
        self._structs: dict[str, int] = {}
        pos, end = hdr_len + type_off, hdr_len + type_off + type_len
        if end > len(blob) or self._str_end > len(blob):
            raise CaptureError("kernel BTF is truncated")
        while pos < end:
            name_off, info, size_or_type = struct.unpack_from("<III", blob, pos)
            kind = (info >> 24) & 0x1F
            vlen = info & 0xFFFF
            type_id = len(self._types)
            name = ""
            if kind == KIND_FUNC:
                name = self._name(name_off)
                self._funcs.setdefault(name, type_id)
            elif kind in (KIND_STRUCT, KIND_UNION) and name_off:
                name = self._name(name_off)
                self._structs.setdefault(name, type_id)
            self._types.append(_Type(kind, name, vlen, bool(info >> 31), size_or_type, pos + 12))
            pos += 12 + _EXTRA_FIXED.get(kind, 0) + vlen * _EXTRA_PER_ITEM.get(kind, 0)

    @classmethod
    def vmlinux(cls, path: Path = VMLINUX_BTF) -> Btf | None:
        """The running kernel's BTF, or None when the kernel exposes none."""
        try:
            return cls(path.read_bytes())
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CaptureError(f"cannot read kernel BTF {path}: {exc.strerror}") from exc

    def _name(self, off: int) -> str:
        start = self._strings + off
        stop = self._blob.index(b"\0", start, self._str_end)
        return self._blob[start:stop].decode("ascii", "replace")

    def func_id(self, name: str) -> int | None:
        """The BTF id of a kernel function (what fentry/fexit attach to), if it exists."""
        return self._funcs.get(name)

    def has_func(self, name: str) -> bool:
        return name in self._funcs

    def _resolve(self, type_id: int) -> tuple[int, _Type | None]:
        """Follow typedefs and qualifiers to the type they name."""
        t = self._types[type_id]
        while t is not None and t.kind in _MODIFIERS:
            type_id = t.size_or_type
            t = self._types[type_id]
        return type_id, t

    def _members(self, t: _Type) -> list[tuple[str, int, int]]:
        """(name, type id, byte offset) of each member of a struct or union."""
        out = []
        for i in range(t.vlen):
            name_off, mtype, offset = struct.unpack_from("<III", self._blob, t.data + 12 * i)
            bits = offset & 0xFFFFFF if t.kind_flag else offset
            out.append((self._name(name_off) if name_off else "", mtype, bits // 8))
        return out

    def _find_member(self, type_id: int, member: str) -> tuple[int, int] | None:
        """(byte offset, member type id), looking inside anonymous structs and unions."""
        _, t = self._resolve(type_id)
        if t is None or t.kind not in (KIND_STRUCT, KIND_UNION):
            return None
        for name, mtype, offset in self._members(t):
            if name == member:
                return offset, mtype
            if not name:
                inner = self._find_member(mtype, member)
                if inner is not None:
                    return offset + inner[0], inner[1]
        return None

    def member_offset(self, struct_name: str, member: str) -> int | None:
        """Byte offset of ``struct_name.member`` (anonymous members searched), or None."""
        type_id = self._structs.get(struct_name)
        if type_id is None:
            return None
        found = self._find_member(type_id, member)
        return None if found is None else found[0]

    def pointee_struct(self, struct_name: str, member: str) -> str | None:
        """The struct a pointer member points to: ``task_struct.signal`` -> ``signal_struct``."""
        type_id = self._structs.get(struct_name)
        found = None if type_id is None else self._find_member(type_id, member)
        if found is None:
            return None
        _, t = self._resolve(found[1])
        if t is None or t.kind != KIND_PTR:
            return None
        _, target = self._resolve(t.size_or_type)
        return target.name if target is not None and target.name else None
