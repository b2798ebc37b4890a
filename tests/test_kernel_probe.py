"""Kernel probing without compiling anything: the BTF reader, tracepoint formats, the
hook choice, the -D flags it leads to, and where bcc's headers come from."""

from __future__ import annotations

import re
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tracee_py.capture import headers
from tracee_py.capture.btf import Btf
from tracee_py.capture.kernel import (
    GroupDead,
    Hooks,
    KernelFeatures,
    choose_hooks,
    probe_kernel,
    tracefs_root,
    tracepoint_fields,
)
from tracee_py.capture.settings import CaptureSettings, build_cflags
from tracee_py.errors import CaptureError, UsageError


def _bpftool_member_bits(struct_name: str, member: str) -> int:
    """The same fact from bpftool's raw dump: an independent reader of the kernel's BTF."""
    raw = subprocess.run(
        ["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    block = raw.split(f"STRUCT '{struct_name}' ", 1)[1].split("\n[", 1)[0]
    m = re.search(rf"'{member}' type_id=\d+ bits_offset=(\d+)", block)
    assert m, block[:500]
    return int(m.group(1))


def test_btf_member_offsets_match_bpftool() -> None:
    btf = Btf.vmlinux()
    assert btf is not None
    assert (
        btf.member_offset("task_struct", "signal")
        == _bpftool_member_bits("task_struct", "signal") // 8
    )
    assert (
        btf.member_offset("signal_struct", "live")
        == _bpftool_member_bits("signal_struct", "live") // 8
    )
    assert btf.pointee_struct("task_struct", "signal") == "signal_struct"
    assert btf.has_func("__x64_sys_openat") and not btf.has_func("__x64_sys_no_such_call")
    assert btf.member_offset("task_struct", "no_such_member") is None
    assert btf.member_offset("no_such_struct", "x") is None


def _tiny_btf() -> bytes:
    """struct s { int a; union { int b; int c; }; int d:3, e:5; } and a function f."""
    strings = b"\0int\0s\0a\0b\0c\0d\0e\0f\0"
    off = {
        name: strings.index(b"\0" + name.encode() + b"\0") + 1
        for name in ["int", "s", "a", "b", "c", "d", "e", "f"]
    }
    types = b""
    types += struct.pack("<III", off["int"], 1 << 24, 4) + struct.pack("<I", 32)  # [1] int
    union = struct.pack("<III", 0, (5 << 24) | 2, 4)  # [2] anonymous union
    union += struct.pack("<III", off["b"], 1, 0) + struct.pack("<III", off["c"], 1, 0)
    types += union
    st = struct.pack("<III", off["s"], (1 << 31) | (4 << 24) | 4, 12)  # [3] struct, kind_flag
    st += struct.pack("<III", off["a"], 1, 0)
    st += struct.pack("<III", 0, 2, 32)
    st += struct.pack("<III", off["d"], 1, (3 << 24) | 64)
    st += struct.pack("<III", off["e"], 1, (5 << 24) | 67)
    types += st
    types += struct.pack("<III", off["f"], 12 << 24, 0)  # [4] func
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(strings))
    return header + types + strings


def test_btf_reader_handles_anonymous_members_and_bitfields() -> None:
    btf = Btf(_tiny_btf())
    assert btf.member_offset("s", "a") == 0
    assert btf.member_offset("s", "b") == 4  # inside the anonymous union
    assert btf.member_offset("s", "c") == 4
    assert btf.member_offset("s", "d") == 8  # bitfield: size in the high byte
    assert btf.member_offset("s", "e") == 8  # bit 67 is in byte 8
    assert btf.func_id("f") == 4


@pytest.mark.parametrize(
    "blob, message",
    [
        (b"", "too short"),
        (b"\x00" * 32, "wrong magic"),
        (_tiny_btf()[:40], "truncated"),
    ],
)
def test_damaged_btf_is_a_clear_error(blob: bytes, message: str) -> None:
    with pytest.raises(CaptureError, match=message):
        Btf(blob)


def test_tracepoint_formats_are_read_from_tracefs() -> None:
    tracefs = tracefs_root()
    assert tracefs is not None
    enter = tracepoint_fields(tracefs, "syscalls", "sys_enter_openat")
    assert list(enter)[-4:] == ["dfd", "filename", "flags", "mode"]
    assert enter["filename"] == enter["dfd"] + 8
    assert tracepoint_fields(tracefs, "sched", "no_such_event") == {}


def test_this_kernel_is_probed_for_what_it_has() -> None:
    kernel = probe_kernel()
    tracefs = tracefs_root()
    assert tracefs is not None
    exit_fields = tracepoint_fields(tracefs, "sched", "sched_process_exit")
    expected = GroupDead.TRACEPOINT if "group_dead" in exit_fields else GroupDead.BTF
    assert kernel.group_dead is expected
    assert kernel.btf and kernel.task_storage and kernel.task_pt_regs
    assert (
        kernel.syscall_args.first_offset
        == tracepoint_fields(tracefs, "syscalls", "sys_enter_openat")["dfd"]
    )
    have_modules = (tracefs / "events/syscalls/sys_enter_finit_module").is_dir()
    assert kernel.modules is have_modules
    names = [row[0] for row in kernel.capabilities(Hooks.TRACEPOINT)]
    assert names[:3] == ["kernel", "syscall_hooks", "btf"]


def _features(**changes: object) -> KernelFeatures:
    base = KernelFeatures(
        release="6.1.0-test",
        tracefs=Path("/sys/kernel/tracing"),
        btf=True,
        task_storage=True,
        group_dead=GroupDead.BTF,
        task_signal_offset=3072,
        signal_live_offset=4,
        task_pt_regs=True,
    )
    # As on Debian's kernels: every syscall function in BTF but fork and vfork.
    changes.setdefault("syscall_functions", base.compiled_syscalls - {"fork", "vfork"})
    return replace(base, **changes)


def test_auto_takes_fast_hooks_only_when_every_syscall_can_have_them() -> None:
    ok = _features()
    assert ok.fast_possible() == ""
    assert choose_hooks(Hooks.AUTO, ok) is Hooks.FAST
    refused = _features(trampolines="loading refused (EPERM)")
    assert choose_hooks(Hooks.AUTO, refused) is Hooks.TRACEPOINT
    with pytest.raises(UsageError, match=r"fentry/fexit: loading refused \(EPERM\)"):
        choose_hooks(Hooks.FAST, refused)
    missing = _features(syscall_functions=ok.syscall_functions - {"openat"})
    assert missing.fast_possible() == "no kernel function for openat"
    assert choose_hooks(Hooks.TRACEPOINT, ok) is Hooks.TRACEPOINT


def _flags(features: KernelFeatures, hooks: Hooks) -> dict[str, str]:
    out = {}
    for flag in build_cflags(CaptureSettings(self_tgid=1), features, hooks):
        name, _, value = flag[2:].partition("=")
        out[name] = value
    return out


def test_probed_facts_become_integer_flags() -> None:
    btf = _flags(_features(), Hooks.FAST)
    assert (btf["HOOKS_FAST"], btf["GROUP_DEAD_FROM_TRACEPOINT"]) == ("1", "0")
    assert (btf["TASK_SIGNAL_OFFSET"], btf["SIGNAL_LIVE_OFFSET"]) == ("3072", "4")
    assert btf["HAVE_TASK_STORAGE"] == "1" and btf["SYS_ARGS_OFFSET"] == "16"
    field = _flags(_features(group_dead=GroupDead.TRACEPOINT, task_storage=False), Hooks.TRACEPOINT)
    assert field["GROUP_DEAD_FROM_TRACEPOINT"] == "1" and "TASK_SIGNAL_OFFSET" not in field
    assert field["HOOKS_FAST"] == "0" and field["HAVE_TASK_STORAGE"] == "0"
    with pytest.raises(ValueError):
        build_cflags(CaptureSettings(self_tgid=1), _features(), Hooks.AUTO)


def test_headers_come_from_the_kernel_itself_before_any_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BCC_KERNEL_SOURCE", raising=False)  # the user's choice wins
    src, cache = tmp_path / "src", tmp_path / "cache"
    src.mkdir()
    if headers.running_kernel_build_dir() is not None:
        pytest.fail("this test expects a kernel without its headers package (the CI machine)")
    kheaders = tmp_path / "kheaders.tar.xz"
    kheaders.write_bytes(b"archive")
    assert headers.kernel_source_for_bcc(cache, src, kheaders) is None  # bcc unpacks it
    with pytest.raises(CaptureError, match=r"no kernel headers for .* install one"):
        headers.kernel_source_for_bcc(cache, src, tmp_path / "absent")
    arch = src / "linux-headers-6.1.0-9-amd64"
    (arch / "include").mkdir(parents=True)
    (arch / ".config").write_text("CONFIG_BPF=y\n")
    merged = headers.kernel_source_for_bcc(cache, src, tmp_path / "absent")
    assert merged == cache / "kernel-headers" / arch.name
    assert (merged / ".config").read_text() == "CONFIG_BPF=y\n"


def test_the_node_s_own_headers_package_is_preferred_to_a_newer_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the DaemonSet the node's /usr/src is mounted under TRACEE_PY_HOST_ROOT: its
    package for the running kernel beats the image's newer one."""
    monkeypatch.delenv("BCC_KERNEL_SOURCE", raising=False)  # the user's choice wins
    release = "5.99.0-1-amd64"  # a Debian kernel this machine has no headers for
    monkeypatch.setattr(headers.platform, "release", lambda: release)
    image, node = tmp_path / "image" / "usr" / "src", tmp_path / "node"
    newer = image / "linux-headers-9.9.0-1-amd64"
    (newer / "include").mkdir(parents=True)
    own = node / "usr" / "src" / f"linux-headers-{release}"
    (own / "include").mkdir(parents=True)
    (own.with_name(own.name.removesuffix("amd64") + "common") / "include").mkdir(parents=True)
    assert headers.find_headers_package(image) == (newer, None)
    monkeypatch.setenv(headers.HOST_ROOT_ENV, str(node))
    sources = headers.header_sources(image)
    assert sources == [node / "usr" / "src", image]
    arch_dir, common = headers.find_headers_package(sources) or (None, None)
    assert arch_dir == own and common is not None and common.name.endswith("-common")
    assert headers.own_headers_available(tmp_path / "no-kheaders", image)
    merged = headers.kernel_source_for_bcc(tmp_path / "cache", image, tmp_path / "no-kheaders")
    assert merged == tmp_path / "cache" / "kernel-headers" / own.name
