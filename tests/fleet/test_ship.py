"""``ship`` against a real moto S3 server process (a stand-in for S3) and a local directory:
every file arrives byte for byte, verified; re-runs send nothing twice; a killed run
resumes; errors are one line; retention keeps what is not shipped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fleet.conftest import (
    CREDENTIALS,
    S,
    S3Server,
    make_bucket,
    s3_objects,
    start_moto,
    stop,
    write_recording,
)
from tracee_py.errors import StoreError
from tracee_py.query.dataset import verify_recording
from tracee_py.store.layout import DatasetLayout
from tracee_py.store.manifest import sha256_file
from tracee_py.store.retention import enforce
from tracee_py.store.seal import SealingKey
from tracee_py.store.ship import Ledger, ship, shipped_files, target_id

TRACEE = str(Path(sys.executable).with_name("tracee-py"))


def local_files(root: Path) -> dict[str, bytes]:
    """Every data and manifest file of a recording, by relative path."""
    scan = DatasetLayout(root).scan()
    return {
        str(p.relative_to(root)): p.read_bytes() for p in scan.events + scan.stats + scan.manifests
    }


def test_ship_to_s3_sends_every_file_verified_and_once(
    tmp_path: Path, s3_server: S3Server, aws_env: dict[str, str]
) -> None:
    make_bucket(s3_server, "ship-once")
    assert write_recording(tmp_path) == 7
    expected = local_files(tmp_path)
    assert len(expected) == 8  # 6 events files, 1 stats file, 1 manifest

    first = ship(tmp_path, "s3://ship-once/fleet", endpoint_url=s3_server.endpoint)
    assert sorted(first.uploaded) == sorted(expected)
    assert first.bytes_sent == sum(len(b) for b in expected.values())
    assert (first.resumed, first.skipped, first.problems) == ([], 0, [])
    remote = s3_objects(s3_server, "ship-once")
    assert remote == {f"fleet/{rel}": data for rel, data in expected.items()}

    ledger = shipped_files(tmp_path)
    assert sorted(ledger) == sorted(expected)
    assert all(s.target == "s3://ship-once/fleet" for s in ledger.values())
    assert {rel: s.sha256 for rel, s in ledger.items() if rel.endswith(".parquet")} == {
        rel: sha256_file(tmp_path / rel) for rel in expected if rel.endswith(".parquet")
    }

    again = ship(tmp_path, "s3://ship-once/fleet", endpoint_url=s3_server.endpoint)
    assert (again.uploaded, again.resumed, again.skipped) == ([], [], 8)
    assert local_files(tmp_path) == expected  # shipping never changes the recording


def test_ship_to_a_directory_keeps_seals_and_sends_only_what_is_new(tmp_path: Path) -> None:
    data, share = tmp_path / "data", tmp_path / "share"
    key_state = tmp_path / "seal.key"
    _, verification = SealingKey.create(key_state, 900)
    from tracee_py.store.rows import events_from_rows
    from tracee_py.store.writer import EventWriter, WriterSettings

    def record(run: str, start_s: int, files: int) -> None:
        w = EventWriter(data, "node-s", run, WriterSettings(rotate_bytes=1, seal_key=key_state))
        for i in range(files):
            t = time.time_ns() - (start_s - i) * S
            row = {"time": t, "node": "node-s", "boot_id": "b", "event": "process_exec"}
            w.write(events_from_rows([row]))
            w.flush()
        w.close()

    record("run1", 600, 3)
    first = ship(data, f"file://{share}")
    assert len(first.uploaded) == 4  # 3 events files and the sealed manifest
    assert not [p for p in share.rglob("*") if p.name.endswith(".tmp")]
    assert local_files(share) == local_files(data)
    # The copy is a recording of its own: every hash and every keyed seal verifies there.
    checks = verify_recording(share, verification)
    assert [(c.status) for c in checks] == ["ok"] * 3
    record("run2", 300, 2)
    second = ship(data, f"file://{share}")
    assert len(second.uploaded) == 3  # 2 new events files and run2's manifest
    assert all("run2" in rel for rel in second.uploaded)
    assert second.skipped == 4
    assert local_files(share) == local_files(data)
    assert [c.status for c in verify_recording(share, verification)] == ["ok"] * 5


def test_a_manifest_that_grew_is_shipped_again_up_to_its_last_complete_line(
    tmp_path: Path,
) -> None:
    data, share = tmp_path / "data", tmp_path / "share"
    write_recording(data, files=2)
    manifest = next((data / "manifest").rglob("*.jsonl"))
    ship(data, f"file://{share}")
    with open(manifest, "a") as f:
        f.write('{"file": "events/node=node-a/date=2026-11-18/torn')  # a line being written
    rel = str(manifest.relative_to(data))
    report = ship(data, f"file://{share}")
    assert (report.uploaded, report.skipped) == ([], 4)  # the torn line is not shipped
    with open(manifest, "a") as f:
        f.write('.parquet"}\n')
    report = ship(data, f"file://{share}")
    assert report.uploaded == [rel]
    assert (share / rel).read_bytes() == manifest.read_bytes()


def test_files_that_do_not_match_their_manifest_are_not_shipped(tmp_path: Path) -> None:
    data, share = tmp_path / "data", tmp_path / "share"
    write_recording(data, files=3)
    files = sorted((data / "events").rglob("*.parquet"))
    with open(files[0], "ab") as f:
        f.write(b"forged")
    forged = files[1].read_bytes()
    files[1].write_bytes(forged[:-1] + bytes([forged[-1] ^ 1]))
    unlisted = files[2].with_name("20261118T120000.000000000Z-x-000001.parquet")
    unlisted.write_bytes(files[2].read_bytes())
    report = ship(data, f"file://{share}")
    rel = [str(p.relative_to(data)) for p in (*files, unlisted)]
    assert sorted(report.problems) == sorted(
        [
            f"{rel[0]}: not shipped: size differs from the manifest",
            f"{rel[1]}: not shipped: sha256 differs from the manifest",
            f"{rel[3]}: not shipped: not in any manifest",
        ]
    )
    assert sorted(report.uploaded) == sorted(
        [rel[2], *(str(p.relative_to(data)) for p in (data / "stats").rglob("*.parquet"))]
        + [str(p.relative_to(data)) for p in (data / "manifest").rglob("*.jsonl")]
    )
    assert not (share / rel[0]).exists() and not (share / rel[1]).exists()


def _ship_cli(data: Path, to: str, endpoint: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | CREDENTIALS
    args = [TRACEE, "ship", "--data", str(data), "--to", to]
    if endpoint:
        args += ["--endpoint-url", endpoint]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)


def test_a_ship_killed_half_way_resumes_without_duplicates_or_loss(
    tmp_path: Path, s3_server: S3Server
) -> None:
    make_bucket(s3_server, "ship-killed")
    data = tmp_path / "data"
    write_recording(data, files=120, rows=5)
    expected = local_files(data)
    assert len(expected) == 122
    ledger = data / "ship" / f"{target_id('s3://ship-killed/fleet')}.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | CREDENTIALS
    proc = subprocess.Popen(
        [
            TRACEE,
            "ship",
            "--data",
            str(data),
            "--to",
            "s3://ship-killed/fleet",
            "--endpoint-url",
            s3_server.endpoint,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if ledger.exists() and ledger.read_text().count("\n") >= 10:
            break
        assert proc.poll() is None, "ship finished before it could be killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL
    shipped_before = len(shipped_files(data))
    assert 10 <= shipped_before < 122

    done = _ship_cli(data, "s3://ship-killed/fleet", s3_server.endpoint)
    assert done.returncode == 0, done.stderr
    verified = shipped_files(data)
    assert sorted(verified) == sorted(expected)
    remote = s3_objects(s3_server, "ship-killed")
    assert remote == {f"fleet/{rel}": body for rel, body in expected.items()}
    assert local_files(data) == expected
    # Every file is in the ledger once for this run: what the killed run verified was
    # skipped, the rest sent (or found sent and verified), none twice.
    lines = [json.loads(x) for x in ledger.read_text().splitlines() if x.endswith("}")]
    assert len(lines) == len({x["file"] for x in lines}) == 122
    assert "already shipped" in done.stderr
    summary = done.stderr.strip().splitlines()[-1]
    assert summary.endswith(f"{shipped_before} already shipped; 0 problem(s)")


def test_errors_are_one_line_and_never_show_credentials(
    tmp_path: Path, s3_server: S3Server
) -> None:
    write_recording(tmp_path, files=1)
    wrong = _ship_cli(tmp_path, "s3://no-such-bucket/fleet", s3_server.endpoint)
    down = _ship_cli(tmp_path, "s3://ship-once/fleet", "http://127.0.0.1:9")
    auth = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "0"})  # checks credentials: ours are unknown
    try:
        denied = _ship_cli(tmp_path, "s3://any-bucket/fleet", auth.endpoint)
    finally:
        stop(auth)
    for result, why in (
        (wrong, "s3://no-such-bucket/fleet: no such bucket or directory"),
        (down, "s3://ship-once/fleet: the endpoint cannot be reached"),
        (
            denied,
            "s3://any-bucket/fleet: access denied (check the credentials and the bucket policy)",
        ),
    ):
        assert result.returncode == 4
        assert result.stdout == ""
        assert result.stderr.strip() == f"error: cannot ship to {why}; nothing local was changed"
        assert CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in result.stderr
    assert shipped_files(tmp_path) == {}


def test_a_directory_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = "file:///proc/tracee-py-share"  # root can write anywhere else
    else:
        (tmp_path / "ro").mkdir(mode=0o500)
        target = f"file://{tmp_path / 'ro' / 'share'}"
    write_recording(tmp_path / "data", files=1)
    with pytest.raises(StoreError, match=r"^cannot ship to file://.*; nothing local was changed$"):
        ship(tmp_path / "data", target)


def test_retention_never_removes_an_unshipped_file_when_shipping_is_on(tmp_path: Path) -> None:
    data, share = tmp_path / "data", tmp_path / "share"
    write_recording(data, files=4)
    events = sorted((data / "events").rglob("*.parquet"))
    rels = [str(p.relative_to(data)) for p in events]
    Ledger(data, f"file://{share}").close()  # shipping is on, nothing shipped yet
    now = time.time_ns() + 86_400 * S  # every file is a day old
    assert enforce(data, "node-a", max_bytes=0, max_age_seconds=3600, now_ns=now).removed == []
    assert all(p.exists() for p in events)

    ship(data, f"file://{share}")
    # A file shipped before it was changed does not count as shipped.
    with open(events[1], "ab") as f:
        f.write(b"x")
    report = enforce(data, "node-a", max_bytes=0, max_age_seconds=None, now_ns=now)
    assert report.removed == [rels[0], rels[2]]  # the newest stays; events[1] is not verified
    assert [p.exists() for p in events] == [False, True, False, True]
    report = enforce(data, "node-a", max_bytes=None, max_age_seconds=3600, now_ns=now)
    assert report.removed == [rels[3]]  # too old and shipped; events[1] still is not
    assert [p.exists() for p in events] == [False, True, False, False]
