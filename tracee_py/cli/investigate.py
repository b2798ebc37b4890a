"""Investigation commands: ``query``, ``tree``, ``ps``, ``timeline``, ``info`` (and the hidden
``synth`` that writes a synthetic recording). Each builds library objects and renders what
they return; errors are typed and reach the user as one line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import typer

from tracee_py import proctree
from tracee_py.cli.common import (
    AT_OPTION,
    DATA_OPTION,
    ENGINE_OPTION,
    FROM_OPTION,
    NODE_OPTION,
    NODES_OPTION,
    OUTPUT_OPTION,
    SPARK_MASTER_OPTION,
    STRICT_OPTION,
    TO_OPTION,
    Engine,
    open_data,
    parse_params,
    refuse_problems,
    status,
    time_or_none,
    warn,
)
from tracee_py.cli.console import err_console
from tracee_py.cli.output import (
    TABLE_MAX_ROWS,
    check_format,
    data_console,
    json_default,
    render_arrow,
    render_rows,
)
from tracee_py.cli.trees import (
    PS_COLUMNS,
    PS_TABLE_COLUMNS,
    TREE_COLUMNS,
    TREE_MAX_NODES,
    print_tree,
    ps_rows,
    tree_rows,
)
from tracee_py.errors import QueryError, UsageError
from tracee_py.lazy import duckdb
from tracee_py.printable import printable
from tracee_py.proctree import TIMELINE_COLUMNS, ProcessNode
from tracee_py.query.dataset import Dataset
from tracee_py.query.info import DatasetInfo, dataset_info
from tracee_py.query.readonly import check_outside, check_read_only, error_text
from tracee_py.query.times import format_ns
from tracee_py.safeio import read_regular


def register(app: typer.Typer) -> None:
    app.command("query")(query)
    app.command("tree")(tree)
    app.command("ps")(ps)
    app.command("timeline")(timeline)
    app.command("info")(info)
    app.command("synth", hidden=True)(synth)


# -- query ----------------------------------------------------------------------------------------


def query(
    sql: str | None = typer.Argument(None, help="The SQL. Views: events, processes, stats."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Read the SQL from this file."),
    param: list[str] | None = typer.Option(
        None, "--param", "-p", help="name=value, bound to $name in the SQL (repeatable)."
    ),
    output: str = OUTPUT_OPTION,
    max_rows: int = typer.Option(
        TABLE_MAX_ROWS, "--max-rows", help="Rows shown by -o table (other formats print all)."
    ),
    node: list[str] | None = NODES_OPTION,
    time_from: str | None = FROM_OPTION,
    time_to: str | None = TO_OPTION,
    save: Path | None = typer.Option(
        None,
        "--save",
        help="Write the rows to this file (in the -o format: csv, json or jsonl) instead of "
        "stdout. Never inside the data directory.",
    ),
    strict: bool = STRICT_OPTION,
    data: str = DATA_OPTION,
    engine: Engine = ENGINE_OPTION,
    spark_master: str | None = SPARK_MASTER_OPTION,
) -> None:
    """Run one read-only DuckDB statement over the recordings.

    The views are events (one row per event), processes (one row per process lifetime)
    and stats (the recorder's counters). Values given with --param are bound, never
    pasted into the SQL. --node, --from and --to narrow what events can see, so DuckDB
    skips the other files and row groups. The recording is evidence: COPY, EXPORT,
    ATTACH, CREATE and other writing statements are refused; --save FILE keeps the rows.

    Examples:

      tracee-py query "SELECT event, count(*) FROM events GROUP BY ALL ORDER BY 2 DESC"

      tracee-py query 'SELECT * FROM events WHERE pid = $pid' --param pid=4242 -o jsonl

      tracee-py query -f suspicious.sql --from -2h --node web-1 -o csv > hits.csv

      tracee-py query -f suspicious.sql -o jsonl --save /cases/42/hits.jsonl

      tracee-py query --engine spark --data s3://forensics/fleet --from 2026-11-01 \\
          "SELECT node, count(*) FROM events GROUP BY node"

    With --engine spark the statement is translated to Spark SQL (sqlglot) and runs on
    Spark, locally or on --spark-master; see docs/fleet.md.
    """
    fmt = check_format(output)
    if (sql is None) == (file is None):
        raise UsageError("give the SQL as an argument or with --file, not both")
    if file is not None:
        sql = read_sql_file(file)
    assert sql is not None
    check_read_only(sql)
    params = parse_params(param)
    if save is not None:
        if fmt == "table":
            raise UsageError("--save writes csv, json or jsonl: choose one with -o")
        save = check_outside(save, data)
    if engine is Engine.spark:
        _query_on_spark(
            data,
            sql,
            params,
            fmt=fmt,
            max_rows=max_rows,
            save=save,
            nodes=node,
            time_from=time_from,
            time_to=time_to,
            strict=strict,
            master=spark_master,
        )
        return
    if spark_master:
        raise UsageError("--spark-master needs --engine spark")
    with open_data(data, nodes=node, time_from=time_from, time_to=time_to, strict=strict) as ds:
        ds.con.execute("SET enable_progress_bar = false")
        try:
            result = ds.stream(sql, params)
            if result is None:
                status("done (the statement returns no rows)")
                return
            if save is None:
                render_arrow(result, fmt, columns=result.columns, max_rows=max_rows)
                return
            with _created(save) as out:
                rows = render_arrow(result, fmt, columns=result.columns, out=out)
            status(f"{rows} rows written to {save}")
        except (duckdb.Error, pa.ArrowException) as exc:
            raise QueryError(error_text(str(exc))) from exc


def _query_on_spark(
    data: str,
    sql: str,
    params: dict[str, str],
    *,
    fmt: str,
    max_rows: int,
    save: Path | None,
    nodes: list[str] | None,
    time_from: str | None,
    time_to: str | None,
    strict: bool,
    master: str | None,
) -> None:
    from tracee_py.query.spark import spark_query

    table, warnings, problems = spark_query(
        data,
        sql,
        params=params,
        master=master,
        nodes=nodes or None,
        time_from_ns=time_or_none(time_from),
        time_to_ns=time_or_none(time_to),
    )
    warn(warnings)
    if save is None:
        render_arrow(table.to_batches(), fmt, columns=table.column_names, max_rows=max_rows)
    else:
        with _created(save) as out:
            rows = render_arrow(table.to_batches(), fmt, columns=table.column_names, out=out)
        status(f"{rows} rows written to {save}")
    if strict:
        refuse_problems(problems)


MAX_SQL_BYTES = 1 << 20


def read_sql_file(path: Path) -> str:
    """The text of a ``--file``: a regular file of UTF-8 text without NUL bytes."""
    try:
        raw = read_regular(path, MAX_SQL_BYTES, follow_symlinks=True)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if b"\0" in raw:
        raise UsageError(f"{path} is not a SQL text file (it holds NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})") from exc


@contextmanager
def _created(path: Path) -> Iterator[TextIO]:
    """``path`` opened for writing text; a clear error when it cannot be."""
    try:
        out = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    with out:
        yield out


# -- choosing a process ---------------------------------------------------------------------------


def _select_process(
    ds: Dataset,
    process: int | None,
    pid: int | None,
    process_id: int | None,
    at: str | None,
    node: str | None,
) -> ProcessNode | None:
    given = [x for x in (process, pid, process_id) if x is not None]
    if len(given) > 1:
        raise UsageError("give one process: PROCESS, --pid or --process-id")
    at_ns = time_or_none(at)
    if process_id is not None:
        return proctree.find_process(ds, process_id)
    if pid is not None:
        return proctree.resolve_pid(ds, pid, at_ns=at_ns, node=node)
    if process is not None:
        return proctree.resolve(ds, process, at_ns=at_ns, node=node)
    return None


PROCESS_ARG = typer.Argument(None, help="A pid or a process_id.", show_default=False)
PID_OPTION = typer.Option(None, "--pid", help="A pid; with --at when the pid was reused.")
PROCESS_ID_OPTION = typer.Option(None, "--process-id", help="A process_id.")


INDEX_NOTICE_ROWS = 1_000_000  # below this, building the index is too quick to mention


def _index_status(rows: int) -> None:
    if rows >= INDEX_NOTICE_ROWS:
        status(f"indexing the processes of {rows:,} events (once per dataset, then cached)")


# -- tree -----------------------------------------------------------------------------------------


def tree(
    process: int | None = PROCESS_ARG,
    pid: int | None = PID_OPTION,
    process_id: int | None = PROCESS_ID_OPTION,
    at: str | None = AT_OPTION,
    container: str | None = typer.Option(
        None, "--container", help="Every process of a container (id, id prefix or name)."
    ),
    pod: str | None = typer.Option(
        None, "--pod", help="Every process of a pod (name, namespace/name or uid)."
    ),
    time_from: str | None = FROM_OPTION,
    time_to: str | None = TO_OPTION,
    node: str | None = NODE_OPTION,
    output: str = OUTPUT_OPTION,
    max_nodes: int = typer.Option(
        TREE_MAX_NODES, "--max-nodes", help="Processes drawn by -o table (others print all)."
    ),
    strict: bool = STRICT_OPTION,
    data: str = DATA_OPTION,
) -> None:
    """Show a process tree.

    Around one process (PROCESS, --pid or --process-id): its ancestors up to the first
    recorded one and all its descendants. A pid that was reused during the recording is
    resolved with --at; if it is still ambiguous, the candidates are listed. Without a
    process: every process of a container, a pod, a moment (--at) or a window
    (--from/--to). Each process shows pid, start time, what it executed, how it ended and
    its file and network event counts. -o json gives the tree nested.

    Examples:

      tracee-py tree 4242 --at "2026-03-14T22:05:00Z"

      tracee-py tree --process-id 1487908999646198178 -o json

      tracee-py tree --pod prod/web-7d4b9 --from -1h

      tracee-py tree --at -10m --node web-1
    """
    fmt = check_format(output)
    # --node filters below: one cached index per directory
    with open_data(data, strict=strict) as ds:
        proctree.process_index(ds, on_build=_index_status)
        focus = _select_process(ds, process, pid, process_id, at, node)
        from_ns, to_ns = time_or_none(time_from), time_or_none(time_to)
        if focus is not None:
            if container or pod:
                raise UsageError("--container and --pod show whole trees; drop the process")
            result = proctree.process_tree(ds, focus.process_id, from_ns=from_ns, to_ns=to_ns)
        else:
            result = proctree.forest(
                ds,
                at_ns=time_or_none(at),
                from_ns=from_ns,
                to_ns=to_ns,
                container=container,
                pod=pod,
                node=node,
            )
        if fmt == "table":
            print_tree(result, data_console(), max_nodes=max_nodes)
        elif fmt == "json":
            sys.stdout.write(json.dumps(result.to_dict(), default=json_default) + "\n")
        else:
            render_rows(TREE_COLUMNS, tree_rows(result), fmt)


# -- ps -------------------------------------------------------------------------------------------


def ps(
    at: str | None = AT_OPTION,
    container: str | None = typer.Option(None, "--container", help="Only this container."),
    pod: str | None = typer.Option(None, "--pod", help="Only this pod."),
    node: str | None = NODE_OPTION,
    output: str = OUTPUT_OPTION,
    strict: bool = STRICT_OPTION,
    data: str = DATA_OPTION,
) -> None:
    """List the processes running at a moment, with their parents.

    Without --at: at the end of the recording. A process counts as running from its start
    until its exit (or until its pid was given to another process).

    Examples:

      tracee-py ps --at "2026-03-14T22:05:00Z"

      tracee-py ps --at -30m --pod prod/web-7d4b9 -o json
    """
    fmt = check_format(output)
    # --node filters below: one cached index per directory
    with open_data(data, strict=strict) as ds:
        proctree.process_index(ds, on_build=_index_status)
        if at is None:
            at_ns = proctree.recording_end(ds, node=node)
            status(f"processes running at the end of the recording, {format_ns(at_ns)}")
        else:
            at_ns = time_or_none(at)  # type: ignore[assignment]
        rows = proctree.processes_at(ds, at_ns, node=node, container=container, pod=pod)
        render_rows(
            PS_TABLE_COLUMNS if fmt == "table" else PS_COLUMNS,
            ps_rows(rows),
            fmt,
            title=f"{len(rows)} processes running at {format_ns(at_ns)}",
            max_rows=None,
        )


# -- timeline -------------------------------------------------------------------------------------


def timeline(
    process: int | None = PROCESS_ARG,
    pid: int | None = PID_OPTION,
    process_id: int | None = PROCESS_ID_OPTION,
    at: str | None = AT_OPTION,
    descendants: bool = typer.Option(
        False, "--descendants", "-D", help="Also every process it started, and theirs."
    ),
    kind: list[str] | None = typer.Option(
        None, "--kind", "-k", help="Only these event kinds (repeatable), e.g. net_connect."
    ),
    time_from: str | None = FROM_OPTION,
    time_to: str | None = TO_OPTION,
    node: str | None = NODE_OPTION,
    output: str = OUTPUT_OPTION,
    strict: bool = STRICT_OPTION,
    data: str = DATA_OPTION,
) -> None:
    """Every event of a process in time order, one readable line each.

    Paths, flags, addresses, argv, exit codes and errors are shown by event kind. The
    forks of its children are part of a process's timeline; --descendants adds all their
    events too. Only the nodes and time span the processes lived in are read.

    Examples:

      tracee-py timeline 4242 --at "2026-03-14T22:05:00Z"

      tracee-py timeline --process-id 1487908999646198178 --descendants

      tracee-py timeline 4242 --kind net_connect --kind file_open -o jsonl
    """
    fmt = check_format(output)
    from tracee_py.schema import EVENT_KINDS

    for k in kind or []:
        if k not in EVENT_KINDS:
            raise UsageError(
                f'unknown event kind {k!r}: see tracee-py query "SELECT DISTINCT event FROM events"'
            )
    # --node filters below: one cached index per directory
    with open_data(data, strict=strict) as ds:
        proctree.process_index(ds, on_build=_index_status)
        focus = _select_process(ds, process, pid, process_id, at, node)
        if focus is None:
            raise UsageError("say which process: PROCESS, --pid or --process-id")
        events = proctree.timeline(
            ds,
            focus.process_id,
            descendants=descendants,
            from_ns=time_or_none(time_from),
            to_ns=time_or_none(time_to),
            kinds=kind or None,
        )
        if fmt == "table":
            _print_lines(events)
        else:
            render_rows(TIMELINE_COLUMNS, (e.row() for e in events), fmt)


def _print_lines(events: object) -> None:
    """One aligned line per event, streamed (a timeline can be long)."""
    out = sys.stdout
    n = 0
    for e in events:  # type: ignore[attr-defined]
        comm = printable((e.comm or "")[:15])
        out.write(
            f"{format_ns(e.time_ns, digits=6)}  {e.pid if e.pid is not None else '?':>7}"
            f"  {comm:<15}  {e.event:<16}  {printable(e.summary)}\n"
        )
        n += 1
    out.flush()
    status(f"{n} events")


# -- info -----------------------------------------------------------------------------------------

INFO_SECTIONS = ("nodes", "kinds", "lost", "capabilities", "files", "problems")


def info(
    output: str = OUTPUT_OPTION,
    section: str | None = typer.Option(
        None, "--section", help=f"Only one part: {', '.join(INFO_SECTIONS)} (needed for csv)."
    ),
    verify_hashes: bool = typer.Option(
        True, "--verify/--no-verify", help="Check every file's sha256 against the manifest."
    ),
    node: list[str] | None = NODES_OPTION,
    strict: bool = STRICT_OPTION,
    data: str = DATA_OPTION,
) -> None:
    """Describe a data directory.

    Nodes and their boot ids, the time range, events and lost events per kind (lost
    events come from the recorder's stats, per interval), what the kernel offered each
    recording run (hooks, BTF, how exits were detected, what it lacked), every file with
    its size, and the files that are damaged or do not match their manifest hash.

    Examples:

      tracee-py info --data /evidence/tracee-data

      tracee-py info -o json | jq .kinds

      tracee-py info --section lost -o csv
    """
    fmt = check_format(output)
    if section is not None and section not in INFO_SECTIONS:
        raise UsageError(f"unknown section {section!r}: use one of {', '.join(INFO_SECTIONS)}")
    if fmt == "csv" and section is None:
        raise UsageError("-o csv prints one table: choose it with --section")
    with open_data(data, nodes=node) as ds:
        result = dataset_info(ds, verify_hashes=verify_hashes)
    sections = _info_sections(result)
    if section is not None:
        sections = {section: sections[section]}
    _print_info(result, sections, fmt, whole=section is None)
    if strict:
        refuse_problems(len(result.damaged) + len(result.manifest))


def _print_info(
    result: DatasetInfo,
    sections: dict[str, tuple[list[str], list[dict[str, Any]]]],
    fmt: str,
    *,
    whole: bool,
) -> None:
    if fmt == "json":
        body = {
            "root": result.root,
            "events": result.total_events,
            "first_time": _iso(result.first_ns),
            "last_time": _iso(result.last_ns),
        }
        body.update({name: rows for name, (_, rows) in sections.items()})
        sys.stdout.write(json.dumps(body, default=json_default) + "\n")
        return
    if fmt == "jsonl":
        for name, (_, rows) in sections.items():
            for row in rows:
                sys.stdout.write(json.dumps({"section": name, **row}, default=json_default) + "\n")
        return
    for name, (columns, rows) in sections.items():
        render_rows(columns, rows, fmt, title=name.capitalize(), max_rows=None)
    if fmt == "table" and whole:
        status(
            f"{result.total_events:,} events on {len(result.nodes)} node(s) from "
            f"{_iso(result.first_ns)} to {_iso(result.last_ns)}; {len(result.damaged)} damaged "
            f"file(s), {len(result.manifest)} manifest problem(s)"
        )


def _iso(ns: int | None) -> str | None:
    return None if ns is None else format_ns(ns)


def _info_sections(r: DatasetInfo) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    nodes = [
        {
            "node": n.node,
            "boot_ids": n.boot_ids,
            "first_time": _iso(n.first_ns),
            "last_time": _iso(n.last_ns),
            "events": n.events,
            "files": n.files,
            "bytes": n.bytes,
        }
        for n in r.nodes
    ]
    kinds = [{"node": k.node, "kind": k.kind, "events": k.events, "lost": k.lost} for k in r.kinds]
    lost = [
        {
            "node": x.node,
            "interval_start": _iso(x.start_ns),
            "interval_end": _iso(x.end_ns),
            "kind": x.kind,
            "lost": x.lost,
        }
        for x in r.lost
    ]
    files = [
        {
            "file": f.path,
            "node": f.node,
            "rows": f.rows,
            "bytes": f.bytes,
            "first_time": _iso(f.first_ns),
            "last_time": _iso(f.last_ns),
        }
        for f in r.files
    ]
    capabilities = [
        {
            "node": c.node,
            "run_id": c.run_id,
            "capability": c.name,
            "available": c.available,
            "detail": c.detail,
        }
        for c in r.capabilities
    ]
    problems = [{"file": d.path, "problem": "unreadable", "detail": d.reason} for d in r.damaged]
    problems += [{"file": c.file, "problem": c.status, "detail": c.detail} for c in r.manifest]
    return {
        "nodes": (
            ["node", "boot_ids", "first_time", "last_time", "events", "files", "bytes"],
            nodes,
        ),
        "kinds": (["node", "kind", "events", "lost"], kinds),
        "lost": (["node", "interval_start", "interval_end", "kind", "lost"], lost),
        "capabilities": (["node", "run_id", "capability", "available", "detail"], capabilities),
        "files": (["file", "node", "rows", "bytes", "first_time", "last_time"], files),
        "problems": (["file", "problem", "detail"], problems),
    }


# -- synth (hidden) -------------------------------------------------------------------------------


def synth(
    data: str = typer.Option(..., "--data", "-d", help="Directory to write the recording into."),
    events: int = typer.Option(1_000_000, "--events", help="How many events."),
    nodes: int = typer.Option(3, "--nodes", help="How many nodes."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same data."),
) -> None:
    """Write a synthetic recording (for tests and benchmarks).

    Example:

      tracee-py synth --data /tmp/synth --events 10000000 --nodes 4 --seed 7
    """
    from tracee_py.synth import generate

    if events < 1 or nodes < 1:
        raise UsageError("--events and --nodes must be at least 1")
    summary = generate(data, events=events, nodes=nodes, seed=seed, progress=status)
    err_console.print(
        f"wrote {summary.events:,} events of {summary.processes:,} processes on "
        f"{len(summary.nodes)} node(s) to {summary.root}",
        highlight=False,
    )
