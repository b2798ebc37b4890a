"""Bad input to `record`: one clear line on stderr, a non-zero exit, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.capture.conftest import run_tracee
from tracee_py.store.layout import DatasetLayout
from tracee_py.store.manifest import read_manifest, sha256_file

TRACEE = [sys.executable, "-m", "tracee_py"]


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--events", "file_opn"], "unknown event kind 'file_opn'"),
        (["--ringbuf-mb", "3"], "--ringbuf-mb must be a power of two"),
        (["--duration", "soon"], "invalid --duration 'soon'"),
        (["--comm", "a-very-long-command-name"], "--comm must be 1 to 15 bytes"),
        (["--rotate-size", "big"], "invalid --rotate-size 'big'"),
        (["--node", "../escape"], "invalid node name '../escape'"),
        (["--cgroup", "/nonexistent/cgroup"], "is neither a cgroup id nor a cgroup v2 directory"),
    ],
)
def test_bad_flag_values(tmp_path: Path, args: list[str], expected: str) -> None:
    duration = [] if args[0] == "--duration" else ["--duration", "1"]
    result = run_tracee("record", "--data", str(tmp_path / "d"), *args, *duration)
    assert result.returncode == 2
    assert expected in _one_error_line(result)
    assert not (tmp_path / "d" / "events").exists()


def test_unknown_command(tmp_path: Path) -> None:
    result = run_tracee("record", "--data", str(tmp_path / "d"), "--", "no-such-command-xyz")
    assert result.returncode == 2
    assert "command not found: no-such-command-xyz" in _one_error_line(result)


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_tracee("record", "--data", str(blocker / "data"), "--duration", "1")
    assert result.returncode == 4
    assert f"cannot create data directory {blocker / 'data'}" in _one_error_line(result)


def test_not_root(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir(mode=0o777)
    os.chmod(tmp_path, 0o755)
    result = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            *TRACEE,
            "record",
            "--data",
            str(data),
            "--duration",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
    )
    assert result.returncode == 3
    assert "recording needs root" in _one_error_line(result)


def test_no_tracefs(tmp_path: Path) -> None:
    script = (
        "for m in /sys/kernel/tracing /sys/kernel/debug/tracing; do "
        "umount -l $m 2>/dev/null; done; "
        f"exec {' '.join(TRACEE)} record --data {tmp_path / 'd'} --duration 1"
    )
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3
    assert "tracefs is not mounted" in _one_error_line(result)


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full_stops_cleanly_and_closed_files_stay_valid(tiny_fs: Path, tmp_path: Path) -> None:
    data = tiny_fs / "data"
    # Distinct, random paths compress badly: the tiny disk fills within seconds.
    churn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os,time\nend=time.time()+60\n"
            "while time.time()<end:\n"
            "  try: os.open('/nonexistent/'+os.urandom(40).hex(), os.O_RDONLY)\n"
            "  except OSError: time.sleep(0.0005)\n",
        ],
    )
    try:
        start = time.monotonic()
        result = run_tracee(
            "record",
            "--data",
            str(data),
            "--rotate",
            "0.2s",
            "--duration",
            "60",
            "--events",
            "file",
            timeout=120,
        )
    finally:
        churn.kill()
        churn.wait()
    assert time.monotonic() - start < 60, "the recorder did not stop on a full disk"
    assert result.returncode == 4
    line = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert len(line) == 1 and "disk full" in line[0], result.stderr
    assert "Traceback" not in result.stderr
    layout = DatasetLayout(data)
    entries, _ = read_manifest(layout)
    assert entries, "no file was closed before the disk filled"
    for rel, entry in entries.items():
        assert sha256_file(data / rel) == entry.sha256
        assert pq.read_table(data / rel).num_rows == entry.rows
