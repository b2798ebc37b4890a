"""Our catalog beside the peers' (Falco's rules, Tracee's signatures), technique by technique.

``peers.yaml`` lists every rule of each peer catalog with the ATT&CK technique ids its own
metadata names. :func:`compare` sets them against the Linux matrix and a :class:`Coverage` of
our catalog: which techniques each peer tags, their union, ours (named by a signature; and
covered, i.e. with a procedure recorded for real), ours the peers lack, and theirs we lack
(with the peers' rule names, a to-do list). A peer's tag counts as it is written: a parent
technique counts for the parent only, as our signatures do. :func:`comparison_markdown`
writes ``docs/comparison.md``; a test keeps the file equal to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tracee_py.signatures.attack import (
    TECHNIQUE_ID,
    AttackDataError,
    AttackMatrix,
    technique_sort_key,
)
from tracee_py.signatures.coverage import COVERED, SIGNATURE_ONLY, Coverage, percent

PEERS_FILE = Path(__file__).with_name("peers.yaml")


@dataclass(frozen=True)
class PeerRule:
    name: str
    techniques: tuple[str, ...]
    file: str  # the rule file (or folder) it comes from
    maturity: str


@dataclass(frozen=True)
class PeerCatalog:
    name: str
    source: str  # repository
    note: str
    files: tuple[tuple[str, str, str], ...]  # (path, commit, maturity)
    rules: tuple[PeerRule, ...]

    def techniques(self) -> frozenset[str]:
        return frozenset(t for r in self.rules for t in r.techniques)


@dataclass(frozen=True)
class PeerSummary:
    peer: PeerCatalog
    in_matrix: frozenset[str]  # the techniques it tags that are Linux techniques
    outside: frozenset[str]  # tagged, not in the Linux matrix (cloud, containers platforms)
    untagged: int  # rules that name no technique


@dataclass(frozen=True)
class Comparison:
    matrix: AttackMatrix
    peers: tuple[PeerSummary, ...]
    union: frozenset[str]  # Linux techniques any peer tags
    ours_named: frozenset[str]  # Linux techniques a signature of ours names
    ours_covered: frozenset[str]  # ... and a procedure recorded for real fires it
    only_ours: frozenset[str]  # ours_named - union
    only_theirs: dict[str, tuple[str, ...]]  # union - ours_named -> "Peer: rule" names


def load_peers(path: Path = PEERS_FILE) -> tuple[PeerCatalog, ...]:
    """Read and check ``peers.yaml``; every problem is reported at once."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AttackDataError(f"{path}: cannot read the peer catalogs: {exc}") from None
    problems: list[str] = []
    peers = tuple(_peer(i, item, problems) for i, item in enumerate(_list(data, "peers")))
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        raise AttackDataError(f"{path}: {len(problems)} problem(s) in the peer catalogs:\n{listed}")
    return peers


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _peer(index: int, item: Any, problems: list[str]) -> PeerCatalog:
    where = f"peers[{index}]"
    if not isinstance(item, dict) or not item.get("name") or not item.get("source"):
        problems.append(f"{where} needs name, source and files")
        item = item if isinstance(item, dict) else {}
    files: list[tuple[str, str, str]] = []
    rules: list[PeerRule] = []
    for f_index, entry in enumerate(_list(item, "files")):
        f_where = f"{where}.files[{f_index}]"
        if not isinstance(entry, dict) or not entry.get("path") or not entry.get("commit"):
            problems.append(f"{f_where} needs path, commit, maturity and rules")
            continue
        path, maturity = str(entry["path"]), str(entry.get("maturity", ""))
        files.append((path, str(entry["commit"]), maturity))
        for r_index, rule in enumerate(_list(entry, "rules")):
            r_where = f"{f_where}.rules[{r_index}]"
            if not isinstance(rule, dict) or not rule.get("rule"):
                problems.append(f"{r_where} needs rule and techniques")
                continue
            techniques = rule.get("techniques")
            if not isinstance(techniques, list) or not all(
                isinstance(t, str) and TECHNIQUE_ID.match(t) for t in techniques
            ):
                problems.append(f"{r_where} ({rule['rule']}): techniques must be ATT&CK ids")
                techniques = []
            rules.append(PeerRule(str(rule["rule"]), tuple(techniques), path, maturity))
    return PeerCatalog(
        name=str(item.get("name", "")),
        source=str(item.get("source", "")),
        note=" ".join(str(item.get("note", "")).split()),
        files=tuple(files),
        rules=tuple(rules),
    )


def compare(cov: Coverage, peers: Sequence[PeerCatalog]) -> Comparison:
    """Set the peers' tags against the Linux matrix and our coverage ``cov``."""
    matrix = cov.matrix
    summaries = []
    for peer in peers:
        tagged = peer.techniques()
        summaries.append(
            PeerSummary(
                peer=peer,
                in_matrix=frozenset(t for t in tagged if t in matrix.techniques),
                outside=frozenset(t for t in tagged if t not in matrix.techniques),
                untagged=sum(1 for r in peer.rules if not r.techniques),
            )
        )
    union = frozenset().union(*(s.in_matrix for s in summaries))
    named = frozenset(t for t, r in cov.rows.items() if r.status in (COVERED, SIGNATURE_ONLY))
    covered = frozenset(t for t, r in cov.rows.items() if r.status == COVERED)
    theirs: dict[str, tuple[str, ...]] = {}
    for tid in sorted(union - named, key=technique_sort_key):
        theirs[tid] = tuple(
            f"{p.name}: {r.name}" for p in peers for r in p.rules if tid in r.techniques
        )
    return Comparison(
        matrix=matrix,
        peers=tuple(summaries),
        union=union,
        ours_named=named,
        ours_covered=covered,
        only_ours=named - union,
        only_theirs=theirs,
    )


