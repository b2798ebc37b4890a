"""``record --ship-to``: the real recorder (eBPF) ships each file as it closes to S3 (a real
moto server process, the stand-in); killed with SIGKILL and started again, it resumes
without duplicates or loss; with the target unreachable, capture goes on and retention
deletes nothing that was not shipped.

Like the capture tests this needs root and BPF and never skips.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fleet.conftest import CREDENTIALS, S3Server, make_bucket, s3_objects
from tracee_py.store.layout import DatasetLayout
from tracee_py.store.manifest import read_removed
from tracee_py.store.ship import ledger_dir

TRACEE = str(Path(sys.executable).with_name("tracee-py"))
pytestmark = pytest.mark.ebpf
RECORD = (TRACEE, "record", "-q", "--rotate", "1s", "--data")
# A command that makes a few events a second for about a minute.
BUSY = "i=0; while [ $i -lt 1200 ]; do cat /etc/hostname >/dev/null; i=$((i+1)); sleep 0.05; done"


def _local(root: Path) -> dict[str, bytes]:
    scan = DatasetLayout(root).scan()
    paths = scan.events + scan.stats + scan.manifests
    return {str(p.relative_to(root)): p.read_bytes() for p in paths}


def _ledger_lines(root: Path) -> list[dict[str, object]]:
    lines = []
    for path in sorted(ledger_dir(root).glob("*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue  # a line torn by the kill
    return lines


def _data_lines(root: Path) -> list[str]:
    return [
        str(x["file"]) for x in _ledger_lines(root) if not str(x["file"]).startswith("manifest/")
    ]


def test_record_ships_as_files_close_and_resumes_after_sigkill(
    tmp_path: Path, s3_server: S3Server
) -> None:
    make_bucket(s3_server, "live")
    data = tmp_path / "data"
    url = "s3://live/node"
    env = {**os.environ, **CREDENTIALS, "TRACEE_PY_S3_ENDPOINT": s3_server.endpoint}
    first = subprocess.Popen(
        [*RECORD, str(data), "--ship-to", url, "--", "sh", "-c", BUSY],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while len(_data_lines(data) if ledger_dir(data).is_dir() else []) < 3:
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            assert time.monotonic() < deadline, "nothing was shipped while recording"
            time.sleep(0.5)
        # Shipped while the recorder runs, then killed where it stands.
        os.kill(first.pid, signal.SIGKILL)
        first.wait(60)
    finally:
        if first.poll() is None:
            first.kill()
        # The recorded command, in the recorder's session, goes too.
        os.killpg(first.pid, signal.SIGKILL)
    shipped_before = set(_data_lines(data))
    closed_before = {rel for rel in _local(data) if not rel.startswith("manifest/")}
    assert shipped_before and shipped_before <= closed_before

    second = subprocess.run(
        [TRACEE, "record", "--data", str(data), "-q", "--ship-to", url, "--", "true"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert second.returncode == 0, second.stderr
    assert "; 0 pending" in second.stderr, second.stderr

    # No loss: every closed file and every manifest, byte for byte; no duplicates: nothing
    # else in the bucket, and each data file verified once in the ledger.
    local = _local(data)
    assert closed_before <= set(local)
    assert s3_objects(s3_server, "live") == {f"node/{rel}": b for rel, b in local.items()}
    lines = _data_lines(data)
    assert sorted(lines) == sorted(set(lines)) == sorted(r for r in local if "manifest/" not in r)
    again = subprocess.run(
        [TRACEE, "ship", "--data", str(data), "--to", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert "shipped 0 file(s)" in again.stderr


def test_unreachable_target_holds_up_neither_capture_nor_retention(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, **CREDENTIALS}
    proc = subprocess.run(
        [
            *RECORD,
            str(data),
            "--max-size",
            "1K",
            "--ship-to",
            "s3://live/nowhere",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--",
            "sh",
            "-c",
            BUSY.replace("1200", "60"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    local = _local(data)
    closed = [r for r in local if not r.startswith("manifest/")]
    assert len(closed) >= 3
    # --max-size 1K would remove all but the newest files; none was shipped, so none goes.
    assert read_removed(DatasetLayout(data)) == {}
    assert f"shipped 0 file(s) (0 B) to s3://live/nowhere, verified; {len(closed)} pending" in (
        proc.stderr
    )
    assert "the endpoint cannot be reached" in proc.stderr
    assert "Traceback" not in proc.stderr
