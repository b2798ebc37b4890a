"""Loading signature sets: find the rule files, validate every one, report every problem.

A set is one or more directories. Each directory is either one signature folder (it holds
``rule.yaml``) or a catalog of them (``*/rule.yaml``). The built-in catalog is the
``signatures/`` folder of the project; ``--signatures DIR`` adds more on top of it.

Validation never stops at the first problem: the whole set is read, every problem is
collected with its file and line (from the YAML node marks, and for SQL errors the line
DuckDB points at inside the query), and one :class:`SignatureSetError` lists them all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tracee_py.errors import SignatureError
from tracee_py.safeio import UnsafeFile, read_regular
from tracee_py.schema import EVENT_COLUMNS, EVENT_KINDS
from tracee_py.signatures.attack import AttackDataError, load_attack
from tracee_py.signatures.correlation import parse_correlation, resolve_correlations
from tracee_py.signatures.model import (
    CONFIDENCE_LABELS,
    DEFAULT_CONFIDENCE,
    SEVERITY_LABELS,
    Confidence,
    Correlation,
    MitreRef,
    Problem,
    Severity,
    Signature,
    SourceLocation,
    template_fields,
)
from tracee_py.signatures.samples import check_sample_files
from tracee_py.signatures.sqlcheck import check_signature_sql

RULE_FILE = "rule.yaml"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
TACTIC_ID = re.compile(r"^TA\d{4}$")
TECHNIQUE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

# The rule file's schema: key -> (python type, required, what it is). Everything the
# validator says about a key comes from this table.
RULE_KEYS: dict[str, tuple[type | tuple[type, ...], bool, str]] = {
    "id": (str, True, "lowercase letters, digits and '-', same as the folder name"),
    "name": (str, True, "a short title"),
    "description": (str, True, "what the behaviour is and why it matters"),
    "severity": (str, True, "one of " + ", ".join(SEVERITY_LABELS)),
    "confidence": (
        str,
        False,
        "one of "
        + ", ".join(CONFIDENCE_LABELS)
        + f": how sure a finding is to be the attack (default {DEFAULT_CONFIDENCE.label})",
    ),
    "mitre": (
        dict,
        True,
        "tactic and technique, each with id and name; also: further Linux technique ids",
    ),
    "tags": (list, False, "a list of words"),
    "sql": (str, True, "one DuckDB SELECT returning time, process_id and evidence"),
    "detail": (str, True, "one sentence with {column} placeholders"),
    "requires": (dict, False, "events: [kinds], columns: [event columns]"),
    "status": (str, False, "why the signature cannot fire on real recordings yet"),
    "expect": (int, False, "how many findings positive.jsonl must yield"),
    "false_positives": (list, False, "known benign look-alikes"),
    "references": (list, False, "URLs"),
    "correlation": (dict, False, "building blocks, group, window, distinct (instead of sql)"),
}
MITRE_KEYS = ("tactic", "technique", "also")
# Limits for rule files from third parties: a rule is a page of text, never a document
# that expands (aliases) or nests without end.
MAX_RULE_BYTES = 256 * 1024
MAX_YAML_DEPTH = 16
REQUIRES_KEYS = ("events", "columns")


class SignatureSetError(SignatureError):
    """A signature set with problems; ``problems`` holds every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in signatures:\n{lines}")


def builtin_catalog() -> Path:
    """The built-in catalog: ``$TRACEE_PY_CATALOG`` when set, else the project's
    ``signatures/`` folder (next to the ``tracee_py`` package in a checkout)."""
    override = os.environ.get("TRACEE_PY_CATALOG")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "signatures"


@dataclass
class SignatureSet:
    """Validated signatures, in id order."""

    signatures: list[Signature]
    sources: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.signatures)

    def __iter__(self) -> Iterator[Signature]:
        return iter(self.signatures)

    def by_id(self, signature_id: str) -> Signature:
        for sig in self.signatures:
            if sig.id == signature_id:
                return sig
        raise KeyError(signature_id)


def signature_folders(directory: Path) -> tuple[list[Path], list[Problem]]:
    """The signature folders under ``directory`` (itself, or its sub-folders)."""
    problems: list[Problem] = []
    if not directory.exists():
        return [], [Problem(SourceLocation(directory), "signature directory does not exist")]
    if not directory.is_dir():
        return [], [Problem(SourceLocation(directory), "not a directory")]
    if (directory / RULE_FILE).is_file():
        return [directory], []
    folders: list[Path] = []
    for child in sorted(directory.iterdir()):
        if not child.is_dir() or child.name.startswith((".", "_")):
            continue
        if (child / RULE_FILE).is_file():
            folders.append(child)
        else:
            problems.append(Problem(SourceLocation(child), f"folder has no {RULE_FILE}"))
    if not folders and not problems:
        problems.append(
            Problem(
                SourceLocation(directory), f"no signatures: no {RULE_FILE} in it or its folders"
            )
        )
    return folders, problems


