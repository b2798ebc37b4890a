"""A sealed manifest against an attacker who gains root on the node later: edit a data file
and recompute its sha256 (and the chain, and a seal with the key they stole), drop or
reorder manifest lines. Each is found by ``verify --key-file``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.query.conftest import Recorder, at
from tracee_py.store import seal
from tracee_py.store.layout import DatasetLayout
from tracee_py.store.manifest import ManifestWriter, sha256_file, verify
from tracee_py.store.rows import events_from_rows
from tracee_py.store.seal import SealingKey, VerificationKey, chain_next, entry_body, genesis, mac
from tracee_py.store.writer import EventWriter, StatsWriter, WriterSettings

from .conftest import tracee

INTERVAL_S = 60
GAP_S = 2 * 3600  # between the runs: longer than the sealing lag
S = 1_000_000_000


class Clock:
    def __init__(self, ns: int) -> None:
        self.ns = ns

    def __call__(self) -> int:
        return self.ns


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    now = Clock(at(0))
    monkeypatch.setattr(seal, "_now", now)
    return now


@pytest.fixture
def sealed(tmp_path: Path, clock: Clock) -> tuple[Path, Path, Path]:
    """A recording whose node wrote three runs two hours apart, sealed; and the key
    files: the node's (as an attacker finds it at the end) and the verification key."""
    state = tmp_path / "node.key"
    _, verification = SealingKey.create(state, INTERVAL_S)
    (tmp_path / "verification.key").write_text(f"{verification}\n")
    root = tmp_path / "data"
    for run in range(3):
        clock.ns = at(0) + run * GAP_S * S + S  # intervals 0, 120 and 240
        rec = Recorder("n1", "boot-1")
        rec.snapshot(f"p{run}", 100 + run, None, "/bin/sh", ["sh"], clock.ns - S)
        rec.event(f"p{run}", clock.ns - S, "file_open", path="/etc/motd")  # the file's last
        settings = WriterSettings(seal_key=state)
        writer = EventWriter(root, "n1", run_id=f"r{run}", settings=settings)
        writer.write(events_from_rows(rec.rows))
        writer.close()
    # One manifest with several lines: three stats files, sealed in the last interval.
    stats = StatsWriter(
        root,
        "n1",
        manifest=ManifestWriter(
            root / "manifest" / "node=n1" / "stats.jsonl", SealingKey.open(state)
        ),
    )
    for minute in range(3):
        stats.write_rows([_stat(clock.ns + minute * 60 * S)])
    assert stats.manifest is not None
    stats.manifest.close()
    return root, state, tmp_path / "verification.key"


def _stat(start: int) -> dict[str, object]:
    return {
        "interval_start": start - 60 * S,
        "interval_end": start,
        "node": "n1",
        "boot_id": "boot-1",
        "run_id": "r",
        "metric": "events",
        "kind": "process_exec",
        "value": 1,
    }


def problems(root: Path, key_file: Path | None) -> list[tuple[str, str, str]]:
    key = VerificationKey.parse(key_file.read_text()) if key_file else None
    return [(c.file, c.status, c.detail) for c in verify(DatasetLayout(root), key) if c.problem]


def manifests(root: Path) -> list[Path]:
    return sorted((root / "manifest" / "node=n1").glob("*-r*.jsonl"))


def test_a_sealed_recording_verifies_with_the_key(sealed: tuple[Path, Path, Path]) -> None:
    root, _, key_file = sealed
    assert problems(root, key_file) == []
    result = tracee("verify", "--data", root, "--key-file", key_file)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for mf in manifests(root) for line in mf.read_text().splitlines()]
    assert [line["seal"]["epoch"] for line in lines] == [0, 120, 240]


def test_the_node_key_evolves_one_way(sealed: tuple[Path, Path, Path]) -> None:
    _, state, key_file = sealed
    node = json.loads(state.read_text())
    verification = VerificationKey.parse(key_file.read_text())
    assert node["epoch"] == 240
    key = verification.seed
    for _ in range(240):
        key = seal.evolve(key)
    assert bytes.fromhex(node["key"]) == key
    assert verification.seed.hex() not in state.read_text()


def test_an_edited_file_with_recomputed_hash_chain_and_seal_is_found(
    sealed: tuple[Path, Path, Path],
) -> None:
    root, state, key_file = sealed
    first = manifests(root)[0]  # sealed in interval 0
    raw = json.loads(first.read_text())
    victim = root / raw["file"]
    data = bytearray(victim.read_bytes())
    data[10] ^= 0x01
    victim.write_bytes(bytes(data))
    # The attacker is root now: new sha256, new chain, and a seal with the key they found.
    stolen = json.loads(state.read_text())
    raw.pop("seal")
    raw["sha256"] = sha256_file(victim)
    chain = chain_next(genesis(first.name), entry_body(raw))
    rel = str(first.relative_to(root))
    for epoch, why in (
        (0, "the seal does not verify (written without the key of its interval)"),
        (
            240,
            "sealed in interval 240, later than its data allows (at most 61): re-sealed "
            "with a later key",
        ),
    ):
        raw["seal"] = {
            "epoch": epoch,
            "chain": chain,
            "mac": mac(bytes.fromhex(stolen["key"]), chain, epoch),
        }
        first.write_text(json.dumps(raw, sort_keys=True) + "\n")
        assert problems(root, None) == []  # without the key, nothing shows
        assert problems(root, key_file) == [(rel, "bad_seal", f"line 1: {why}")]
    result = tracee("verify", "--data", root, "--key-file", key_file, "-o", "jsonl")
    assert result.returncode == 5
    assert [json.loads(line)["detail"] for line in result.stdout.splitlines()] == [f"line 1: {why}"]


def test_dropped_and_reordered_lines_break_the_chain(sealed: tuple[Path, Path, Path]) -> None:
    root, _, key_file = sealed
    stats = root / "manifest" / "node=n1" / "stats.jsonl"
    rel = str(stats.relative_to(root))
    lines = stats.read_text().splitlines()
    broken = "the chain is broken (a line was changed, dropped or moved before it)"

    stats.write_text("\n".join([lines[0], lines[2]]) + "\n")
    dropped = json.loads(lines[1])["file"]
    assert problems(root, key_file) == [
        (rel, "bad_seal", f"line 2: {broken}"),
        (dropped, "unlisted", "not in any manifest"),
    ]

    stats.write_text("\n".join([lines[1], lines[0], lines[2]]) + "\n")
    assert problems(root, None) == [
        (rel, "bad_seal", f"line 1: {broken}"),
        (rel, "bad_seal", f"line 2: {broken}"),
        (rel, "bad_seal", f"line 3: {broken}"),
    ]
    # Every reading command sees a broken chain on open, key or not.
    result = tracee("query", "--data", root, "--strict", "SELECT count(*) FROM events")
    assert result.returncode == 5
    assert f"warning: {rel}: line 1: {broken}" in result.stderr


def test_setup_keys_never_overwrites(tmp_path: Path) -> None:
    state = tmp_path / "seal.key"
    result = tracee("setup-keys", "--state", state, "--interval", "900")
    assert result.returncode == 0
    key = VerificationKey.parse(result.stdout)
    assert key.interval_ns == 900 * S
    assert (state.stat().st_mode & 0o777) == 0o600
    again = tracee("setup-keys", "--state", state)
    assert again.returncode == 2
    assert again.stderr == f"error: {state} exists: sealing keys are never overwritten\n"
