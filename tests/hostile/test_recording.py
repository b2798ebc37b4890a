"""Hostile and damaged recordings: reading commands never change them, skip and name what
is damaged or forged, answer from the rest, and never hang on what is not a file."""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.query.conftest import Scenario
from tracee_py.query.dataset import open_dataset

from .conftest import TRACEE, snapshot, tracee

COUNT = "SELECT count(*) AS n FROM events"


def events_files(root: Path, node: str = "alpha") -> list[Path]:
    return sorted((root / "events" / f"node={node}").rglob("*.parquet"))


def rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root))


def count(root: Path, *extra: str) -> tuple[int, list[str], int]:
    """``query COUNT`` as a user runs it: the count, the stderr lines, the exit code."""
    result = tracee("query", "--data", root, "-o", "jsonl", *extra, COUNT)
    n = json.loads(result.stdout)["n"] if result.stdout else -1
    return n, result.stderr.splitlines(), result.returncode


# -- reading commands never write -------------------------------------------------------------

WRITES = [
    (
        "COPY (SELECT * FROM events LIMIT 1) TO '{root}/events/node=alpha/date=2026-03-14/"
        "forged.parquet' (FORMAT parquet)",
        "COPY statements are not allowed",
    ),
    (
        "COPY (SELECT * FROM stats) TO '{root}/stats' (FORMAT parquet, PARTITION_BY (node), "
        "OVERWRITE)",
        "COPY statements are not allowed",
    ),
    ("EXPORT DATABASE '{root}/export'", "EXPORT statements are not allowed"),
    ("ATTACH '{root}/x.duckdb' AS x", "ATTACH statements are not allowed"),
    ("CREATE TABLE t AS SELECT 1", "CREATE statements are not allowed"),
    ("SELECT 1; COPY (SELECT 1) TO '{root}/x.csv'", "give exactly one statement, not 2"),
    ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{root}/x.csv'", "EXPLAIN only of a SELECT"),
]


@pytest.mark.parametrize(("sql", "why"), WRITES, ids=[w[1][:20] for w in WRITES])
def test_query_cannot_write_into_the_recording(scenario_copy: Scenario, sql: str, why: str) -> None:
    root = scenario_copy.root
    before = snapshot(root)
    result = tracee("query", "--data", root, sql.format(root=root))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {why}: query only reads the recording; to keep the rows, use --save FILE "
        "or redirect stdout\n"
    )
    assert snapshot(root) == before


def test_save_writes_the_rows_outside_the_recording_only(
    scenario_copy: Scenario, tmp_path: Path
) -> None:
    root = scenario_copy.root
    before = snapshot(root)
    target = tmp_path / "out" / "n.jsonl"
    target.parent.mkdir()
    result = tracee("query", "--data", root, "-o", "jsonl", "--save", target, COUNT)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == f"1 rows written to {target}\n"
    assert json.loads(target.read_text()) == {"n": scenario_copy.rows}

    inside = root / "events" / "node=alpha" / "loot.jsonl"
    result = tracee("query", "--data", root, "-o", "jsonl", "--save", inside, COUNT)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {inside} is inside the data directory {root}: recordings are evidence\n"
    )
    result = tracee("query", "--data", root, "--save", tmp_path / "t.txt", COUNT)
    assert result.stderr == "error: --save writes csv, json or jsonl: choose one with -o\n"
    assert snapshot(root) == before