def load_signatures(
    directories: Iterable[Path],
    *,
    check_sql: bool = True,
    check_samples: bool = True,
    timeout: float | None = None,
) -> SignatureSet:
    """Load and validate every signature under ``directories``; raise on any problem.

    ``check_sql`` runs each query against empty tables (catches unknown columns, type
    errors and a missing ``time`` or ``process_id``), each for at most ``timeout`` seconds
    (default :data:`~tracee_py.signatures.sqlcheck.CHECK_TIMEOUT_S`); ``check_samples``
    reads the sample files. Both add their problems to the same report.
    """
    signatures, problems = collect_signatures(
        directories, check_sql=check_sql, check_samples=check_samples, timeout=timeout
    )
    if problems:
        raise SignatureSetError(problems)
    return signatures


def collect_signatures(
    directories: Iterable[Path],
    *,
    check_sql: bool = True,
    check_samples: bool = True,
    timeout: float | None = None,
) -> tuple[SignatureSet, list[Problem]]:
    """Like :func:`load_signatures`, but returns the valid signatures and the problems."""
    dirs = [Path(d) for d in directories]
    problems: list[Problem] = []
    loaded: list[Signature] = []
    for directory in dirs:
        folders, found = signature_folders(directory)
        problems.extend(found)
        for folder in folders:
            sig, rule_problems = parse_rule_file(folder / RULE_FILE)
            problems.extend(rule_problems)
            if sig is not None:
                loaded.append(sig)

    seen: dict[str, Signature] = {}
    unique: list[Signature] = []
    for sig in loaded:
        first = seen.get(sig.id)
        if first is not None:
            problems.append(
                Problem(
                    SourceLocation(sig.rule_file, sig.id_line),
                    f"duplicate signature id {sig.id!r} (first defined in {first.rule_file})",
                )
            )
            continue
        seen[sig.id] = sig
        unique.append(sig)

    if check_sql and unique:
        checked: list[Signature] = []
        for sig, sql_problems in check_signature_sql(unique, timeout=timeout):
            problems.extend(sql_problems)
            checked.append(sig)
        unique = checked

    if any(s.correlation is not None for s in unique):
        unique, correlation_problems = resolve_correlations(unique)
        problems.extend(correlation_problems)

    if check_samples:
        for sig in unique:
            problems.extend(check_sample_files(sig))

    unique.sort(key=lambda s: s.id)
    problems.sort(key=lambda p: (str(p.where.file), p.where.line, p.message))
    return SignatureSet(unique, dirs), problems


# -- one rule file ----------------------------------------------------------------------------


