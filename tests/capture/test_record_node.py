"""Whole-node recording: snapshot of existing processes, ready file, filters, drift."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.capture.conftest import TIME_SCALE, Recording, run_tracee
from tracee_py.capture.wire import EVENT_DTYPE, SLOT_SIZE
from tracee_py.schema import EventKind
from tracee_py.store.layout import DatasetLayout
from tracee_py.store.manifest import read_manifest, sha256_file

TRACEE = [sys.executable, "-m", "tracee_py"]


def _wait_for(path: Path, timeout: float = 300) -> None:
    # Generous: bcc compiles for about a minute in the emulated kernels of tests/kernels.
    deadline = time.monotonic() + timeout * TIME_SCALE
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def _start_recorder(data: Path, ready: Path, *options: str) -> subprocess.Popen[str]:
    """A quiet whole-node `record` into ``data`` that creates ``ready`` once attached;
    stderr is kept for the failure message."""
    return subprocess.Popen(
        [*TRACEE, "record", "--data", str(data), "-q", "--ready-file", str(ready), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_existing_process_appears_as_snapshot_with_real_ppid(tmp_path: Path) -> None:
    sleeper = subprocess.Popen(["/bin/sleep", "30"])
    try:
        data = tmp_path / "data"
        ready = tmp_path / "ready"
        rec = _start_recorder(data, ready, "--duration", "2")
        _wait_for(ready)
        marker = tmp_path / "after-ready.txt"
        marker.write_text("x")
        _out, err = rec.communicate(timeout=120)
        assert rec.returncode == 0, err
    finally:
        sleeper.kill()
        sleeper.wait()
    r = Recording(data=data, work=tmp_path, facts={}, result=None)  # type: ignore[arg-type]
    rows = r.sql(
        "SELECT ppid, argv, exe, parent_process_id IS NOT NULL FROM events "
        "WHERE event = 'process_snapshot' AND pid = ?",
        [sleeper.pid],
    )
    assert rows == [(os.getpid(), ["/bin/sleep", "30"], "/usr/bin/sleep", True)]
    # Our own (pytest) process is in the snapshot, and is the sleeper's parent.
    me = r.one(
        "SELECT process_id FROM events WHERE event = 'process_snapshot' AND pid = ?",
        [os.getpid()],
    )
    assert r.sql(
        "SELECT parent_process_id FROM events WHERE event = 'process_snapshot' AND pid = ?",
        [sleeper.pid],
    ) == [me]
    # The write after the ready file is recorded (probes were attached), by pytest's pid.
    assert r.sql(
        "SELECT pid FROM events WHERE event = 'file_open' AND path = ?", [str(marker)]
    ) == [(os.getpid(),)]
    # The recorder never records itself.
    assert r.sql(
        "SELECT count(*) FROM events WHERE pid = ? AND event <> 'process_snapshot'", [rec.pid]
    ) == [(0,)]


def test_event_kind_selection_and_comm_filter(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_tracee(
        "record",
        "--data",
        str(data),
        "-q",
        "--events",
        "net",
        "--",
        "/bin/sh",
        "-c",
        "cat /etc/hostname > /dev/null",
    )
    assert result.returncode == 0, result.stderr
    r = Recording(data=data, work=tmp_path, facts={}, result=result)
    kinds = {k for (k,) in r.sql("SELECT DISTINCT event FROM events")}
    assert "file_open" not in kinds
    assert {"process_exec", "process_fork", "process_exit"} <= kinds


def test_command_exit_code_is_passed_through(tmp_path: Path) -> None:
    result = run_tracee(
        "record", "--data", str(tmp_path / "d"), "-q", "--", "/bin/sh", "-c", "exit 42"
    )
    assert result.returncode == 42
    killed = run_tracee(
        "record", "--data", str(tmp_path / "d"), "-q", "--", "/bin/sh", "-c", "kill -TERM $$"
    )
    assert killed.returncode == 128 + signal.SIGTERM


@pytest.mark.kernel_matrix
def test_sigkill_leaves_closed_files_readable_and_manifest_true(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ready = tmp_path / "ready"
    rec = _start_recorder(data, ready, "--rotate", "0.5s")
    try:
        _wait_for(ready)
        layout = DatasetLayout(data)
        deadline = time.monotonic() + 60
        while len(layout.event_files()) < 3:
            assert time.monotonic() < deadline, "the recorder closed no files"
            (tmp_path / "poke").write_text("x")
            time.sleep(0.2)
    finally:
        rec.send_signal(signal.SIGKILL)
        rec.wait()
    entries, problems = read_manifest(layout)
    assert problems == []
    files = layout.event_files()
    assert len(files) >= 3
    listed = {str(f.relative_to(data)) for f in files}
    events_entries = {rel for rel, e in entries.items() if e.dataset == "events"}
    assert events_entries == listed  # every closed file is listed, nothing else
    stats_entries = {rel for rel, e in entries.items() if e.dataset == "stats"}
    assert stats_entries == {str(f.relative_to(data)) for f in layout.stats_files()}
    for rel, entry in entries.items():
        path = data / rel
        assert sha256_file(path) == entry.sha256
        assert pq.ParquetFile(path).metadata.num_rows == entry.rows
        pq.read_table(path)  # fully readable
    # The interrupted open file is a .tmp, invisible to readers.
    assert all(not p.name.endswith(".parquet") for p in (data / "events").rglob("*.tmp"))


def test_wire_layout_matches_clang(tmp_path: Path) -> None:
    """Drift test: clang's layout of struct event == the NumPy dtype the decoder uses."""
    from tracee_py.capture.loader import LoadedProgram
    from tracee_py.capture.settings import CaptureSettings

    before = os.environ.get("BCC_KERNEL_SOURCE")
    program = LoadedProgram(CaptureSettings(ringbuf_mb=1))
    assert os.environ.get("BCC_KERNEL_SOURCE") == before  # set only while bcc compiled
    try:
        leaf = program.bpf[b"layout_probe"].Leaf
        clang = [
            (name, getattr(leaf, name).offset, getattr(leaf, name).size)
            for name, *_ in leaf._fields_
        ]
    finally:
        program.close()
    ours = [
        (name, EVENT_DTYPE.fields[name][1], EVENT_DTYPE.fields[name][0].itemsize)
        for name in EVENT_DTYPE.names
    ]
    assert clang == ours
    import ctypes

    assert ctypes.sizeof(leaf) == EVENT_DTYPE.itemsize
    assert (8 + EVENT_DTYPE.itemsize + 7) // 8 * 8 == SLOT_SIZE


