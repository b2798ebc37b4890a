"""Where signature SQL runs: a locked DuckDB database that holds the recording and nothing else.

A signature pack can come from anywhere, so its SQL is treated as hostile. Three layers:

1. The text must be exactly one ``SELECT`` (``WITH`` and ``FROM``-first queries included):
   ``COPY``, ``EXPORT``, ``ATTACH``, ``INSTALL``, ``LOAD``, ``SET``, ``PRAGMA``, ``CREATE``
   and friends are refused before DuckDB runs anything.
2. The rows a run needs are copied into an in-memory database *before* the signatures run
   (from Arrow batches the caller reads from the recording). The signatures never see a
   file: they see the tables ``events`` and ``processes``.
3. Then external access is switched off (no file, no URL, no extension directory: this also
   stops ``read_csv``, ``read_text``, ``glob``, ``COPY ... TO``, ``httpfs`` and installs),
   extension auto-install and auto-load are off, Python replacement scans are off, and the
   configuration is locked so no statement can turn any of it back on.

DuckDB's temporary directory is off (by default it is ``.tmp`` under the working
directory, and DuckDB lets even a locked database read there: a pack that ships a ``.tmp``
symlink would read any file through it), so nothing is allowlisted; memory is capped, and
a query that needs more fails instead of spilling to disk.

Each query has a time limit (``interrupt`` from a timer thread), and Ctrl-C stops it and
the command (see :mod:`tracee_py.query.interrupt`).
"""

from __future__ import annotations

import json
import os
import queue
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tracee_py.errors import SignatureError
from tracee_py.lazy import duckdb
from tracee_py.printable import one_line
from tracee_py.query.interrupt import TimeLimit, in_worker
from tracee_py.query.views import LIFECYCLE_KINDS, PROCESS_SOURCE_COLUMNS, install_derived_views
from tracee_py.schema import EVENT_COLUMNS, EVENT_KINDS, EVENT_SCHEMA
from tracee_py.signatures.model import SqlFacts

MAX_QUERY_WORKERS = 4  # signature queries run at once (see Sandbox.query_each)
MEMORY_FRACTION = 0.5  # of physical memory, for one sandbox
MEMORY_FLOOR = 256 << 20


