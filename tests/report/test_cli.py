"""``tracee-py report`` on the command line: it writes the file and says so on stderr;
bad input gives one clear line and exit code 2."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.query.conftest import TRACEE
from tests.query.test_cli import run_main
from tests.report.conftest import Incident
from tracee_py.signatures import builtin_catalog, load_signatures


def test_writes_the_report_and_says_where(
    incident: Incident,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "r.html"
    code, stdout, err = run_main(
        ["report", "--data", str(incident.root), "-o", str(out)], capsys, monkeypatch
    )
    assert (code, stdout) == (0, "")
    size = out.stat().st_size
    lines = err.splitlines()
    assert lines[:-1] == [
        f"running {len(load_signatures([builtin_catalog()]).signatures)} signatures",
        "checking the recording against its manifest",
        "summarising the events of 15 processes",
        "drawing the report",
    ]
    assert lines[-1].startswith(f"wrote {out}: ")
    assert lines[-1].endswith("(cap 10.0 MiB), 15 processes, 5 findings")
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert 10_000 < size < 200_000


def test_subject_by_finding(
    incident: Incident,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "f.html"
    args = ["report", "--data", str(incident.root), "-o", str(out), "--finding", "shadow-read"]
    code, _, err = run_main(args, capsys, monkeypatch)
    assert code == 0, err
    text = out.read_text()
    finding = text.split('data-finding="shadow-read-', 1)[1][:8]
    assert "finding shadow-read-" + finding in text  # the title names the finding
    # The same id selects it again.
    args[-1] = f"shadow-read-{finding}"
    assert run_main(args, capsys, monkeypatch)[0] == 0


def test_as_a_subprocess(incident: Incident, tmp_path: Path) -> None:
    out = tmp_path / "sub.html"
    proc = subprocess.run(
        [TRACEE, "report", "--data", str(incident.root), "--pid", "2105", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "9 processes, 5 findings" in proc.stderr
    assert "process 2105 (" in out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "{root}", "--pid", "99999"], "error: pid 99999 is not in the recording"),
        (
            ["--data", "{empty}"],
            "error: no recordings in {empty}: no files match events/node=*/date=*/*.parquet",
        ),
        (
            ["--data", "{missing}"],
            "error: data directory {missing} does not exist (set --data or TRACEE_PY_DATA)",
        ),
        (
            ["--data", "{root}", "--process-id", "12345"],
            "error: process_id 12345 is not in the recording",
        ),
        (
            ["--data", "{root}", "--pid", "2105", "--finding", "shadow-read"],
            "error: give one subject: --pid, --process-id or --finding",
        ),
        (
            ["--data", "{root}", "--at", "2026-03-14T10:00:02Z"],
            "error: --at picks the process a reused pid named: give it with --pid",
        ),
        (
            ["--data", "{root}", "--from", "2026-03-14T11:00:00Z", "--to", "2026-03-14T10:00:00Z"],
            "error: the time window is empty: 2026-03-14T11:00:00.000000000Z is after "
            "2026-03-14T10:00:00.000000000Z",
        ),
        (
            ["--data", "{root}", "--from", "yesterday"],
            "error: cannot read time 'yesterday': use ISO-8601 (2026-03-14T22:05:00Z) or a "
            "time relative to now (-10m, -2h, now)",
        ),
        (
            ["--data", "{root}", "--max-size", "10K"],
            "error: the size cap must be at least 64 KiB",
        ),
        (
            ["--data", "{root}", "--max-size", "lots"],
            "error: invalid --max-size 'lots': use a number with K, M, G or T (e.g. 64M)",
        ),
        (
            ["--data", "{root}", "-o", "{missing}/r.html"],
            "error: cannot write {missing}/r.html: directory {missing} does not exist",
        ),
    ],
)
def test_errors_are_one_line_and_exit_2(
    args: list[str],
    message: str,
    places: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing is written, not even the default report.html in the working directory."""
    monkeypatch.chdir(places["cwd"])
    code, out, err = run_main(["report", *(a.format(**places) for a in args)], capsys, monkeypatch)
    assert (code, out, err) == (2, "", message.format(**places) + "\n")
    assert list(Path(places["cwd"]).iterdir()) == []


@pytest.fixture
def places(incident: Incident, tmp_path: Path) -> dict[str, str]:
    """The recording, an empty and a missing directory, and an empty working directory."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "cwd").mkdir()
    names = {"root": incident.root, "cwd": tmp_path / "cwd"}
    names.update({n: tmp_path / n for n in ("empty", "missing")})
    return {name: str(path) for name, path in names.items()}


def test_help_has_examples(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_main(["report", "--help"], capsys, monkeypatch)
    assert code == 0
    assert "tracee-py report --data ./rec --pid 4242" in out
    assert "--max-size" in out and "10M" in out


def test_a_directory_as_output_is_one_line(
    incident: Incident,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "r.html").mkdir()
    args = ["report", "--data", str(incident.root), "-o", str(target / "r.html")]
    code, out, err = run_main(args, capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err == f"error: {target / 'r.html'} is a directory: give the report's file name\n"
    assert sorted(p.name for p in target.iterdir()) == ["r.html"]


def test_a_damaged_file_is_named_and_the_rest_reported(
    incident: Incident,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "data"
    shutil.copytree(incident.root, root)
    damaged = sorted(root.glob("events/*/*/*.parquet"))[-1]
    damaged.write_bytes(damaged.read_bytes()[:100])
    rel = damaged.relative_to(root)
    out = tmp_path / "r.html"
    code, stdout, err = run_main(
        ["report", "--data", str(root), "-o", str(out)], capsys, monkeypatch
    )
    assert (code, stdout) == (0, "")
    assert f"warning: skipped damaged file {rel}: not a readable Parquet file" in err
    text = out.read_text()
    assert '<div class="integrity problems" id="integrity">' in text
    assert f"{rel}: unreadable (not a readable Parquet file" in text
    assert f"{rel}: size mismatch" in text  # the cheap check: cut short
    # --strict: the report is still written, then the damage fails the command.
    out.unlink()
    code, stdout, err = run_main(
        ["report", "--data", str(root), "-o", str(out), "--strict"], capsys, monkeypatch
    )
    assert (code, stdout) == (5, "")
    assert out.is_file()
    assert err.strip().splitlines()[-1].startswith("error: --strict: ")


def test_an_unknown_finding_is_named_after_the_signatures_ran(
    incident: Incident, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["report", "--data", str(incident.root), "--finding", "nope"]
    code, out, err = run_main(args, capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == (
        "error: no finding 'nope' in the recording (finding ids are in the report)"
    )
    assert [line for line in err.splitlines() if "error" in line] == [err.splitlines()[-1]]
