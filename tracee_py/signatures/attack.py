"""The Linux ATT&CK matrix as data: every Enterprise technique whose platforms include Linux,
with its tactics and whether a host recorder can see it (``attack_linux.yaml``).

The file says what ATT&CK says (ids, names, tactics: a test checks them against MITRE's data)
plus one judgement per technique: ``visible: host`` (our event kinds show it), ``needs``
(visible to a host recorder only with an event kind we do not record yet, named in
``kinds``) or ``none`` (``why``: where it happens instead). Whether a technique is covered is
never written here; :mod:`.coverage` derives it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tracee_py.errors import SignatureError

ATTACK_FILE = Path(__file__).with_name("attack_linux.yaml")
VISIBILITY = ("host", "needs", "none")
TECHNIQUE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
_TECHNIQUE_KEYS = {"name", "tactics", "visible", "kinds", "why", "note"}


class AttackDataError(SignatureError):
    """The ATT&CK data file is malformed; the message lists every problem."""


@dataclass(frozen=True)
class Tactic:
    id: str  # TA0006
    name: str  # Credential Access
    shortname: str  # credential-access, as techniques name their tactics


@dataclass(frozen=True)
class Technique:
    id: str  # T1003.008
    name: str  # "OS Credential Dumping: /etc/passwd and /etc/shadow" (parent: sub)
    tactics: tuple[str, ...]  # tactic shortnames
    visible: str  # host, needs or none
    kinds: tuple[str, ...] = ()  # the event kinds it waits for (visible: needs)
    why: str | None = None  # where it happens instead (visible: none)
    note: str | None = None

    @property
    def parent(self) -> str | None:
        return self.id.split(".")[0] if "." in self.id else None


@dataclass(frozen=True)
class AttackMatrix:
    version: str
    retired: int  # Linux entries of the data that are revoked or deprecated (not listed)
    tactics: tuple[Tactic, ...]  # in the matrix's order
    kinds: dict[str, str]  # event kinds not recorded yet -> what they would hold
    techniques: dict[str, Technique]  # by id, in id order
    source: Path

    def tactic(self, shortname: str) -> Tactic:
        for tactic in self.tactics:
            if tactic.shortname == shortname:
                return tactic
        raise KeyError(shortname)


@cache
def load_attack(path: Path = ATTACK_FILE) -> AttackMatrix:
    """Read and check the data file; every problem is reported at once."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AttackDataError(f"{path}: cannot read the ATT&CK data: {exc}") from None
    problems: list[str] = []
    matrix = _parse(data, path, problems)
    if problems or matrix is None:
        listed = "\n".join(f"  {p}" for p in problems)
        raise AttackDataError(f"{path}: {len(problems)} problem(s) in the ATT&CK data:\n{listed}")
    return matrix


def _parse(data: Any, path: Path, problems: list[str]) -> AttackMatrix | None:
    if not isinstance(data, dict):
        problems.append("the file must be a mapping with attack, tactics, kinds, techniques")
        return None
    attack = data.get("attack") or {}
    version = str(attack.get("version", "")) if isinstance(attack, dict) else ""
    if not version:
        problems.append("attack.version is missing")
    retired = attack.get("revoked_or_deprecated", 0) if isinstance(attack, dict) else 0
    if not isinstance(retired, int) or isinstance(retired, bool) or retired < 0:
        problems.append("attack.revoked_or_deprecated must be a whole number")
        retired = 0
    tactics = []
    for i, item in enumerate(data.get("tactics") or []):
        if not isinstance(item, dict) or not {"id", "name", "shortname"} <= set(item):
            problems.append(f"tactics[{i}] needs id, name and shortname")
            continue
        tactics.append(Tactic(str(item["id"]), str(item["name"]), str(item["shortname"])))
    shortnames = {t.shortname for t in tactics}
    kinds = data.get("kinds") or {}
    if not isinstance(kinds, dict) or not all(isinstance(v, str) for v in kinds.values()):
        problems.append("kinds must map each event kind to what it would hold")
        kinds = {}
    techniques: dict[str, Technique] = {}
    raw = data.get("techniques") or {}
    if not isinstance(raw, dict):
        problems.append("techniques must be a mapping by technique id")
        raw = {}
    for tid, item in raw.items():
        technique = _technique(str(tid), item, shortnames, set(kinds), problems)
        if technique is not None:
            techniques[technique.id] = technique
    ordered = dict(sorted(techniques.items(), key=lambda kv: technique_sort_key(kv[0])))
    return AttackMatrix(version, retired, tuple(tactics), dict(kinds), ordered, path)


def _technique(
    tid: str, item: Any, tactics: set[str], kinds: set[str], problems: list[str]
) -> Technique | None:
    if not TECHNIQUE_ID.match(tid):
        problems.append(f"{tid!r} is not a technique id like T1003 or T1003.008")
        return None
    if not isinstance(item, dict):
        problems.append(f"{tid}: must be a mapping")
        return None
    start = len(problems)
    for key in set(item) - _TECHNIQUE_KEYS:
        problems.append(f"{tid}: unknown key {key!r}")
    name, visible = item.get("name"), item.get("visible")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{tid}: name is missing")
    listed = item.get("tactics")
    if not isinstance(listed, list) or not listed:
        problems.append(f"{tid}: tactics must be a non-empty list")
        listed = []
    for tactic in listed:
        if tactic not in tactics:
            problems.append(f"{tid}: unknown tactic {tactic!r}")
    if visible not in VISIBILITY:
        problems.append(f"{tid}: visible must be one of {', '.join(VISIBILITY)}, not {visible!r}")
    needed = item.get("kinds") or []
    why = item.get("why")
    if visible == "needs":
        if not needed or not isinstance(needed, list):
            problems.append(f"{tid}: visible: needs must name the event kinds (kinds: [...])")
            needed = []
        for kind in needed:
            if kind not in kinds:
                problems.append(f"{tid}: kind {kind!r} is not in the kinds table")
    elif needed:
        problems.append(f"{tid}: kinds only go with visible: needs")
    if visible == "none" and not (isinstance(why, str) and why.strip()):
        problems.append(f"{tid}: visible: none must say why")
    elif visible != "none" and why is not None:
        problems.append(f"{tid}: why only goes with visible: none")
    if len(problems) > start:
        return None
    note = item.get("note")
    return Technique(
        id=tid,
        name=str(name).strip(),
        tactics=tuple(listed),
        visible=str(visible),
        kinds=tuple(needed),
        why=why.strip() if isinstance(why, str) else None,
        note=note.strip() if isinstance(note, str) and note.strip() else None,
    )


def technique_sort_key(tid: str) -> tuple[int, int]:
    base, _, sub = tid[1:].partition(".")
    return int(base), int(sub or 0)