def memory_limit_bytes() -> int:
    """The sandbox's memory cap: half the machine's memory (at least 256 MiB)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 4 << 30
    return max(int(total * MEMORY_FRACTION), MEMORY_FLOOR)


# Settings applied when the database is created, before any data is in it. No temporary
# directory: an allowlisted path is a way out of the sandbox (see the module docstring).
_CONNECT_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "allow_persistent_secrets": False,
    "temp_directory": "",
    "max_temp_directory_size": "0B",
}


def query_workers() -> int:
    """How many signature queries run at once: one per CPU, at most
    :data:`MAX_QUERY_WORKERS`."""
    return max(1, min(os.cpu_count() or 1, MAX_QUERY_WORKERS))


def _session_settings(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")


def _connect() -> duckdb.DuckDBPyConnection:
    config = dict(_CONNECT_CONFIG)
    config["memory_limit"] = f"{memory_limit_bytes()}B"
    return duckdb.connect(":memory:", config=config)


SHELLS = (
    "sh",
    "bash",
    "dash",
    "zsh",
    "ash",
    "ksh",
    "ksh93",
    "mksh",
    "tcsh",
    "csh",
    "fish",
    "busybox",
)
PACKAGE_MANAGERS = (
    "dpkg",
    "rpm",
    "apk",
    "dnf",
    "dnf5",
    "yum",
    "microdnf",
    "zypper",
    "pacman",
    "apt",
    "apt-get",
    "aptitude",
    "unattended-upgr",
    "unattended-upgrade",
    "packagekitd",
    "snapd",
    "rpm-ostree",
)


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


# Helpers every signature can use; documented in docs/signatures.md. Macros take the
# column as an argument, so the load plan still sees which columns a query reads.
HELPER_SQL: tuple[str, ...] = (
    # The last path component, '' for NULL (so NOT IN lists behave).
    "CREATE MACRO file_name(p) AS coalesce(parse_filename(p), '')",
    # open flags that can change the file: O_WRONLY, O_RDWR, O_CREAT, O_TRUNC.
    "CREATE MACRO opened_for_write(f) AS coalesce((f & 3) <> 0 OR (f & 64) <> 0"
    " OR (f & 512) <> 0, false)",
    f"CREATE MACRO is_shell(p) AS file_name(p) IN ({_names(SHELLS)})",
    f"CREATE MACRO is_package_manager(p) AS file_name(p) IN ({_names(PACKAGE_MANAGERS)})",
    # Loopback, private (RFC 1918, ULA), link-local, unspecified and CGNAT addresses.
    "CREATE MACRO is_local_address(a) AS regexp_matches(coalesce(a, ''), "
    "'^(127\\.|10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|169\\.254\\.|"
    "100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.|0\\.0\\.0\\.0$|::1?$|"
    "f[cd][0-9a-f]{2}:|fe80:|::ffff:(127|10)\\.|::ffff:192\\.168\\.)')",
)

# Helper relations, by name: (columns they need from ``events``, SQL given the columns to
# carry). Built as tables when a signature of the run reads them (one pass shared by all of
# them), else as views.
HELPER_COLUMNS: dict[str, tuple[str, ...]] = {
    "file_writes": ("path", "path2", "flags"),
    "process_creations": ("argv", "cwd"),
}


def _file_writes_sql(columns: str) -> str:
    """Every way a file gets new content or a new name: opened for writing, renamed onto
    (path2), linked (path is the new link), truncated. ``target`` is the changed path. One
    branch per kind, so each keeps a kind filter DuckDB can push into the scan."""
    return f"""
        SELECT {columns}, path AS target FROM events
        WHERE event = 'file_open' AND opened_for_write(flags)
        UNION ALL
        SELECT {columns}, path2 AS target FROM events WHERE event = 'file_rename'
        UNION ALL
        SELECT {columns}, path AS target FROM events
        WHERE event = 'file_link' OR event = 'file_truncate'
    """


def _process_creations_sql(columns: str) -> str:
    """Every successful exec with its command line, and its parent's image and command
    line (the parent's latest exec). Sigma's ``process_creation`` reads it; built once per
    run, the join and the joined argv are not paid again by every rule."""
    return """
        SELECT e.time, e.node, e.process_id, e.pid, e.ppid, e.parent_process_id, e.uid,
               e.comm, e.exe, e.cwd, array_to_string(e.argv, ' ') AS command_line,
               p.exe AS parent_exe, array_to_string(p.argv, ' ') AS parent_command_line
        FROM events e LEFT JOIN processes p ON p.process_id = e.parent_process_id
        WHERE e.event = 'process_exec' AND coalesce(e.retval, 0) >= 0
    """


HELPER_RELATIONS = {"file_writes": _file_writes_sql, "process_creations": _process_creations_sql}

# How the loaded rows are sorted. DuckDB keeps the smallest and largest value of every
# column per row group (122,880 rows) and skips a row group whose range cannot match a
# filter: with the rows grouped by kind, ``event = 'process_exec'`` (the first test of most
# signatures) reads only that kind's row groups instead of every row; within a kind, rows
# sorted by path let ``starts_with(path, '/etc/')``, ``path = ...``, ``path IN (...)`` and
# anchored ``regexp_matches`` skip most of the file events too. Only the storage order
# changes: every signature's result is ordered by the engine (time, process_id).
ROW_ORDER: tuple[str, ...] = ("event", "path")
# The same for helper tables: most signatures over ``file_writes`` test ``target``.
HELPER_ORDER: dict[str, tuple[str, ...]] = {"file_writes": ("target",)}

# Text columns stored once per distinct value. Paths and images repeat (the same libraries,
# configuration files and programs over and over), and most signatures test them with
# string functions: ``suffix(path, ...)``, ``regexp_matches(path, ...)``, ``file_name(exe)
# IN (...)``. The sandbox keeps each such column as an integer id into a table of its
# distinct values (``_text_<column>``, ids in the values' order) and ``events`` is a view
# that joins the text back. A filter on the text is a filter on the small table, which
# DuckDB evaluates there, once per distinct value, and the rows are then matched by id.
# Signatures see the same columns and values; only the storage changes.
TEXT_DICTIONARY: tuple[str, ...] = ("path", "exe")
# The columns of ``events`` stored so, and their dictionary. ``file_writes`` stores its
# ``target`` (a path, or a renamed file's new path) and ``exe`` so. Each coded column costs
# every query of its relation a join, so columns few signatures test stay text.
TEXT_COLUMNS: dict[str, str] = {"path": "path", "exe": "exe"}
HELPER_TEXT_COLUMNS: dict[str, dict[str, str]] = {
    "file_writes": {"target": "path", "exe": "exe"},
}


class SandboxError(SignatureError):
    """Signature SQL that the sandbox refuses, or that DuckDB could not run."""


class RejectedStatement(SandboxError):
    """The SQL is not a single SELECT query."""


class AccessDenied(SandboxError):
    """The SQL tried to reach a file, a URL or an extension."""


class QueryTimeout(SandboxError):
    """The SQL ran longer than its time limit."""


class QueryFailed(SandboxError):
    """DuckDB could not run the SQL (syntax, unknown column, type error, ...).

    ``sql_line`` is the line of the SQL text the error points at (1-based), when DuckDB
    says so.
    """

    def __init__(self, message: str, sql_line: int | None = None) -> None:
        super().__init__(message)
        self.sql_line = sql_line


_LINE = re.compile(r"^LINE (\d+):", re.MULTILINE)


def duckdb_failure(exc: duckdb.Error) -> SandboxError:
    """The error to raise for a DuckDB exception: one line, with the SQL line if known."""
    text = str(exc)
    head = text.split("\n\nLINE ")[0]
    message = one_line(head)
    if isinstance(exc, duckdb.PermissionException):
        return AccessDenied(message)
    m = _LINE.search(text)
    return QueryFailed(message, int(m.group(1)) if m else None)


def check_statement(sql: str) -> None:
    """Refuse anything but exactly one ``SELECT``/``WITH`` query."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise RejectedStatement(f"SQL does not parse: {one_line(str(exc))}") from exc
    if len(statements) != 1:
        raise RejectedStatement(
            f"SQL must be exactly one SELECT query, found {len(statements)} statements"
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise RejectedStatement(
            f"only SELECT queries are allowed, not {kind.name} "
            "(no COPY, EXPORT, ATTACH, INSTALL, LOAD, SET, PRAGMA or DDL)"
        )


def bounded_sql(sql: str, limit: int) -> str:
    """A signature's query, earliest findings first, at most ``limit`` rows."""
    body = sql.strip().rstrip(";").rstrip()
    return f"SELECT * FROM (\n{body}\n) AS finding ORDER BY time, process_id LIMIT {int(limit)}"


def checked_sql(sql: str, max_rows: int | None) -> str:
    """What a sandbox runs for ``sql``: the statement checked once, as written (so a refusal
    names what the signature wrote), then bounded. The parser found exactly one complete
    SELECT, so its quotes, comments and parentheses are closed and the wrapping cannot
    end it early or add a statement."""
    check_statement(sql)
    return sql if max_rows is None else bounded_sql(sql, max_rows)


# Relations whose ``*`` expands to event columns.
_EVENT_RELATIONS = frozenset({"events", "file_writes"})
_PROCESSES = frozenset({"processes"})


_parser_lock = threading.Lock()
_parser: duckdb.DuckDBPyConnection | None = None


def _serialize(sql: str) -> tuple[str] | None:
    """``json_serialize_sql`` on a shared empty connection (only the parser is used)."""
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = _connect()
        return _parser.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()


def inspect_sql(sql: str) -> SqlFacts | None:
    """Parse ``sql`` into DuckDB's JSON syntax tree; None when DuckDB cannot serialize it."""
    try:
        raw = _serialize(sql)
    except duckdb.Error:
        return None
    if raw is None:
        return None
    try:
        tree = json.loads(raw[0])
    except RecursionError:  # an expression nested ~900 deep: read it as "could be anything"
        return None
    if tree.get("error"):
        return None
    kinds: set[str] = set()
    columns: set[str] = set()
    tables: set[str] = set()
    star = star_over_processes = False
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            cls = node.get("class")
            if cls == "COLUMN_REF":
                names = node.get("column_names") or []
                if names:
                    columns.add(str(names[-1]).lower())
            elif cls == "CONSTANT":
                literal = node.get("literal") or {}
                text = literal.get("text")
                if literal.get("kind") == "STRING" and text in EVENT_KINDS:
                    kinds.add(text)
            if node.get("type") == "BASE_TABLE" and node.get("table_name"):
                tables.add(str(node["table_name"]).lower())
            if node.get("type") == "SELECT_NODE":
                star = star or _star_over(node, _EVENT_RELATIONS)
                star_over_processes = star_over_processes or _star_over(node, _PROCESSES)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return SqlFacts(
        frozenset(kinds), frozenset(columns), frozenset(tables), star, star_over_processes
    )


def _star_over(select: dict[str, Any], wanted: frozenset[str]) -> bool:
    """True when a ``*`` of this SELECT can expand to the columns of one of the relations
    ``wanted`` (``events``, ``file_writes``; ``processes``).

    A star over a CTE, a subquery or a VALUES list is harmless: the columns those produce
    are named in their own SELECT, which is inspected separately. Anything this cannot
    tell apart counts as a star over events.
    """
    stars = [
        e
        for e in select.get("select_list") or []
        if isinstance(e, dict) and e.get("class") == "STAR"
    ]
    if not stars:
        return False
    relations: list[tuple[str, str]] = []  # (table name, alias) reachable through joins
    pending = [select.get("from_table")]
    while pending:
        ref = pending.pop()
        if not isinstance(ref, dict):
            continue
        if ref.get("type") == "JOIN":
            pending += [ref.get("left"), ref.get("right")]
        elif ref.get("type") == "BASE_TABLE":
            relations.append(
                (str(ref.get("table_name", "")).lower(), str(ref.get("alias") or "").lower())
            )
        elif ref.get("type") not in ("SUBQUERY", "EXPRESSION_LIST", "EMPTY", None):
            return True  # table functions, pivots: unknown
    for star in stars:
        if star.get("expr") is not None:
            return True  # COLUMNS(lambda ...) and the like
        qualifier = str(star.get("relation_name") or "").lower()
        for table, alias in relations:
            if (not qualifier or qualifier in (table, alias)) and table in wanted:
                return True
    return False


# Columns every run loads: identity, time and what findings show.
BASE_COLUMNS: tuple[str, ...] = (
    "time",
    "node",
    "event",
    "retval",
    "pid",
    "ppid",
    "process_id",
    "parent_process_id",
    "uid",
    "comm",
    "exe",
)


# ``event`` is an ENUM in the sandbox: comparing kinds becomes comparing small integers,
# several times faster than comparing the strings, on every scan of every signature. The
# values are in alphabetical order so that ranges of kinds mean what they mean on text.
EVENT_KIND_TYPE = "event_kind"


@dataclass(frozen=True)
class LoadPlan:
    """Which rows and columns of a recording a set of signatures can read.

    ``kinds`` None means every kind. ``columns`` None means every column; otherwise the
    sandbox's ``events`` has exactly these columns (the ones the queries name, plus those
    findings and ``processes`` are built from): copying columns nobody reads is most of
    what loading a recording costs.
    """

    kinds: tuple[str, ...] | None
    columns: tuple[str, ...] | None
    helpers: frozenset[str] = frozenset()  # helper relations to build as tables
    # Event columns the helper tables carry (the ones the signatures that read a helper
    # name); None: every loaded column.
    helper_columns: tuple[str, ...] | None = None
    # Sort keys of the loaded rows (ROW_ORDER); () keeps the recording's order and leaves
    # helper tables unsorted.
    order: tuple[str, ...] = ROW_ORDER
    # Loaded columns stored as ids into a table of their distinct values (TEXT_DICTIONARY);
    # () stores every column as it is, in a table named ``events``.
    dictionary: tuple[str, ...] = TEXT_DICTIONARY
    # Whether a query can read ``processes.execs`` (every exec's argv per process: about a
    # third of the work of building ``processes``, and read by few signatures).
    execs: bool = True

    @classmethod
    def everything(cls) -> LoadPlan:
        return cls(None, None)

    def coded(self, names: Iterable[str]) -> dict[str, str]:
        """Which of the columns ``names`` are stored as ids, and in which dictionary."""
        return {
            name: TEXT_COLUMNS[name] for name in names if TEXT_COLUMNS.get(name) in self.dictionary
        }

    def load_sql(self, source: str) -> list[str]:
        """The statements that copy the planned rows and columns out of ``source`` and
        make ``events``: a table, or a view over ``_events`` and the text dictionaries."""
        names = EVENT_COLUMNS if self.columns is None else self.columns
        kinds = EVENT_KINDS if self.kinds is None else self.kinds
        where = kind_filter(kinds)
        coded = self.coded(names)
        statements = []
        for dictionary in dict.fromkeys(coded.values()):
            sources = [c for c, d in coded.items() if d == dictionary]
            if dictionary == "path" and "path2" in names:  # a target of file_writes
                sources.append("path2")
            values = ", ".join(f's."{c}"' for c in sources)
            # Id 0 stands for null, so that ``events`` can join every row to its text with
            # an inner join: DuckDB moves a filter on the text of an inner join's
            # dictionary side into the dictionary's scan (once per distinct value), while
            # through an outer join it moves only the filters it can prove reject nulls.
            statements.append(
                f'CREATE TABLE "_text_{dictionary}" AS '
                f"SELECT NULL::VARCHAR AS value, 0::UINTEGER AS id UNION ALL "
                f"SELECT value, (row_number() OVER (ORDER BY value))::UINTEGER FROM ("
                f"SELECT DISTINCT unnest([{values}]) AS value FROM {source} AS s "
                f"WHERE {where}) WHERE value IS NOT NULL"
            )
        keys = [n for n in self.order if n in names]
        select = _encoded(
            source,
            "s",
            names,
            coded,
            keys,
            where=where,
            items={"event": f'"event"::{EVENT_KIND_TYPE} AS "event"'},
        )
        statements.append(f"CREATE TABLE {'_events' if coded else 'events'} AS {select}")
        if coded:
            statements.append(f"CREATE VIEW events AS {_decoded('_events', names, coded)}")
        return statements

    def helper_sql(self, name: str, present: Iterable[str]) -> list[str]:
        """The statements that build helper relation ``name`` from the loaded ``events``
        (whose columns are ``present``): a view when no signature of the run reads it,
        else a table narrowed to ``helper_columns`` and sorted, over ids where ``events``
        has them (then named ``_<name>``, with a view ``name`` that gives the text)."""
        available = set(present)
        if name not in self.helpers:  # a view nobody reads: cheap, so it carries everything
            columns = _column_list(c for c in EVENT_COLUMNS if c in available)
            return [f"CREATE VIEW {name} AS {HELPER_RELATIONS[name](columns)}"]
        if self.helper_columns is not None:
            available &= set(self.helper_columns)
        names = [c for c in EVENT_COLUMNS if c in available]
        sql = HELPER_RELATIONS[name](_column_list(names))
        keys = HELPER_ORDER.get(name, ()) if self.order else ()
        outputs = [*names, "target"]  # file_writes, the one helper coded: columns, target
        dictionaries = set(self.coded(present).values())
        coded = {
            column: dictionary
            for column, dictionary in HELPER_TEXT_COLUMNS.get(name, {}).items()
            if dictionary in dictionaries and column in outputs
        }
        if "path2" not in present:
            coded.pop("target", None)  # the path dictionary holds no renamed files' paths
        if not coded:
            order = f" ORDER BY {', '.join(keys)}" if keys else ""
            return [f"CREATE TABLE {name} AS SELECT * FROM ({sql}){order}"]
        # Built from the text once, then each coded column swapped for its id.
        return [
            f"CREATE TABLE _{name} AS {_encoded(f'({sql})', 'h', outputs, coded, keys)}",
            f"CREATE VIEW {name} AS {_decoded(f'_{name}', outputs, coded)}",
        ]


def _encoded(
    source: str,
    alias: str,
    names: Sequence[str],
    coded: Mapping[str, str],
    keys: Sequence[str],
    *,
    where: str = "",
    items: Mapping[str, str] | None = None,
) -> str:
    """A SELECT of ``names`` from ``source`` (as ``alias``) with each coded column swapped
    for its id in its dictionary (0 for null), filtered by ``where``, sorted by ``keys``.
    ``items`` gives other expressions for some names. Ids follow the values' order, so
    sorting by id is sorting by the text (nulls first instead of last)."""
    special = items or {}
    columns = ", ".join(
        special.get(n)
        or (f'coalesce("_j_{n}".id, 0) AS "{n}_id"' if n in coded else f'{alias}."{n}"')
        for n in names
    )
    joins = "".join(
        f' LEFT JOIN "_text_{d}" AS "_j_{c}" ON "_j_{c}".value = {alias}."{c}"'
        for c, d in coded.items()
    )
    filters = f" WHERE {where}" if where else ""
    order = [f'"{k}_id"' if k in coded else f'"{k}"' for k in keys]
    ordered = f" ORDER BY {', '.join(order)}" if order else ""
    return f"SELECT {columns} FROM {source} AS {alias}{joins}{filters}{ordered}"


def _decoded(table: str, names: Iterable[str], coded: dict[str, str]) -> str:
    """A SELECT of ``names`` from ``table``, whose coded columns are ids (``<name>_id``),
    with each id joined back to its text."""
    columns = ", ".join(
        f'"_j_{name}".value AS "{name}"' if name in coded else f't."{name}"' for name in names
    )
    joins = "".join(
        f' JOIN "_text_{coded[name]}" AS "_j_{name}" ON "_j_{name}".id = t."{name}_id"'
        for name in names
        if name in coded
    )
    return f"SELECT {columns} FROM {table} AS t{joins}"


def _column_list(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def kind_filter(kinds: Iterable[str]) -> str:
    """A filter on ``event`` for ``kinds``, written as ranges of the sorted kind names.

    DuckDB applies a range (or an OR of ranges) inside a scan, Parquet included, so the
    other columns are only read for the rows that pass; an IN list is only used to skip
    blocks, and every row of every kind would be read. Kind names come from the schema.
    """
    wanted = set(kinds)
    unknown = wanted - set(EVENT_KINDS)
    if unknown:
        raise ValueError(f"unknown event kinds {sorted(unknown)}")
    ordered = sorted(EVENT_KINDS)
    ranges: list[tuple[str, str]] = []
    for name in ordered:
        if name not in wanted:
            continue
        if ranges and ordered.index(ranges[-1][1]) == ordered.index(name) - 1:
            ranges[-1] = (ranges[-1][0], name)
        else:
            ranges.append((name, name))
    if not ranges:
        return "false"
    if len(ranges) == 1:
        lo, hi = ranges[0]
        return f"(event = '{lo}')" if lo == hi else f"(event BETWEEN '{lo}' AND '{hi}')"
    # Several ranges: bounds even for single kinds, or DuckDB turns ORed equalities back
    # into an IN list.
    return "(" + " OR ".join(f"(event >= '{lo}' AND event <= '{hi}')" for lo, hi in ranges) + ")"


def plan_for(facts: Iterable[tuple[frozenset[str] | None, SqlFacts | None]]) -> LoadPlan:
    """The load plan for signatures given as (event kinds, SQL facts) pairs.

    Kinds: their union plus the lifecycle kinds; every kind when one signature could not
    say. Columns: the base columns plus every event column any query names; every column
    when one uses ``*`` or could not be parsed.
    """
    kinds: set[str] | None = set(LIFECYCLE_KINDS)
    columns: set[str] | None = set(BASE_COLUMNS)
    helpers: set[str] = set()
    helper_columns: set[str] = set(BASE_COLUMNS).union(*HELPER_COLUMNS.values())
    execs = False
    for sig_kinds, sql_facts in facts:
        execs = execs or (
            sql_facts is None or "execs" in sql_facts.columns or sql_facts.star_over_processes
        )
        if sql_facts is not None:
            helpers |= sql_facts.tables & set(HELPER_RELATIONS)
            if sql_facts.tables & set(HELPER_RELATIONS):
                helper_columns |= sql_facts.columns & set(EVENT_COLUMNS)
        if sig_kinds is None:
            kinds = None
        elif kinds is not None:
            kinds |= sig_kinds
        if sql_facts is None or sql_facts.star:
            columns = None
        elif columns is not None:
            columns |= sql_facts.columns & set(EVENT_COLUMNS)
            for view, needed in HELPER_COLUMNS.items():
                if view in sql_facts.tables:
                    columns |= set(needed)
    return LoadPlan(
        None if kinds is None else tuple(k for k in EVENT_KINDS if k in kinds),
        None if columns is None else tuple(c for c in EVENT_COLUMNS if c in columns),
        frozenset(helpers),
        # A star or an unparsed query loads every column; helpers then carry them all.
        None if columns is None else tuple(c for c in EVENT_COLUMNS if c in helper_columns),
        execs=execs,
    )


class Sandbox:
    """An in-memory DuckDB database with ``events`` and ``processes`` tables, locked down.

    Build it with :meth:`load`, then run signature SQL with :meth:`query`. Only this class
    ever writes to the database, and only before it is locked.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        timings: dict[str, float] | None = None,
        cursors: Sequence[duckdb.DuckDBPyConnection] = (),
    ) -> None:
        self._con = con
        self.timings = timings or {}  # seconds per loading step, for benchmarks
        self._cursors = list(cursors) or [con]

    @classmethod
    def load(
        cls,
        events: pa.RecordBatchReader | pa.Table | None = None,
        *,
        plan: LoadPlan | None = None,
        parquet_view: str | None = None,
    ) -> Sandbox:
        """Copy the planned rows in, derive ``processes``, add the helper views, lock.

        The rows come from ``events`` (Arrow, in :data:`EVENT_SCHEMA`) or, faster, from
        ``parquet_view``: a ``CREATE VIEW _source AS ...`` statement over Parquet files
        (see :func:`tracee_py.query.dataset.parquet_view_sql`), read before the lock.
        """
        plan = plan or LoadPlan.everything()
        con = _connect()
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(step: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[step] = now - clock
            clock = now

        try:
            with TimeLimit(con, None):  # Ctrl-C while loading stops the command
                _session_settings(con)
                kinds = ", ".join(f"'{k}'" for k in sorted(EVENT_KINDS))
                con.execute(f"CREATE TYPE {EVENT_KIND_TYPE} AS ENUM ({kinds})")
                if parquet_view is not None:
                    con.execute(parquet_view)
                elif isinstance(events, pa.RecordBatchReader):
                    # A stream can be read once; the source is read twice (events, lifecycle).
                    con.register("_incoming", events)
                    con.execute("CREATE TEMP TABLE _source AS SELECT * FROM _incoming")
                    con.unregister("_incoming")
                else:
                    incoming = events if events is not None else EVENT_SCHEMA.empty_table()
                    con.register("_source", incoming)
                for statement in plan.load_sql("_source"):
                    con.execute(statement)
                lap("events")
                _build_processes(con, execs=plan.execs)
                lap("processes")
                if parquet_view is not None:
                    con.execute("DROP VIEW _source")
                elif isinstance(events, pa.RecordBatchReader):
                    con.execute("DROP TABLE _source")
                else:
                    con.unregister("_source")
                for sql in HELPER_SQL:
                    con.execute(sql)
                present = set(plan.columns if plan.columns is not None else EVENT_COLUMNS)
                for name in HELPER_RELATIONS:
                    if not set(HELPER_COLUMNS[name]) <= present:
                        continue  # no signature of this run reads it
                    for statement in plan.helper_sql(name, present):
                        con.execute(statement)
                lap("helpers")
                # The cursors query_each runs signatures on, set up like ``con`` before
                # the lock (session settings are per cursor; the lock is global).
                cursors = [con.cursor() for _ in range(query_workers())]
                for cursor in cursors:
                    _session_settings(cursor)
                con.execute("SET python_enable_replacements = false")
                con.execute("SET enable_external_access = false")
                con.execute("SET lock_configuration = true")
        except BaseException:
            con.close()
            raise
        return cls(con, timings, cursors)

    def query(
        self, sql: str, *, timeout: float | None = None, max_rows: int | None = None
    ) -> pa.Table:
        """Run one signature query; raises :class:`SandboxError` subclasses.

        ``timeout`` (seconds, None for none) stops it with :class:`QueryTimeout`; Ctrl-C
        stops it with ``KeyboardInterrupt``. ``max_rows``: at most that many rows, earliest
        first (:func:`bounded_sql`).
        """
        sql = checked_sql(sql, max_rows)
        return in_worker(self._con, lambda: _run_checked(self._con, sql, timeout))

    def query_each(
        self,
        sqls: Sequence[str],
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        workers: int | None = None,
    ) -> Iterator[tuple[pa.Table | SandboxError, float]]:
        """Each of ``sqls`` as :meth:`query` would run it, ``workers`` at a time (default:
        :func:`query_workers`), each on a cursor of its own over the same locked database.
        Yields, in the order of ``sqls``, the result or the :class:`SandboxError` and the
        seconds the query took.

        Why in parallel: DuckDB splits a scan across threads by row group, and most
        signatures read one kind of event, often a single row group; run one after another
        they leave the other cores idle. Ctrl-C interrupts every running query and raises
        ``KeyboardInterrupt`` here; queries not started yet are cancelled.
        """
        cursors = self._cursors[: max(1, workers or len(self._cursors))]
        free: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
        for cursor in cursors:
            free.put(cursor)

        def one(sql: str) -> tuple[pa.Table | SandboxError, float]:
            cursor = free.get()
            started = time.perf_counter()
            try:
                outcome: pa.Table | SandboxError = _run_checked(
                    cursor, checked_sql(sql, max_rows), timeout
                )
            except SandboxError as exc:
                outcome = exc
            finally:
                free.put(cursor)
            return outcome, time.perf_counter() - started

        with ThreadPoolExecutor(len(cursors), thread_name_prefix="tracee-py-query") as pool:
            futures = [pool.submit(one, sql) for sql in sqls]
            try:
                for future in futures:
                    while True:
                        try:  # a timed wait: Ctrl-C reaches this thread
                            result = future.result(timeout=0.25)
                        except FutureTimeout:
                            continue
                        break
                    yield result
            except BaseException:  # Ctrl-C, or the caller stopped early
                for future in futures:
                    future.cancel()
                for cursor in cursors:
                    cursor.interrupt()
                raise

    def engine_query(self, sql: str, params: Iterable[object] = ()) -> pa.Table:
        """Queries written by the engine itself (ancestry), with bound parameters."""
        return self._con.sql(sql, params=list(params)).to_arrow_table()

    def event_count(self) -> int:
        return int(self.engine_query("SELECT count(*) AS n FROM events").column("n")[0].as_py())

    def ancestry_rows(
        self, process_ids: Sequence[int], max_depth: int, fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        """For each process: itself (depth 0) and its ancestors up to ``max_depth``, with
        ``image`` (exe, else comm) and the process fields findings carry."""
        sql = ancestry_sql(max_depth, fields)
        return table_rows(self.engine_query(sql, [list(process_ids)]))

    def ancestor_images(self, process_ids: Sequence[int], max_depth: int) -> dict[int, list[str]]:
        """The images of each process's ancestors up to ``max_depth``, parent first
        (processes with none are left out)."""
        table = self.engine_query(ancestor_images_sql(max_depth), [list(process_ids)])
        ids = table.column("start_id").to_pylist()
        return dict(zip(ids, table.column("images").to_pylist(), strict=True))

    def close(self) -> None:
        for cursor in self._cursors:
            if cursor is not self._con:
                cursor.close()
        self._con.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run_checked(con: duckdb.DuckDBPyConnection, sql: str, timeout: float | None) -> pa.Table:
    """Run ``sql`` (already through :func:`checked_sql`) on ``con`` with a time limit; every
    DuckDB failure becomes a :class:`SandboxError`. Runs in whichever thread calls it."""
    limit = TimeLimit(con, timeout)
    try:
        with limit:
            return con.sql(sql).to_arrow_table()
    except (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException):
        # The relation API leaves out where in the text the error is; the DB-API path
        # says it (LINE n:). Binding fails fast, so asking again costs nothing.
        try:
            con.execute(sql)
        except duckdb.Error as detailed:
            raise duckdb_failure(detailed) from detailed
        raise  # pragma: no cover - the second attempt cannot succeed
    except duckdb.InterruptException as exc:
        if limit.expired:
            raise QueryTimeout(f"query stopped after {timeout:g}s") from exc
        raise duckdb_failure(exc) from exc
    except duckdb.Error as exc:
        raise duckdb_failure(exc) from exc


# What a process is shown as in an ancestry: its image, else its name.
IMAGE_SQL = "coalesce(p.exe, p.comm, '?')"


def table_rows(table: pa.Table) -> list[dict[str, Any]]:
    """``table.to_pylist()``, a column at a time: about twice as fast on large results."""
    names = table.column_names
    columns = [column.to_pylist() for column in table.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _chain_sql(max_depth: int) -> str:
    """``chain``: each process of ``?`` (a list of process_ids) and its ancestors up to
    ``max_depth``, one row per depth."""
    if max_depth <= 0:  # the processes themselves: no recursion to plan and run
        return """
WITH chain AS (
    SELECT p.process_id AS start_id, p.process_id, p.parent_process_id, 0 AS depth
    FROM processes p SEMI JOIN (SELECT unnest(?::UBIGINT[]) AS id) w ON w.id = p.process_id
)"""
    return f"""
WITH RECURSIVE chain(start_id, process_id, parent_process_id, depth) AS (
    SELECT p.process_id, p.process_id, p.parent_process_id, 0
    FROM processes p SEMI JOIN (SELECT unnest(?::UBIGINT[]) AS id) w ON w.id = p.process_id
    UNION ALL
    SELECT c.start_id, p.process_id, p.parent_process_id, c.depth + 1
    FROM chain c
    JOIN processes p ON p.process_id = c.parent_process_id
    WHERE c.depth < {int(max_depth)} AND p.process_id <> c.process_id
)"""


def ancestry_sql(max_depth: int, fields: Sequence[str]) -> str:
    """Each process of ``?`` (a list of process_ids) and its ancestors, one row per depth,
    with ``fields`` of ``processes`` (names from our own code, not from signatures)."""
    columns = ["c.start_id", "c.depth", f"{IMAGE_SQL} AS image", *("p." + f for f in fields)]
    return f"""{_chain_sql(max_depth)}
SELECT {", ".join(columns)}
FROM chain c JOIN processes p USING (process_id)
ORDER BY c.start_id, c.depth
"""


def ancestor_images_sql(max_depth: int) -> str:
    """For each process of ``?`` that has ancestors, their images, parent first: one row
    per process (a list per row is much cheaper to hand to Python than a row per
    ancestor)."""
    return f"""{_chain_sql(max_depth)}
SELECT c.start_id, list({IMAGE_SQL} ORDER BY c.depth) AS images
FROM chain c JOIN processes p USING (process_id)
WHERE c.depth > 0
GROUP BY c.start_id
"""


def _build_processes(con: duckdb.DuckDBPyConnection, *, execs: bool = True) -> None:
    """``processes`` as a table, from the lifecycle rows of ``_source``.

    The query layer's view is defined over a relation named ``events``; here that name is
    given, in a scratch schema, to the lifecycle rows only, so neither the wide columns it
    needs nor a scan of every event's process_id weigh on the run. (A process seen only in
    non-lifecycle events is therefore not listed: every process the recorder sees has a
    fork or snapshot row.)
    """
    columns = ", ".join(f'"{c}"' for c in PROCESS_SOURCE_COLUMNS)
    con.execute("CREATE SCHEMA _life")
    con.execute(
        f"CREATE TABLE _life.events AS SELECT {columns} FROM _source "
        f"WHERE {kind_filter(LIFECYCLE_KINDS)}"
    )
    con.execute("SET search_path = '_life'")
    try:
        install_derived_views(con, table=True, execs=execs)
    finally:
        con.execute("SET search_path = 'main'")
    con.execute("CREATE TABLE main.processes AS SELECT * FROM _life.processes")
    con.execute("DROP SCHEMA _life CASCADE")
