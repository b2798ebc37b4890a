"""Correlation rules: findings made of other signatures' findings.

A correlation rule has a ``correlation:`` mapping instead of ``sql:``. It names its building
blocks (ordinary signatures, by id and/or by tag), and says that ``distinct`` different
building blocks firing in one process tree within ``window`` is a finding::

    correlation:
      signatures: [system-info-discovery, process-discovery]   # and/or
      tag: discovery
      group: tree
      window: 5m
      distinct: 4
      unless_ancestor: [dpkg, apt-get, pip, make, configure]

The group of a building-block finding is the process that ran the command: the process
itself when it is a shell or interpreter running a script (``bash recon.sh`` reading
``/etc/os-release``), else its parent; ``sh -c`` wrappers are climbed over, so a Python
script that runs each command through ``os.system`` is still one group. A building-block
finding is left out when that group, a process between it and the finding, or any of the
group's ancestors is named in ``unless_ancestor`` (the file name of its image, its comm, or
the script an interpreter runs): package maintainer scripts and build tools run ``uname`` and
``id`` freely.

The engine runs the building blocks whenever a correlation is selected (their own findings
are shown only when they are selected themselves) and correlates their findings in Python,
after either engine (DuckDB or Spark), with the host's ``ancestry_rows``.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from tracee_py.signatures.model import Correlation, Finding, Problem, Signature, SourceLocation

CORRELATION_KEYS = ("signatures", "tag", "group", "window", "distinct", "unless_ancestor")
GROUPS = ("tree",)
MIN_WINDOW_NS = 1_000_000_000  # 1 s: shorter is one command, not a burst
MAX_WINDOW_NS = 24 * 3600 * 1_000_000_000  # a day: longer is not "a short window"
MAX_EVIDENCE = 50  # building blocks listed in one finding
MAX_DEPTH = 64
# Columns a correlation finding has, for its detail template.
CORRELATION_COLUMNS = ("blocks", "signatures", "window", "building_blocks")
_WINDOW = re.compile(r"^(\d+)(ms|s|m|h)$")
_UNIT_NS = {"ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh", "ksh93", "mksh", "busybox"})
_INTERPRETER = re.compile(r"^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|php[0-9.]*|lua[0-9.]*)$")

Report = Callable[[tuple[Any, ...], str], None]


def parse_window(text: object) -> int | None:
    """``90s``, ``5m``, ``1h``, ``500ms`` -> nanoseconds; None when it is not one of those."""
    match = _WINDOW.match(str(text).strip()) if isinstance(text, (str, int)) else None
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_NS[match.group(2)]


def parse_correlation(
    value: dict[str, Any],
    problem: Report,
    key_problem: Report,
    line_of: Callable[[tuple[Any, ...]], int],
) -> Correlation | None:
    """The ``correlation:`` mapping of a rule file; problems go to the callbacks with the
    key path they are about (the loader turns them into file:line)."""
    before = [0]

    def bad(path: tuple[Any, ...], message: str) -> None:
        before[0] += 1
        problem(("correlation", *path), message)

    for key in value:
        if key not in CORRELATION_KEYS:
            before[0] += 1
            key_problem(
                ("correlation", key),
                f"unknown key {key!r} in correlation (use {', '.join(CORRELATION_KEYS)})",
            )
    ids: list[str] = []
    id_lines: list[int] = []
    raw_ids = value.get("signatures")
    if raw_ids is not None:
        if not isinstance(raw_ids, list):
            bad(("signatures",), "correlation.signatures must be a list of signature ids")
        else:
            for i, item in enumerate(raw_ids):
                if not isinstance(item, str) or not item.strip():
                    bad(("signatures", i), f"correlation.signatures[{i}] must be a signature id")
                    continue
                if item in ids:
                    bad(("signatures", i), f"building block {item!r} is named twice")
                    continue
                ids.append(item.strip())
                id_lines.append(line_of(("correlation", "signatures", i)))
    tag = value.get("tag")
    if tag is not None and (not isinstance(tag, str) or not tag.strip()):
        bad(("tag",), "correlation.tag must be a word")
        tag = None
    if not ids and tag is None:
        bad((), "correlation needs its building blocks: signatures (ids) or a tag")
    group = value.get("group", "tree")
    if group not in GROUPS:
        bad(("group",), f"correlation.group must be one of {', '.join(GROUPS)}, not {group!r}")
    window_text = value.get("window")
    window_ns = parse_window(window_text) if window_text is not None else None
    if window_text is None:
        bad((), "correlation needs a window, like 5m")
    elif window_ns is None:
        bad(("window",), f"correlation.window must look like 90s, 5m or 1h, not {window_text!r}")
    elif not MIN_WINDOW_NS <= window_ns <= MAX_WINDOW_NS:
        bad(("window",), f"correlation.window {window_text!r} must be between 1s and 24h")
    distinct = value.get("distinct")
    if isinstance(distinct, bool) or not isinstance(distinct, int):
        bad(("distinct",) if "distinct" in value else (), "correlation.distinct must be a number")
        distinct = 0
    elif distinct < 2:
        bad(("distinct",), "correlation.distinct must be at least 2")
    unless: list[str] = []
    raw_unless = value.get("unless_ancestor", [])
    if not isinstance(raw_unless, list):
        bad(("unless_ancestor",), "correlation.unless_ancestor must be a list of program names")
    else:
        for i, item in enumerate(raw_unless):
            if not isinstance(item, str) or not item.strip() or "/" in item:
                bad(("unless_ancestor", i), f"unless_ancestor[{i}] must be a program name")
            else:
                unless.append(item.strip())
    if before[0]:
        return None
    return Correlation(
        signatures=tuple(ids),
        tag=tag.strip() if isinstance(tag, str) else None,
        group=str(group),
        window_ns=int(window_ns or 0),
        window=str(window_text).strip(),
        distinct=distinct,
        unless_ancestor=tuple(unless),
        signature_lines=tuple(id_lines),
        line=line_of(("correlation",)),
    )


def resolve_correlations(signatures: Sequence[Signature]) -> tuple[list[Signature], list[Problem]]:
    """Attach each correlation's building blocks; every unknown id, correlation named as a
    building block (a correlation of correlations, a cycle included) and impossible count is
    a problem. Correlations with problems are left out of the returned list."""
    by_id = {s.id: s for s in signatures}
    out: list[Signature] = []
    problems: list[Problem] = []
    for sig in signatures:
        corr = sig.correlation
        if corr is None:
            out.append(sig)
            continue
        found: list[Problem] = []
        blocks: dict[str, Signature] = {}
        for block_id, line in zip(corr.signatures, corr.signature_lines, strict=True):
            where = SourceLocation(sig.rule_file, line or corr.line)
            block = by_id.get(block_id)
            if block is None:
                found.append(Problem(where, f"unknown building block {block_id!r}"))
            elif block.correlation is not None:
                what = "itself" if block_id == sig.id else f"correlation {block_id!r}"
                found.append(
                    Problem(
                        where,
                        f"building block {block_id!r} is {what}: a correlation's building "
                        "blocks must be ordinary signatures (no correlations of correlations, "
                        "no cycles)",
                    )
                )
            else:
                blocks[block_id] = block
        if corr.tag is not None:
            tagged = [s for s in signatures if corr.tag in s.tags and s.correlation is None]
            if not tagged:
                found.append(
                    Problem(
                        SourceLocation(sig.rule_file, corr.line),
                        f"no ordinary signature has the tag {corr.tag!r}",
                    )
                )
            for s in tagged:
                blocks.setdefault(s.id, s)
        if not found and len(blocks) < corr.distinct:
            found.append(
                Problem(
                    SourceLocation(sig.rule_file, corr.line),
                    f"correlation.distinct is {corr.distinct} but it has only "
                    f"{len(blocks)} building block(s)",
                )
            )
        if found:
            problems.extend(found)
            continue
        ordered = tuple(sorted(blocks.values(), key=lambda s: s.id))
        kinds: set[str] | None = set()
        for block in ordered:
            if block.event_kinds is None or kinds is None:
                kinds = None
            else:
                kinds |= block.event_kinds
        out.append(
            replace(
                sig,
                correlation=replace(corr, blocks=ordered),
                event_kinds=frozenset(kinds) if kinds is not None else None,
            )
        )
    return out, problems


def with_building_blocks(signatures: Sequence[Signature]) -> list[Signature]:
    """``signatures`` plus the building blocks of the correlations among them, once each."""
    out: dict[str, Signature] = {s.id: s for s in signatures}
    for sig in signatures:
        if sig.correlation is not None:
            for block in sig.correlation.blocks:
                out.setdefault(block.id, block)
    return list(out.values())


# -- correlating findings ---------------------------------------------------------------------


def _name(path: Any) -> str:
    text = str(path or "")
    return text.rsplit("/", 1)[-1]


def _is_wrapper(row: dict[str, Any]) -> bool:
    """A shell run with ``-c`` (``sh -c 'uname -a'``, ``bash -ec ...``)."""
    argv = row.get("argv") or []
    if _name(row.get("exe")) not in _SHELLS and row.get("comm") not in _SHELLS:
        return False
    return len(argv) > 1 and str(argv[1]).startswith("-") and "c" in str(argv[1])[1:]


def _runs_script(row: dict[str, Any]) -> bool:
    """A shell or interpreter that is not a ``-c`` wrapper: a script or an interactive one."""
    name = _name(row.get("exe")) or str(row.get("comm") or "")
    return (name in _SHELLS or bool(_INTERPRETER.match(name))) and not _is_wrapper(row)


def _names_of(row: dict[str, Any]) -> set[str]:
    names = {_name(row.get("exe")), str(row.get("comm") or "")}
    argv = row.get("argv") or []
    if argv:
        names.add(_name(argv[0]))
        if _runs_script(row) and len(argv) > 1:
            script = argv[2] if argv[1] == "-m" and len(argv) > 2 else argv[1]  # python -m pip
            if not str(script).startswith("-"):
                names.add(_name(script))  # the script a shell or interpreter runs
    names.discard("")
    return names


def group_of(chain: list[dict[str, Any]], unless: frozenset[str]) -> int | None:
    """The grouping process of a building-block finding whose process and ancestors are
    ``chain`` (depth 0 first); None when its lineage excuses it."""
    if not chain:
        return None
    at = 0 if _runs_script(chain[0]) or len(chain) == 1 else 1
    while at + 1 < len(chain) and _is_wrapper(chain[at]):
        at += 1
    if unless and any(_names_of(row) & unless for row in chain):
        return None
    return int(chain[at]["process_id"])


def correlate(
    sig: Signature,
    block_findings: Iterable[Finding],
    chains: dict[int, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The finding records (``process_id``, ``_time_ns`` and evidence) of ``sig`` from its
    building blocks' findings; ``chains`` maps a process_id to its ancestry rows."""
    corr = sig.correlation
    assert corr is not None
    unless = frozenset(corr.unless_ancestor)
    groups: dict[int, list[Finding]] = {}
    group_by_process: dict[int, int | None] = {}  # many findings share a process
    for f in sorted(block_findings, key=lambda f: (f.time_ns, f.signature_id, f.pid or 0)):
        if f.process_id is None:
            continue
        if f.process_id in group_by_process:
            group = group_by_process[f.process_id]
        else:
            group = group_of(chains.get(f.process_id, []), unless)
            group_by_process[f.process_id] = group
        if group is not None:
            groups.setdefault(group, []).append(f)
    records: list[dict[str, Any]] = []
    for group, findings in groups.items():
        window: deque[Finding] = deque()
        for f in findings:
            window.append(f)
            while window and window[0].time_ns < f.time_ns - corr.window_ns:
                window.popleft()
            ids = sorted({w.signature_id for w in window})
            if len(ids) < corr.distinct:
                continue
            records.append(
                {
                    "process_id": group,
                    "_time_ns": f.time_ns,
                    "blocks": len(ids),
                    "signatures": ids,
                    "window": corr.window,
                    "building_blocks": [
                        {
                            "signature_id": w.signature_id,
                            "time": w.time,
                            "pid": w.pid,
                            "comm": w.comm,
                            "detail": w.detail,
                        }
                        for w in list(window)[:MAX_EVIDENCE]
                    ],
                }
            )
            window.clear()  # the next finding of this group needs a new burst
    records.sort(key=lambda r: (r["_time_ns"], r["process_id"]))
    return records