def test_duckdb_spills_to_a_private_directory_not_the_working_one(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(scenario.root)
    with open_dataset(scenario.root) as ds:
        (spill,) = ds.con.execute("SELECT current_setting('temp_directory')").fetchone()
        assert Path(spill).parent == Path(tempfile.gettempdir())
        assert Path(spill).is_dir()
    assert not Path(spill).exists()


# -- damage is skipped and named ---------------------------------------------------------------


def garble_pages(path: Path) -> None:
    """Random bytes over every page; the footer (schema, offsets, statistics) stays intact."""
    data = bytearray(path.read_bytes())
    (footer,) = struct.unpack("<i", data[-8:-4])
    start, end = 4, len(data) - 8 - footer
    rng = random.Random(13)
    data[start:end] = bytes(rng.randrange(256) for _ in range(end - start))
    path.write_bytes(bytes(data))


@pytest.fixture
def garbled(scenario_copy: Scenario) -> tuple[Path, str]:
    victim = events_files(scenario_copy.root)[0]
    garble_pages(victim)
    return scenario_copy.root, rel(victim, scenario_copy.root)


@pytest.mark.parametrize(
    "command",
    [
        ["info", "--no-verify"],
        ["tree", "--at", "2026-03-14T10:00:30Z", "--node", "beta"],
        ["ps", "--node", "beta"],
        ["timeline", "--pid", "300", "--node", "beta"],
        ["query", "SELECT sum(length(comm)) FROM events"],
        ["sig", "run"],
    ],
    ids=lambda c: c[0] if isinstance(c, list) else c,
)
def test_garbage_inside_a_file_is_skipped_and_named(
    garbled: tuple[Path, str], command: list[str]
) -> None:
    root, victim = garbled
    result = tracee(*command, "--data", root)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert f"warning: skipped damaged file {victim}: cannot be read" in result.stderr
    strict = tracee(*command, "--data", root, "--strict")
    assert strict.returncode == 5
    assert strict.stdout == result.stdout  # the answer, then the refusal
    assert strict.stderr.splitlines()[-1].startswith("error: --strict: 1 damaged or unlisted")


def test_what_is_not_a_regular_file_is_never_opened(scenario_copy: Scenario) -> None:
    root = scenario_copy.root
    part = events_files(root)[0].parent
    os.mkfifo(part / "x.parquet")
    listed = events_files(root, "beta")[0]
    listed.unlink()
    listed.symlink_to("/dev/zero")
    n, err, code = count(root)
    assert code == 0
    assert n == scenario_copy.rows - 6  # beta's only file is the one replaced
    assert err == [
        f"warning: {rel(part / 'x.parquet', root)}: a FIFO, not a regular file",
        f"warning: {rel(listed, root)}: a symbolic link, not a regular file",
    ]
    info = tracee("info", "--data", root, "--section", "problems", "-o", "csv")
    assert info.returncode == 0
    assert info.stdout.splitlines()[1:] == [
        f'{rel(part / "x.parquet", root)},not_regular,"a FIFO, not a regular file"',
        f'{rel(listed, root)},not_regular,"a symbolic link, not a regular file"',
    ]


@pytest.mark.parametrize("where", ["file", "node"])
def test_a_name_like_a_pattern_is_not_expanded(scenario_copy: Scenario, where: str) -> None:
    root = scenario_copy.root
    original = events_files(root)[0]
    if where == "file":
        planted = original.parent / "*.parquet"
        shutil.copy(original, planted)
    else:  # node=* would match every node's directory
        planted = root / "events" / "node=*"
        shutil.copytree(original.parent.parent, planted)
    n, err, code = count(root)
    assert (n, code) == (scenario_copy.rows, 0)
    assert err == [
        f"warning: {rel(planted, root)}: not read: its name holds pattern characters (*?[]{{}}\\)"
    ]


def test_a_file_with_another_type_for_a_column_is_skipped(scenario_copy: Scenario) -> None:
    """Unioned by name, one file with pid as text would make every pid text: a pid lookup
    would then quietly find nothing."""
    root = scenario_copy.root
    original = events_files(root, "beta")[0]
    table = pq.read_table(original)
    pids = pa.array([f"x{p}" for p in table.column("pid").to_pylist()])
    forged = original.parent / "forged.parquet"
    pq.write_table(table.set_column(table.schema.get_field_index("pid"), "pid", pids), forged)
    result = tracee("timeline", "--pid", "300", "--node", "beta", "--data", root, "-o", "jsonl")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 4  # curl's events, found by its integer pid
    assert result.stderr.splitlines() == [
        f"warning: {rel(forged, root)}: not in any manifest",
        f"warning: skipped damaged file {rel(forged, root)}: column pid is string, not int32",
    ]


# -- tampering is named everywhere ---------------------------------------------------------------


def test_a_forged_node_a_missing_file_and_a_resized_file_are_named(
    scenario_copy: Scenario,
) -> None:
    root = scenario_copy.root
    forged = root / "events" / "node=mallory" / "date=2026-03-14" / "forged.parquet"
    forged.parent.mkdir(parents=True)
    shutil.copy(events_files(root, "beta")[0], forged)
    gone, grown = events_files(root)[:2]
    with open_dataset(root) as ds:
        rows = {f.path: f.rows for f in ds.files}
    gone.unlink()
    with grown.open("ab") as f:
        f.write(b"appended")  # after the footer: the file no longer reads either
    n, err, code = count(root)
    assert code == 0
    # mallory's copy of beta is read too
    assert n == scenario_copy.rows - rows[rel(gone, root)] - rows[rel(grown, root)] + 6
    size = grown.stat().st_size
    assert err[:3] == [
        f"warning: {rel(gone, root)}: listed in the manifest, not on disk",
        f"warning: {rel(grown, root)}: size is {size} bytes, the manifest says {size - 8}",
        f"warning: {rel(forged, root)}: not in any manifest",
    ]
    assert err[3].startswith(
        f"warning: skipped damaged file {rel(grown, root)}: not a readable Parquet file"
    )
    assert len(err) == 4
    for command in (["tree", "--at", "2026-03-14T10:00:30Z"], ["sig", "run"], ["ps"]):
        result = tracee(*command, "--data", root, "--strict")
        assert result.returncode == 5, command
        assert f"warning: {rel(forged, root)}: not in any manifest" in result.stderr
    # With --node, only that node's files matter.
    assert count(root, "--node", "beta")[1:] == ([], 0)


def test_verify_hashes_what_the_cheap_check_cannot_see(scenario_copy: Scenario) -> None:
    root = scenario_copy.root
    victim = events_files(root)[1]
    data = bytearray(victim.read_bytes())
    data[10] ^= 0x01  # same size: only the hash can tell
    victim.write_bytes(bytes(data))
    assert tracee("verify", "--data", root, "--all", "-o", "csv").returncode == 5
    result = tracee("verify", "--data", root, "-o", "jsonl")
    assert result.returncode == 5
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (row["file"], row["status"]) == (rel(victim, root), "hash_mismatch")
    assert result.stderr.splitlines()[-1] == "error: 1 file(s) do not match the manifest"


def test_verify_and_info_on_a_pristine_recording(scenario: Scenario) -> None:
    result = tracee("verify", "--data", scenario.root, "--all", "-o", "jsonl")
    assert result.returncode == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["status"] for r in rows} == {"ok"}
    assert any(r["file"].startswith("stats/") for r in rows)
    for flag in ("--verify", "--no-verify"):
        info = tracee("info", "--data", scenario.root, flag, "--section", "problems", "-o", "json")
        assert (info.returncode, info.stderr) == (0, "")
        assert json.loads(info.stdout)["problems"] == []