def test_every_kernel_event_kind_has_a_probe() -> None:
    source = "".join(p.read_text() for p in Path("bpf").glob("*.bpf.c"))
    missing = [
        k.name
        for k in EventKind
        if k is not EventKind.PROCESS_SNAPSHOT and f"K_{k.name}" not in source
    ]
    assert missing == []


def test_container_filter_records_only_that_container(tmp_path: Path) -> None:
    """--container resolves a real container-shaped cgroup and filters in the kernel."""
    cid = "c0ffee" + "ab" * 29
    v2 = Path("/sys/fs/cgroup/unified")
    if not (v2 / "cgroup.controllers").exists():
        v2 = Path("/sys/fs/cgroup")
    slice_dir = v2 / f"tracee-test-{os.getpid()}.slice"
    scope = slice_dir / f"docker-{cid}.scope"
    scope.mkdir(parents=True)
    inside = host = None
    try:
        data, ready = tmp_path / "data", tmp_path / "ready"
        rec = _start_recorder(data, ready, "--container", cid[:12], "--duration", "4")
        _wait_for(ready)
        marker_in, marker_out = tmp_path / "in-container", tmp_path / "on-host"
        inside = subprocess.Popen(
            [
                "/bin/sh",
                "-c",
                f"echo $$ > {scope}/cgroup.procs; exec /bin/cat /etc/hostname > {marker_in}",
            ],
        )
        host = subprocess.Popen(["/bin/sh", "-c", f"/bin/cat /etc/hostname > {marker_out}"])
        inside.wait()
        host.wait()
        _, err = rec.communicate(timeout=120)
        assert rec.returncode == 0, err
        r = Recording(data=data, work=tmp_path, facts={}, result=None)  # type: ignore[arg-type]
        assert r.sql("SELECT pid, argv, cgroup_id FROM events WHERE event = 'process_exec'") == [
            (inside.pid, ["/bin/cat", "/etc/hostname"], os.stat(scope).st_ino)
        ]
        assert r.sql("SELECT count(*) FROM events WHERE pid = ?", [host.pid]) == [(0,)]
    finally:
        for p in (inside, host):
            if p is not None and p.poll() is None:
                p.kill()
        scope.rmdir()
        slice_dir.rmdir()


