"""Loading signature sets: every problem of a set reported at once, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracee_py.signatures import (
    Confidence,
    Severity,
    SignatureSetError,
    builtin_catalog,
    collect_signatures,
    load_signatures,
)

from .conftest import GOOD_RULE, MOTD_ROWS, jsonl, rule_with_sql, write_signature


def problems_of(*dirs: Path) -> list[str]:
    with pytest.raises(SignatureSetError) as info:
        load_signatures(list(dirs))
    return [str(p) for p in info.value.problems]


def test_good_signature_loads(tmp_path: Path) -> None:
    write_signature(tmp_path, "motd-read", severity="medium")
    sigs = load_signatures([tmp_path])
    sig = sigs.by_id("motd-read")
    assert sig.severity is Severity.MEDIUM
    assert sig.tactic.id == "TA0007" and sig.technique.name == "System Information Discovery"
    assert sig.event_kinds == frozenset({"file_open"})
    assert sig.rule_file == tmp_path / "motd-read" / "rule.yaml"
    assert sig.sql_line == 13  # the line after "sql: |"


def test_a_single_signature_folder_is_a_set(tmp_path: Path) -> None:
    folder = write_signature(tmp_path, "motd-read")
    assert [s.id for s in load_signatures([folder])] == ["motd-read"]


def test_malformed_set_reports_every_problem_with_file_and_line(tmp_path: Path) -> None:
    # 1: not YAML at all (line 3: a tab where a mapping was expected)
    write_signature(tmp_path, "broken-yaml", "id: broken-yaml\nname: x\n\tdescription: y\n")
    # 2: several schema problems in one file
    write_signature(
        tmp_path,
        "bad-fields",
        """\
        id: bad-fields
        name: Bad fields
        severity: urgent
        mitre:
          tactic: {id: T0006, name: Credential Access}
          technique: {id: T1003.008}
        tags: not-a-list
        colour: red
        detail: "{comm} did {0.__class__}"
        sql: SELECT time, process_id FROM events
        """,
    )
    # 3: SQL that DuckDB cannot bind: the unknown column is on the 3rd line of the query
    write_signature(
        tmp_path,
        "bad-sql",
        """\
        id: bad-sql
        name: Bad SQL
        description: Refers to a column that does not exist.
        severity: low
        mitre:
          tactic: {id: TA0007, name: Discovery}
          technique: {id: T1082, name: System Information Discovery}
        detail: "{comm} {path}"
        sql: |
          SELECT time, process_id, comm, path
          FROM events
          WHERE event = 'file_open' AND no_such_column = 1
        """,
    )
    # 4: a query that does not return process_id, and a placeholder it cannot fill
    write_signature(
        tmp_path,
        "no-process-id",
        """\
        id: no-process-id
        name: No process id
        description: Returns no process_id.
        severity: low
        mitre:
          tactic: {id: TA0007, name: Discovery}
          technique: {id: T1082, name: System Information Discovery}
        detail: "{nothing}"
        sql: SELECT time, path FROM events
        """,
    )
    # 5: a good rule with broken samples (bad JSON on line 2, unknown column on line 3)
    write_signature(
        tmp_path,
        "bad-samples",
        positive='{"time": "2026-03-14T22:00:00Z", "event": "file_open", "process_id": 1}\n'
        '{"time": oops}\n'
        '{"time": "2026-03-14T22:00:01Z", "event": "file_open", "colour": "red"}\n',
    )
    # 6: id and folder disagree
    write_signature(tmp_path, "folder-name").joinpath("rule.yaml").write_text(
        (tmp_path / "folder-name" / "rule.yaml")
        .read_text()
        .replace("id: folder-name", "id: other-name")
    )

    problems = problems_of(tmp_path)
    text = "\n".join(problems)
    d = tmp_path
    expected = [
        f"{d}/broken-yaml/rule.yaml:3:1: not valid YAML",
        f"{d}/bad-fields/rule.yaml:1:1: missing required key 'description'",
        f"{d}/bad-fields/rule.yaml:3:11: unknown severity 'urgent'",
        f"{d}/bad-fields/rule.yaml:5:16: mitre.tactic.id must look like TA0006, not 'T0006'",
        f"{d}/bad-fields/rule.yaml:6:14: mitre.technique.name is missing",
        f"{d}/bad-fields/rule.yaml:7:7: 'tags' must be a list",
        f"{d}/bad-fields/rule.yaml:8:1: unknown key 'colour'",
        f"{d}/bad-fields/rule.yaml:9:9: placeholder {{0.__class__}} must be a column name",
        f'{d}/bad-sql/rule.yaml:12: sql: Binder Error: Referenced column "no_such_column"',
        f"{d}/no-process-id/rule.yaml:9: sql must return a column named 'process_id'",
        f"{d}/no-process-id/rule.yaml:8: detail placeholder {{nothing}} is not a column",
        f"{d}/bad-samples/positive.jsonl:2: not JSON",
        f"{d}/bad-samples/positive.jsonl:3: unknown column(s) colour",
        f"{d}/folder-name/rule.yaml:1:5: id 'other-name' differs from its folder name",
    ]
    for line in expected:
        assert line in text, f"{line!r} not reported in:\n{text}"
    assert str(SignatureSetError(problems_of(tmp_path))).count("\n") >= len(expected)


def test_problems_do_not_hide_good_signatures(tmp_path: Path) -> None:
    write_signature(tmp_path, "good-one")
    write_signature(tmp_path, "bad-one", "id: bad-one\n")
    sigs, problems = collect_signatures([tmp_path])
    assert [s.id for s in sigs] == ["good-one"]
    assert len(problems) >= 5  # every missing required key of bad-one


def test_duplicate_ids_are_an_error(tmp_path: Path) -> None:
    write_signature(tmp_path / "pack-a", "motd-read")
    write_signature(tmp_path / "pack-b", "motd-read")
    problems = problems_of(tmp_path / "pack-a", tmp_path / "pack-b")
    assert problems == [
        f"{tmp_path}/pack-b/motd-read/rule.yaml:1: duplicate signature id 'motd-read' "
        f"(first defined in {tmp_path}/pack-a/motd-read/rule.yaml)"
    ]


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    folder = write_signature(tmp_path, "motd-read")
    rule = folder / "rule.yaml"
    rule.write_text(rule.read_text() + "severity: high\n")
    assert any(":16:1: key 'severity' appears twice" in p for p in problems_of(tmp_path))


def test_user_folder_on_top_of_the_catalog(tmp_path: Path) -> None:
    write_signature(tmp_path, "motd-read")
    sigs = load_signatures([builtin_catalog(), tmp_path])
    assert "motd-read" in [s.id for s in sigs]
    assert "shadow-read" in [s.id for s in sigs]


def test_user_folder_cannot_shadow_a_catalog_id(tmp_path: Path) -> None:
    write_signature(tmp_path, "shadow-read")
    problems = problems_of(builtin_catalog(), tmp_path)
    assert len(problems) == 1 and "duplicate signature id 'shadow-read'" in problems[0]


def test_missing_and_empty_directories(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "notes").mkdir()
    assert problems_of(tmp_path / "nope") == [
        f"{tmp_path}/nope: signature directory does not exist"
    ]
    assert "no signatures" in problems_of(tmp_path / "empty")[0]
    assert problems_of(tmp_path / "stray") == [f"{tmp_path}/stray/notes: folder has no rule.yaml"]


def test_sample_files_are_required_and_counted(tmp_path: Path) -> None:
    folder = write_signature(tmp_path, "motd-read")
    (folder / "negative.jsonl").unlink()
    rows = [{k: v for k, v in r.items() if k != "_finding"} for r in MOTD_ROWS]
    (folder / "positive.jsonl").write_text(jsonl(rows))
    problems = problems_of(tmp_path)
    assert f"{folder}/negative.jsonl: sample file is missing" in problems
    assert any("positive.jsonl: no expected count" in p for p in problems)


def test_expected_counts_must_agree(tmp_path: Path) -> None:
    folder = write_signature(tmp_path, "motd-read")
    rule = folder / "rule.yaml"
    rule.write_text(rule.read_text().replace("tags: [test]", "tags: [test]\nexpect: 2"))
    problems = problems_of(tmp_path)
    assert any("expect in the rule says 2 but rows marked _finding says 1" in p for p in problems)


def test_sql_naming_a_kind_not_in_requires(tmp_path: Path) -> None:
    folder = write_signature(tmp_path, "motd-read")
    rule = folder / "rule.yaml"
    rule.write_text(
        rule.read_text().replace("event = 'file_open'", "event IN ('file_open', 'file_unlink')")
    )
    assert any(
        "names event kind(s) file_unlink missing from requires.events" in p
        for p in problems_of(tmp_path)
    )


# -- confidence and mitre.also ------------------------------------------------------------------


def test_confidence_is_read_and_defaults_to_medium(tmp_path: Path) -> None:
    rule = GOOD_RULE.format(id="motd-read", severity="low")
    write_signature(
        tmp_path, "motd-read", rule.replace("severity: low\n", "severity: low\nconfidence: high\n")
    )
    write_signature(tmp_path, "motd-again")  # says nothing: a third-party pack's default
    sigs = load_signatures([tmp_path])
    assert sigs.by_id("motd-read").confidence is Confidence.HIGH
    assert sigs.by_id("motd-again").confidence is Confidence.MEDIUM


def test_bad_confidence_and_also_are_reported_with_their_place(tmp_path: Path) -> None:
    rule = GOOD_RULE.format(id="motd-read", severity="low")
    rule = rule.replace("severity: low\n", "severity: low\nconfidence: sure\n")
    rule = rule.replace(
        "  technique: {id: T1082, name: System Information Discovery}\n",
        "  technique: {id: T1082, name: System Information Discovery}\n"
        "  also: [T1016, T9999, T1082, T1016, T1566.001x, T1528]\n",
    )
    write_signature(tmp_path, "motd-read", rule)
    d = tmp_path / "motd-read" / "rule.yaml"
    # sorted by line, then message, as every problem list is
    assert problems_of(tmp_path) == [
        f"{d}:5:13: unknown confidence 'sure' (choose from low, medium, high)",
        f"{d}:9:31: mitre.also: T1016 is named twice",
        f"{d}:9:24: mitre.also: T1082 is named twice",  # the technique itself
        # Steal Application Access Token: Containers and cloud platforms, not Linux
        f"{d}:9:50: mitre.also: T1528 is not a Linux technique of ATT&CK",
        f"{d}:9:17: mitre.also: T9999 is not a Linux technique of ATT&CK",
        f"{d}:9:38: mitre.also[4] must look like T1053.006, not 'T1566.001x'",
    ]


def test_also_takes_names_from_the_attack_data(tmp_path: Path) -> None:
    rule = GOOD_RULE.format(id="motd-read", severity="low").replace(
        "  technique: {id: T1082, name: System Information Discovery}\n",
        "  technique: {id: T1082, name: System Information Discovery}\n"
        "  also: [T1016, T1053.006]\n",
    )
    write_signature(tmp_path, "motd-read", rule)
    sig = load_signatures([tmp_path]).by_id("motd-read")
    assert [str(ref) for ref in sig.also] == [
        "T1016 System Network Configuration Discovery",
        "T1053.006 Scheduled Task/Job: Systemd Timers",
    ]


def test_requires_columns_are_checked_against_the_schema(tmp_path: Path) -> None:
    """``requires.columns`` is the one name for the columns a rule depends on: checked when
    loading, a note for the reader otherwise (the SQL decides what is loaded)."""
    extra = "requires:\n  events: [file_open]\n  columns: [mtime, no_such_column]\n"
    sql = "SELECT time, process_id FROM events WHERE event = 'file_open'"
    write_signature(tmp_path, "needs-columns", rule_with_sql("needs-columns", sql, extra))
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path}/needs-columns/rule.yaml:")
    assert "no_such_column" in problem and "mtime" not in problem


def test_name_and_detail_are_the_rule_files(tmp_path: Path) -> None:
    """The signature keeps the name its file gives, whatever its detail's placeholders."""
    write_signature(tmp_path, "named-one")
    (sig,) = load_signatures([tmp_path], check_samples=False).signatures
    assert (sig.name, sig.detail) == ("Test signature named-one", "{comm} read {path}")
    (shadow,) = [
        s for s in load_signatures([builtin_catalog()]).signatures if s.id == "shadow-read"
    ]
    assert shadow.name == "Password hashes read from /etc/shadow"