def comparison_dict(c: Comparison) -> dict[str, Any]:
    """JSON-ready."""
    return {
        "attack": {"version": c.matrix.version, "platform": "Linux"},
        "peers": [
            {
                "name": s.peer.name,
                "source": s.peer.source,
                "files": [{"path": p, "commit": h, "maturity": m} for p, h, m in s.peer.files],
                "rules": len(s.peer.rules),
                "rules_without_technique": s.untagged,
                "linux_techniques": _sorted(s.in_matrix),
                "outside_linux_matrix": _sorted(s.outside),
            }
            for s in c.peers
        ],
        "peers_together": _sorted(c.union),
        "ours_with_signature": _sorted(c.ours_named),
        "ours_covered": _sorted(c.ours_covered),
        "only_ours": _sorted(c.only_ours),
        "only_theirs": {tid: list(rules) for tid, rules in c.only_theirs.items()},
    }


def comparison_markdown(c: Comparison) -> str:
    """``docs/comparison.md``."""
    m = c.matrix
    n_linux = len(m.techniques)
    lines = [
        "# Our catalog beside Falco's and Tracee's",
        "",
        "<!-- Generated by `tracee-py sig compare -o markdown > docs/comparison.md` from",
        "     tracee_py/signatures/peers.yaml, attack_linux.yaml, the catalog and",
        "     tests/detection/procedures. Do not edit by hand: tests/signatures/test_peers.py",
        "     compares. -->",
        "",
        f"Techniques of the ATT&CK Enterprise v{m.version} Linux matrix ({n_linux} techniques "
        "and sub-techniques) that each catalog names. A peer names a technique when one of its "
        "rules is tagged with it in the rule's own metadata (`tracee_py/signatures/peers.yaml` "
        "lists every rule and the commit read); we name one when a signature's `mitre` "
        "says it, and *cover* it when a procedure recorded for real also fires that "
        "signature (see [coverage.md](coverage.md)). A tag on a parent technique counts for "
        "the parent only, for them as for us. Tags outside the Linux matrix (container or "
        "cloud platforms) are listed, not counted.",
        "",
        "| catalog | rules | rules without a technique | Linux techniques named | "
        "outside the Linux matrix |",
        "|---|---:|---:|---:|---|",
    ]
    for s in c.peers:
        lines.append(
            f"| {s.peer.name} | {len(s.peer.rules)} | {s.untagged} | {len(s.in_matrix)} | "
            f"{_ids(s.outside)} |"
        )
    lines += [
        f"| Falco and Tracee together | | | {len(c.union)} | |"
        if [s.peer.name for s in c.peers] == ["Falco", "Tracee"]
        else f"| peers together | | | {len(c.union)} | |",
        f"| **tracee-py**, named by a signature | | | **{len(c.ours_named)}** | |",
        f"| **tracee-py**, covered (with a recorded procedure) | | | **{len(c.ours_covered)}** | |",
        "",
        f"tracee-py names {len(c.ours_named)} Linux techniques, "
        f"{_times(len(c.ours_named), len(c.union))} the {len(c.union)} the peers name together; "
        f"it covers {len(c.ours_covered)} with procedures recorded for real "
        f"({percent(len(c.ours_covered), n_linux)} of all {n_linux}). "
        f"{len(c.union) - len(c.only_theirs)} of the peers' {len(c.union)} are ours too; "
        f"{len(c.only_ours)} are ours alone.",
        "",
        "## Named by a peer and not by us",
        "",
    ]
    if c.only_theirs:
        lines += ["| technique | name | peer rules |", "|---|---|---|"]
        for tid, rules in c.only_theirs.items():
            name = m.techniques[tid].name
            lines.append(f"| {tid} | {_cell(name)} | {_cell('; '.join(rules))} |")
    else:
        lines.append("None.")
    lines += ["", "## The peers' catalogs as read", ""]
    for s in c.peers:
        lines += [f"### {s.peer.name} (`{s.peer.source}`)", "", s.peer.note, ""]
        for path, commit, maturity in s.peer.files:
            count = sum(1 for r in s.peer.rules if r.file == path)
            lines.append(f"- `{path}` at `{commit[:12]}` ({maturity}): {count} rules")
        lines += ["", f"Linux techniques named: {_ids(s.in_matrix)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _times(ours: int, theirs: int) -> str:
    if theirs == 0:
        return "against none of"
    return f"{ours / theirs:.1f}x"


def _sorted(ids: Iterable[str]) -> list[str]:
    return sorted(ids, key=technique_sort_key)


def _ids(ids: Iterable[str]) -> str:
    ordered = _sorted(ids)
    return ", ".join(ordered) if ordered else "none"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
