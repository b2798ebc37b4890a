"""How syscalls are hooked, per kernel: both hook paths give the same rows, module loads.

On this machine's kernel trampolines are refused, so `--hooks fast` must say so; inside the
Debian kernel guests (tests/kernels, which sets TRACEE_PY_EXPECT_FAST and
TRACEE_PY_EXPECT_MODULES) the fast path must be chosen and must match the tracepoints row
for row, and module loads must be recorded.
"""

from __future__ import annotations

import errno
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.capture.conftest import Recording, record_workload, run_tracee
from tracee_py.capture.kernel import probe_kernel

pytestmark = pytest.mark.kernel_matrix

# Columns that must match between the two hook paths. Times, pids, process ids and
# ephemeral ports differ from run to run by nature; everything the hooks decode must not.
COMPARED = (
    "event, syscall, retval, replace(path, ?, 'WORK') AS path, "
    "replace(path2, ?, 'WORK') AS path2, flags, mode, fd, family, "
    "CASE WHEN family = 'unix' THEN replace(addr, ?, 'WORK') ELSE NULL END AS unix_addr, "
    "list_transform(argv, lambda a: replace(a, ?, 'WORK')) AS argv, env, target_pid IS NULL, "
    "signal, exit_code, new_uid, new_gid, length, truncated, comm, "
    "CASE WHEN family IN ('inet', 'inet6') THEN addr END AS ip, socket_type, protocol, "
    "name, old_name, bpf_type, "
    # times set explicitly (all before 2010 in the workload); 'now' differs between runs
    "CASE WHEN atime < TIMESTAMPTZ '2010-01-01' THEN atime END AS atime, "
    "CASE WHEN mtime < TIMESTAMPTZ '2010-01-01' THEN mtime END AS mtime, atime IS NULL"
)


def _record_workload(base: Path, hooks: str) -> tuple[Recording, str]:
    data, work = base / f"data-{hooks}", base / "work"
    work.mkdir(exist_ok=True)
    for leftover in work.iterdir():  # the same paths in both runs
        if leftover.is_dir():
            leftover.rmdir()
        else:
            leftover.unlink()
    rec = record_workload(data, work, "--hooks", hooks)
    return rec, rec.result.stderr


def _rows(rec: Recording) -> Counter[tuple[Any, ...]]:
    w = str(rec.work)
    rows = rec.sql(f"SELECT {COMPARED} FROM events WHERE event <> 'process_snapshot'", [w, w, w, w])
    assert rows
    return Counter(tuple(map(repr, r)) for r in rows)


def test_fast_hooks_and_tracepoints_record_the_same_rows(tmp_path: Path) -> None:
    kernel = probe_kernel()
    why_not = kernel.fast_possible()
    if not os.environ.get("TRACEE_PY_EXPECT_FAST"):
        # This machine's kernel refuses trampolines: fast must fail clearly, auto fall back.
        assert why_not, "fentry/fexit work here: run this test with TRACEE_PY_EXPECT_FAST=1"
        refused = run_tracee(
            "record", "--hooks", "fast", "--data", str(tmp_path / "x"), "--", "/bin/true"
        )
        assert refused.returncode != 0
        assert (
            refused.stderr.strip()
            .splitlines()[-1]
            .startswith("error: --hooks fast is not possible on this kernel: ")
        )
        assert "Traceback" not in refused.stderr
        assert not (tmp_path / "x").exists()
        return
    assert why_not == "", why_not
    fast, fast_err = _record_workload(tmp_path, "fast")
    slow, slow_err = _record_workload(tmp_path, "tracepoint")
    assert "hooks: fentry/fexit" in fast_err
    assert "hooks: syscall tracepoints" in slow_err
    for rec, hooks in ((fast, "fast"), (slow, "tracepoint")):
        assert rec.stats(
            "SELECT detail FROM stats WHERE metric = 'capability' AND kind = 'syscall_hooks'"
        ) == [(hooks,)]
        assert rec.stats("SELECT count(*) FROM stats WHERE metric = 'lost'") == [(0,)]
    a, b = _rows(fast), _rows(slow)
    only_fast, only_slow = a - b, b - a
    assert (only_fast, only_slow) == (Counter(), Counter())
    # Not vacuous: the workload's file, network, privilege and lifecycle rows are all there.
    kinds = {row[0] for row in a}
    assert {
        "'file_open'",
        "'file_rename'",
        "'net_connect'",
        "'net_accept'",
        "'net_listen'",
        "'net_socket'",
        "'file_utime'",
        "'bpf'",
        "'comm_change'",
        "'cred_change'",
        "'ptrace'",
        "'process_exec'",
        "'process_fork'",
        "'process_exit'",
    } <= kinds


def test_module_loads_and_unloads_are_recorded(tmp_path: Path) -> None:
    kernel = probe_kernel()
    data = tmp_path / "data"
    # Load a real module, try to load it again (the kernel refuses: EEXIST), unload it.
    script = (
        'modprobe dummy; rc1=$?; insmod "$(modinfo -n dummy)" 2>/dev/null; rc2=$?; '
        "modprobe -r dummy; rc3=$?; echo $rc1 $rc2 $rc3"
    )
    if not os.environ.get("TRACEE_PY_EXPECT_MODULES"):
        assert not kernel.modules, "this kernel has modules: set TRACEE_PY_EXPECT_MODULES=1"
        result = run_tracee("record", "--data", str(data), "-q", "--", "/bin/true")
        assert result.returncode == 0, result.stderr
        rec = Recording(data=data, work=tmp_path, facts={}, result=result)
        assert rec.stats(
            "SELECT value, detail FROM stats WHERE metric = 'capability' AND kind = 'modules'"
        ) == [(0, "no module syscalls")]
        return
    assert kernel.modules
    result = run_tracee("record", "--data", str(data), "-q", "--", "/bin/sh", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "1", "0"]
    rec = Recording(data=data, work=tmp_path, facts={}, result=result)
    loads = rec.sql(
        "SELECT syscall, retval, comm FROM events WHERE event = 'module_load' ORDER BY time"
    )
    # modprobe loads dummy (finit_module, or init_module after decompressing it itself);
    # the second attempt fails with EEXIST.
    assert [(r[1], r[2]) for r in loads] == [(0, "modprobe"), (-errno.EEXIST, "insmod")]
    assert all(r[0] in ("finit_module", "init_module") for r in loads)
    unloads = rec.sql(
        "SELECT syscall, retval, path, comm FROM events WHERE event = 'module_unload'"
    )
    assert unloads == [("delete_module", 0, "dummy", "modprobe")]