def test_an_unreadable_manifest_is_named_not_a_traceback(scenario_copy: Scenario) -> None:
    root = scenario_copy.root
    manifest = sorted((root / "manifest" / "node=beta").glob("*.jsonl"))[0]
    manifest.unlink()
    os.mkfifo(manifest)
    n, err, code = count(root, "--node", "beta")
    assert (n, code) == (6, 0)
    beta = rel(events_files(root, "beta")[0], root)
    assert err == [
        f"warning: {beta}: not in any manifest",
        f"warning: {rel(manifest, root)}: a FIFO, not a regular file",
    ]


NOBODY = 65534


def test_an_unreadable_node_directory_is_named(scenario_copy: Scenario) -> None:
    """Root reads every directory, so the reader runs as nobody over a copy it owns, all
    but one node directory, which stays root's and private."""
    base = Path(tempfile.mkdtemp(prefix="tracee-unreadable-", dir="/tmp"))
    try:
        base.chmod(0o755)
        root = base / "data"
        shutil.copytree(scenario_copy.root, root)
        for path in [root, *root.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
        node_dir = root / "events" / "node=beta"
        os.chown(node_dir, 0, 0)
        node_dir.chmod(0o700)
        result = subprocess.run(
            [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                TRACEE,
                "query",
                "--data",
                str(root),
                "-o",
                "jsonl",
                COUNT,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=base,
            env={**os.environ, "HOME": str(base), "COLUMNS": "200"},
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    err = result.stderr.splitlines()
    assert result.returncode == 0, result.stderr
    with open_dataset(scenario_copy.root, nodes=["alpha"]) as ds:
        (alpha_rows,) = ds.con.execute("SELECT count(*) FROM events").fetchone() or (-1,)
    assert json.loads(result.stdout)["n"] == alpha_rows  # beta could not be listed
    assert "warning: events/node=beta: directory cannot be listed: Permission denied" in err