class _Located:
    """A YAML document as plain values plus the line and column of every node."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.marks: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.styles: dict[tuple[Any, ...], str | None] = {}
        self.key_marks: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.problems: list[Problem] = []

    def at(self, key_path: tuple[Any, ...]) -> SourceLocation:
        """The location of a node, else of its nearest parent that has one."""
        while key_path not in self.marks and key_path:
            key_path = key_path[:-1]
        line, col = self.marks.get(key_path, (0, 0))
        return SourceLocation(self.path, line, col)

    def problem(self, key_path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.at(key_path), message))

    def key_problem(self, key_path: tuple[Any, ...], message: str) -> None:
        """A problem with a key itself (unknown, misspelt): points at the key."""
        line, col = self.key_marks.get(key_path, (0, 0))
        where = SourceLocation(self.path, line, col) if line else self.at(key_path)
        self.problems.append(Problem(where, message))

    def convert(self, node: yaml.Node, key_path: tuple[Any, ...]) -> Any:
        self.marks[key_path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.styles[key_path] = getattr(node, "style", None)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = _construct(key_node)
                where = SourceLocation(
                    self.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1
                )
                if not isinstance(key, str):
                    self.problems.append(Problem(where, f"keys must be text, not {key!r}"))
                    continue
                if key in out:
                    self.problems.append(Problem(where, f"key {key!r} appears twice"))
                self.key_marks[(*key_path, key)] = (where.line, where.column)
                out[key] = self.convert(value_node, (*key_path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*key_path, i)) for i, item in enumerate(node.value)]
        return _construct(node)


_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _construct(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def yaml_limit_problem(text: str, path: Path) -> Problem | None:
    """The first alias or too-deep nesting in ``text``, found from the parser's events
    before anything is built (an alias bomb is small as text and huge as values; a
    self-referencing alias never ends)."""
    depth = 0
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        mark = event.start_mark
        where = (
            SourceLocation(path, mark.line + 1, mark.column + 1) if mark else SourceLocation(path)
        )
        if isinstance(event, yaml.AliasEvent):
            return Problem(where, f"YAML aliases (*{event.anchor}) are not allowed in rule files")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return Problem(where, f"nested more than {MAX_YAML_DEPTH} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def parse_rule_file(path: Path) -> tuple[Signature | None, list[Problem]]:
    """Read and validate one ``rule.yaml``; the signature is None when it is unusable."""
    doc = _Located(path)
    try:
        text = read_regular(path, MAX_RULE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError, UnsafeFile) as exc:
        return None, [Problem(SourceLocation(path), f"cannot read: {exc}")]
    try:
        limit = yaml_limit_problem(text, path)
        if limit is not None:
            return None, [limit]
        node = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (
            SourceLocation(path, mark.line + 1, mark.column + 1) if mark else SourceLocation(path)
        )
        return None, [Problem(where, f"not valid YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, [Problem(SourceLocation(path), f"not valid YAML: {exc}")]
    if node is None:
        return None, [Problem(SourceLocation(path, 1), "empty rule file")]
    try:
        data = doc.convert(node, ())
    except yaml.YAMLError as exc:
        return None, [Problem(SourceLocation(path), f"not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(doc.at(()), "a rule file must be a mapping of keys to values")]
    sig = _validate(data, doc, path.parent)
    return (sig if not doc.problems else None), doc.problems


def _validate(data: dict[str, Any], doc: _Located, folder: Path) -> Signature | None:
    for key in data:
        if key not in RULE_KEYS:
            close = [k for k in RULE_KEYS if k[:3] == key[:3]]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            doc.key_problem((key,), f"unknown key {key!r}{hint}")
    for key, (kind, required, what) in RULE_KEYS.items():
        if key not in data:
            if required and not (key == "sql" and "correlation" in data):
                doc.problem((), f"missing required key {key!r}: {what}")
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            doc.problem((key,), f"{key!r} must be {_type_name(kind)}: {what}")

    def text(key: str) -> str:
        value = data.get(key)
        if isinstance(value, str):
            if not value.strip():
                doc.problem((key,), f"{key!r} is empty")
            return value.strip()
        return ""

    sig_id = text("id")
    if sig_id and not ID_PATTERN.match(sig_id):
        doc.problem(("id",), f"id {sig_id!r} must be 3-64 lowercase letters, digits or '-'")
    elif sig_id and sig_id != folder.name:
        doc.problem(("id",), f"id {sig_id!r} differs from its folder name {folder.name!r}")
    name, description, sql, detail = text("name"), text("description"), text("sql"), text("detail")

    severity = Severity.INFO
    if isinstance(data.get("severity"), str):
        try:
            severity = Severity.parse(data["severity"])
        except ValueError as exc:
            doc.problem(("severity",), str(exc))

    confidence = DEFAULT_CONFIDENCE
    if isinstance(data.get("confidence"), str):
        try:
            confidence = Confidence.parse(data["confidence"])
        except ValueError as exc:
            doc.problem(("confidence",), str(exc))

    tactic = technique = MitreRef("", "")
    also: tuple[MitreRef, ...] = ()
    mitre = data.get("mitre")
    if isinstance(mitre, dict):
        for key in mitre:
            if key not in MITRE_KEYS:
                doc.key_problem(
                    ("mitre", key), f"unknown key {key!r} in mitre (use tactic, technique, also)"
                )
        tactic = _mitre_ref(mitre, "tactic", TACTIC_ID, "TA0006", doc)
        technique = _mitre_ref(mitre, "technique", TECHNIQUE_ID, "T1003.008", doc)
        also = _mitre_also(mitre, technique.id, doc)

    tags = _text_list(data, "tags", doc)
    false_positives = _text_list(data, "false_positives", doc)
    references = _text_list(data, "references", doc)

    events: tuple[str, ...] = ()
    requires = data.get("requires")
    if isinstance(requires, dict):
        for key in requires:
            if key not in REQUIRES_KEYS:
                doc.key_problem(
                    ("requires", key), f"unknown key {key!r} in requires (use events, columns)"
                )
        events = _names(requires, "events", EVENT_KINDS, "event kind", doc)
        # Documentation for the reader (which newer columns the rule depends on): checked
        # against the schema here, stored nowhere; the SQL decides what is loaded.
        _names(requires, "columns", EVENT_COLUMNS, "event column", doc)

    for placeholder in template_fields(detail):
        if not IDENTIFIER.match(placeholder):
            doc.problem(
                ("detail",), f"placeholder {{{placeholder}}} must be a column name like {{path}}"
            )

    expect = data.get("expect")
    if isinstance(expect, int) and not isinstance(expect, bool) and expect < 1:
        doc.problem(("expect",), "'expect' must be at least 1")

    correlation = _correlation(data, doc)
    status = data.get("status")
    if doc.problems:
        return None
    sql_line = doc.marks.get(("sql",), (0, 0))[0]
    if doc.styles.get(("sql",)) in ("|", ">"):
        sql_line += 1  # a block scalar starts on the line after its indicator
    return Signature(
        id=sig_id,
        name=name,
        description=description,
        severity=severity,
        confidence=confidence,
        also=also,
        tactic=tactic,
        technique=technique,
        sql=sql,
        folder=folder,
        tags=tags,
        detail=detail,
        required_events=events,
        status=status.strip() if isinstance(status, str) and status.strip() else None,
        expect=expect if isinstance(expect, int) else None,
        false_positives=false_positives,
        references=references,
        rule_file=doc.path,
        sql_line=sql_line,
        id_line=doc.marks.get(("id",), (0, 0))[0],
        detail_line=doc.marks.get(("detail",), (0, 0))[0],
        correlation=correlation,
    )


def _correlation(data: dict[str, Any], doc: _Located) -> Correlation | None:
    value = data.get("correlation")
    if not isinstance(value, dict):
        return None
    if "sql" in data:
        doc.key_problem(
            ("sql",), "a correlation rule has no sql: its findings come from its building blocks"
        )
    return parse_correlation(value, doc.problem, doc.key_problem, lambda path: doc.at(path).line)


def _mitre_ref(
    mitre: dict[str, Any], key: str, pattern: re.Pattern[str], example: str, doc: _Located
) -> MitreRef:
    ref = mitre.get(key)
    if ref is None:
        doc.problem(("mitre",), f"mitre needs a {key} with id and name")
        return MitreRef("", "")
    if not isinstance(ref, dict):
        doc.problem(("mitre", key), f"mitre.{key} must be a mapping with id and name")
        return MitreRef("", "")
    for extra in ref:
        if extra not in ("id", "name"):
            doc.key_problem(("mitre", key, extra), f"unknown key {extra!r} in mitre.{key}")
    ref_id, ref_name = ref.get("id"), ref.get("name")
    if not isinstance(ref_id, str) or not pattern.match(ref_id):
        doc.problem(
            ("mitre", key, "id"), f"mitre.{key}.id must look like {example}, not {ref_id!r}"
        )
        ref_id = ""
    if not isinstance(ref_name, str) or not ref_name.strip():
        doc.problem(("mitre", key, "name"), f"mitre.{key}.name is missing")
        ref_name = ""
    return MitreRef(ref_id, ref_name.strip())


def _mitre_also(mitre: dict[str, Any], primary: str, doc: _Located) -> tuple[MitreRef, ...]:
    """``also: [T1053.006, ...]``: Linux techniques of the ATT&CK data file; their names
    come from it."""
    value = mitre.get("also")
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        doc.problem(("mitre", "also"), "mitre.also must be a list of technique ids")
        return ()
    try:
        techniques = load_attack().techniques
    except AttackDataError as exc:
        doc.problem(("mitre", "also"), str(exc))
        return ()
    refs: list[MitreRef] = []
    for i, tid in enumerate(value):
        where = ("mitre", "also", i)
        if not isinstance(tid, str) or not TECHNIQUE_ID.match(tid):
            doc.problem(where, f"mitre.also[{i}] must look like T1053.006, not {tid!r}")
        elif tid not in techniques:
            doc.problem(where, f"mitre.also: {tid} is not a Linux technique of ATT&CK")
        elif tid == primary or tid in {r.id for r in refs}:
            doc.problem(where, f"mitre.also: {tid} is named twice")
        else:
            refs.append(MitreRef(tid, techniques[tid].name))
    return tuple(refs)


def _text_list(data: dict[str, Any], key: str, doc: _Located) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            doc.problem((key, i), f"{key}[{i}] must be non-empty text")
        else:
            out.append(item.strip())
    return tuple(out)


def _names(
    requires: dict[str, Any], key: str, known: tuple[str, ...], what: str, doc: _Located
) -> tuple[str, ...]:
    value = requires.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        doc.problem(("requires", key), f"requires.{key} must be a list of {what}s")
        return ()
    out = []
    for i, item in enumerate(value):
        if item not in known:
            doc.problem(("requires", key, i), f"unknown {what} {item!r}")
        else:
            out.append(item)
    return tuple(out)


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", dict: "a mapping", list: "a list"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)
