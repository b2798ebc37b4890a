"""Hostile signature packs: they cannot read the machine's files, hang a command, or crash
the loader, whatever they ship and whatever directory tracee-py runs in."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.signatures.conftest import MOTD_ROWS, rule_with_sql, write_recording, write_signature
from tracee_py.cli.app import app
from tracee_py.signatures import AccessDenied, Sandbox, collect_signatures, run_on_dataset
from tracee_py.signatures.loader import load_signatures
from tracee_py.signatures.sandbox import memory_limit_bytes

from .conftest import TRACEE

runner = CliRunner()
SECRET = "root:$6$very-secret-hash:19000:0:99999:7:::"
READ_SECRET = (
    "SELECT now()::TIMESTAMPTZ AS time, 1::UBIGINT AS process_id, content "
    "FROM read_text('.tmp/shadow')"
)
RUNAWAY = (
    "SELECT now()::TIMESTAMPTZ AS time, count(*)::UBIGINT AS process_id "
    "FROM range(9000000000000000000)"
)


def recording(tmp_path: Path) -> Path:
    rows = [{k: v for k, v in r.items() if k != "_finding"} for r in MOTD_ROWS]
    return write_recording(tmp_path / "data", rows)


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pack whose folder is the working directory and ships ``.tmp -> secrets``: DuckDB's
    default temporary directory is ``.tmp`` under the working directory, and DuckDB lets
    even a locked database read its temporary directory."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "shadow").write_text(SECRET + "\n")
    pack = tmp_path / "pack"
    write_signature(pack, "steal-shadow", rule_with_sql("steal-shadow", READ_SECRET))
    (pack / ".tmp").symlink_to(secrets)
    monkeypatch.chdir(pack)
    return pack


def test_a_tmp_symlink_in_the_working_directory_reads_nothing(planted: Path) -> None:
    result = runner.invoke(app, ["sig", "check", str(planted)])
    assert result.exit_code == 2
    assert (
        f"{planted}/steal-shadow/rule.yaml:10: sql: Permission Error: Cannot access file "
        '".tmp/shadow" - file system operations are disabled by configuration'
    ) in result.output
    assert "very-secret" not in result.output


def test_a_tmp_symlink_reads_nothing_during_a_run_either(planted: Path, tmp_path: Path) -> None:
    sigs = load_signatures([planted], check_sql=False, check_samples=False)
    result = run_on_dataset(recording(tmp_path), sigs.signatures)
    (run,) = result.runs
    assert run.findings == []
    assert run.error is not None and run.error.startswith("Permission Error: Cannot access file")
    assert "very-secret" not in " ".join(result.warnings)


def test_the_sandbox_has_no_temporary_directory_and_capped_memory() -> None:
    with Sandbox.load(None) as sb:
        settings = sb.engine_query(
            "SELECT current_setting('temp_directory') AS t, "
            "current_setting('max_temp_directory_size') AS m"
        ).to_pylist()
        assert settings == [{"t": "", "m": "0 bytes"}]
        limit = sb.engine_query("SELECT current_setting('memory_limit') AS v").column("v")[0]
        assert limit.as_py().endswith(("GiB", "MiB"))
        with pytest.raises(AccessDenied):
            sb.query("SELECT * FROM read_text('/etc/hostname')")
    assert memory_limit_bytes() >= 256 << 20


@pytest.mark.parametrize(
    "command",
    [
        ["sig", "list", "--no-builtin", "-s", "{pack}", "--timeout", "1"],
        ["sig", "check", "{pack}", "--timeout", "1"],
        ["sig", "test", "{pack}", "--timeout", "1"],
        ["sig", "run", "--data", "{data}", "--no-builtin", "-s", "{pack}", "--timeout", "1"],
    ],
    ids=["list", "check", "test", "run"],
)
def test_a_runaway_query_is_stopped_at_load_time(tmp_path: Path, command: list[str]) -> None:
    pack = tmp_path / "pack"
    write_signature(pack, "runaway", rule_with_sql("runaway", RUNAWAY))
    data = recording(tmp_path)
    args = [a.format(pack=pack, data=data) for a in command]
    started = time.monotonic()
    result = runner.invoke(app, args)
    assert time.monotonic() - started < 20
    assert result.exit_code == 2
    assert f"{pack}/runaway/rule.yaml:10: sql: query stopped after 1s" in result.output


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "1e9"])
@pytest.mark.parametrize("command", ["list", "check", "test", "run"])
def test_unusable_timeouts_are_one_clear_line(
    tmp_path: Path, command: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sig", command, "--timeout", value]
    if command == "run":
        args += ["--data", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.output == (
        f"error: --timeout must be a number of seconds above 0 and at most 604800, "
        f"not {float(value)!r}\n"
    )


def test_ctrl_c_stops_a_running_check(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    write_signature(pack, "runaway", rule_with_sql("runaway", RUNAWAY))
    proc = subprocess.Popen(
        [TRACEE, "sig", "check", str(pack), "--timeout", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # The suite may run where SIGINT is ignored (a background job); a terminal's
        # Ctrl-C reaches a process that has the default disposition.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(8)  # imported (slow on a busy machine), loaded, inside the runaway query
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("Ctrl-C did not stop sig check")
    assert proc.returncode == 130
    assert "Traceback" not in err


# -- the loaders ------------------------------------------------------------------------------

RULE_HEAD = rule_with_sql("bomb", "SELECT time, process_id FROM events")


def _problems(pack: Path) -> list[str]:
    _, problems = collect_signatures([pack], check_sql=False, check_samples=True)
    return [str(p) for p in problems]


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(9))}]" for i in range(1, 12)]
    write_signature(tmp_path, "bomb", RULE_HEAD + "\n".join(levels) + "\ntags: *a11\n")
    started = time.monotonic()
    problems = _problems(tmp_path)
    assert time.monotonic() - started < 5
    assert problems == [
        f"{tmp_path}/bomb/rule.yaml:12:10: YAML aliases (*a0) are not allowed in rule files"
    ]


def test_a_self_referencing_alias_is_one_problem(tmp_path: Path) -> None:
    write_signature(tmp_path, "bomb", RULE_HEAD + "tags: &loop [*loop]\n")
    assert _problems(tmp_path) == [
        f"{tmp_path}/bomb/rule.yaml:11:14: YAML aliases (*loop) are not allowed in rule files"
    ]


@pytest.mark.parametrize(
    ("depth", "problem"),
    [
        (100, "11:22: nested more than 16 levels deep"),
        (100_000, "11:1006: not valid YAML: exceeded maximum nesting depth"),  # libyaml's own
    ],
)
def test_deep_yaml_nesting_is_one_problem(tmp_path: Path, depth: int, problem: str) -> None:
    write_signature(tmp_path, "bomb", RULE_HEAD + "tags: " + "[" * depth + "]" * depth + "\n")
    assert _problems(tmp_path) == [f"{tmp_path}/bomb/rule.yaml:{problem}"]


def test_a_huge_rule_file_is_not_read(tmp_path: Path) -> None:
    write_signature(tmp_path, "bomb", RULE_HEAD + "# " + "x" * 300_000 + "\n")
    (problem,) = _problems(tmp_path)
    assert problem.startswith(f"{tmp_path}/bomb/rule.yaml: cannot read: ")
    assert problem.endswith("bytes; at most 262,144 are read")


def test_a_deeply_nested_json_sample_is_one_problem_per_line(tmp_path: Path) -> None:
    write_signature(
        tmp_path,
        "motd-read",
        positive='{"expect": 1}\n' + "[" * 100_000 + "]" * 100_000 + "\n"
        '{"time": "2026-03-14T22:00:01Z", "event": "file_open", "argv": '
        + "[" * 20
        + "]" * 20
        + "}\n",
    )
    assert _problems(tmp_path) == [
        f"{tmp_path}/motd-read/positive.jsonl:2: JSON nested more than 8 levels deep",
        f"{tmp_path}/motd-read/positive.jsonl:3: JSON nested more than 8 levels deep",
    ]


def test_a_fifo_sample_does_not_hang_the_loader(tmp_path: Path) -> None:
    folder = write_signature(tmp_path, "motd-read")
    (folder / "negative.jsonl").unlink()
    os.mkfifo(folder / "negative.jsonl")
    assert _problems(tmp_path) == [
        f"{tmp_path}/motd-read/negative.jsonl: cannot read: {folder}/negative.jsonl is a FIFO, "
        "not a regular file"
    ]


def test_a_rule_file_linked_to_a_secret_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(f"{SECRET}: [x]\n")
    folder = write_signature(tmp_path / "pack", "motd-read")
    (folder / "rule.yaml").unlink()
    (folder / "rule.yaml").symlink_to(secret)
    problems = _problems(tmp_path / "pack")
    assert problems == [
        f"{folder}/rule.yaml: cannot read: {folder}/rule.yaml is a symbolic link, "
        "not a regular file"
    ]


def test_an_expression_nested_to_the_parser_limit_is_checked_not_a_crash(tmp_path: Path) -> None:
    deep = "+".join(["1"] * 900)
    write_signature(
        tmp_path,
        "deep",
        rule_with_sql(
            "deep", f"SELECT now()::TIMESTAMPTZ AS time, ({deep})::UBIGINT AS process_id"
        ),
    )
    result = runner.invoke(app, ["sig", "check", str(tmp_path)])
    assert (result.exit_code, result.exception) == (0, None)
    assert result.output == "1 signatures checked: no problems\n"