def test_systemd_notify_gets_ready(tmp_path: Path) -> None:
    import socket

    sock_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(sock_path))
        sock.settimeout(120)
        rec = subprocess.Popen(
            [*TRACEE, "record", "--data", str(tmp_path / "d"), "-q", "--duration", "1"],
            env={**os.environ, "NOTIFY_SOCKET": str(sock_path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        message = sock.recv(64)
        _, err = rec.communicate(timeout=120)
    assert message == b"READY=1"
    assert rec.returncode == 0, err


def test_argv_over_the_cap_is_truncated_and_flagged(tmp_path: Path) -> None:
    from tracee_py.schema import ARGV_MAX

    args = [f"arg{i}" for i in range(ARGV_MAX + 8)]
    result = run_tracee("record", "--data", str(tmp_path / "d"), "-q", "--", "/bin/echo", *args)
    assert result.returncode == 0, result.stderr
    r = Recording(data=tmp_path / "d", work=tmp_path, facts={}, result=result)
    assert r.sql(
        "SELECT argv, truncated FROM events WHERE event = 'process_exec' AND path = '/bin/echo'"
    ) == [(["/bin/echo", *args][:ARGV_MAX], True)]


def test_status_line_shows_rate_lost_files_and_size() -> None:
    from tracee_py.capture.recorder import RecordStatus
    from tracee_py.cli.record import _status_line

    line = _status_line(
        RecordStatus(
            elapsed=12.5, events=123456, events_per_s=9876.4, lost=7, files=3, bytes=5 << 20
        )
    ).plain
    assert line == "●   12.5s  123,456 events  9,876/s  lost 7  files 3  5.0 MiB"


def test_summary_counts_each_kind_as_written(tmp_path: Path) -> None:
    """The closing summary's rows per event kind are exactly the rows in Parquet."""
    data = tmp_path / "data"
    script = f"for i in 1 2 3 4 5 6 7; do cat /etc/hostname > /dev/null; done; touch {tmp_path}/t"
    result = run_tracee(
        "record",
        "--data",
        str(data),
        "--",
        "/bin/sh",
        "-c",
        script,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    r = Recording(data=data, work=tmp_path, facts={}, result=result)
    written = dict(r.sql("SELECT event, count(*) FROM events GROUP BY event"))
    assert written["process_exec"] == 9  # the shell, seven cats and touch
    summary: dict[str, int] = {}
    for line in result.stderr.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in written:
            summary[parts[0]] = int(parts[1].replace(",", ""))
    assert summary == written
    total = sum(written.values())
    assert f"{total:,} events in " in result.stderr


def _thread_nice_values(pid: int) -> list[int]:
    values = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        values.append(int(fields[16]))  # field 19 of stat: nice
    return sorted(values)


def test_pipeline_threads_are_boosted_unless_told_not_to(tmp_path: Path) -> None:
    seen = {}
    for flag in ("--boost", "--no-boost"):
        ready = tmp_path / f"ready{flag}"
        rec = _start_recorder(tmp_path / flag, ready, flag)
        try:
            _wait_for(ready)
            time.sleep(0.5)  # the threads set their priority as they start
            seen[flag] = _thread_nice_values(rec.pid)
        finally:
            rec.send_signal(signal.SIGINT)
            _out, err = rec.communicate(timeout=120)
        assert rec.returncode == 0, err
    # Drain, decode and writer at nice -10; the main thread (which starts any recorded
    # command) and Python's own threads stay at 0.
    assert seen["--boost"].count(-10) == 3
    assert set(seen["--boost"]) == {-10, 0}
    assert set(seen["--no-boost"]) == {0}
