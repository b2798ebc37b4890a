"""Views derived from ``events``: SQL that depends on a table or view named ``events`` only.

The same SQL serves a whole recording (``events`` is the Parquet view of
:func:`tracee_py.query.open_dataset`) and a signature's sample events (``events`` is an Arrow
table registered on the connection), so signatures see the same ``processes`` either way::

    con.register("events", table)
    install_derived_views(con)

How a process row is made (see DESIGN.md, "Process identity and the tree"):

- Identity is ``process_id``; a pid reused later is another row.
- Origin: the earliest ``process_fork`` row of the process (it describes the new child:
  pid, parent, start time), else its earliest ``process_snapshot`` row (processes running
  when recording started). Parents come only from those rows: a later event's ppid is not
  trusted, because an orphan is reparented to init (or a subreaper) while its real parent
  is the one that forked it.
- A process seen only in other events (its fork was lost, or it predates a partial
  recording) is ``inferred``: node, pid, parent and uid come from its earliest event.
- ``execs`` lists the successful execs in time order; a failed exec (``retval < 0``) does
  not change the image and is not listed. ``exe``/``argv``/``comm`` are those of the
  latest successful exec (``exe`` is the exec path), else of the origin row.
- Exit: the ``process_exit`` row; a death by signal has ``exit_code = -signal`` and
  ``exit_signal`` set.
- Container and pod: the latest lifecycle row that names one (a container's first process
  is forked outside the container and joins its cgroup before exec), else any event of an
  inferred process.
"""

from __future__ import annotations

from tracee_py.lazy import duckdb
from tracee_py.schema import CONTAINER_COLUMNS

LIFECYCLE_KINDS = ("process_snapshot", "process_fork", "process_exec", "process_exit")

# Columns of the ``processes`` view, in order. Signatures rely on these names.
PROCESS_COLUMNS: tuple[str, ...] = (
    "node",
    "boot_id",
    "process_id",
    "pid",
    "ppid",
    "parent_process_id",
    "start_time",
    "exit_time",
    "exit_code",
    "exit_signal",
    "uid",
    "comm",
    "exe",
    "argv",
    "execs",
    "container_id",
    "container_name",
    "container_image",
    "pod_name",
    "pod_namespace",
    "pod_uid",
    "source",
)

# Columns ``processes`` is built from, read from the lifecycle rows only: the signature
# sandbox's events table carries them only when a signature names them.
PROCESS_SOURCE_COLUMNS: tuple[str, ...] = (
    "event",
    "time",
    "process_id",
    "node",
    "boot_id",
    "pid",
    "ppid",
    "parent_process_id",
    "start_time",
    "uid",
    "comm",
    "exe",
    "argv",
    "path",
    "exe_sha256",
    "retval",
    "exit_code",
    "signal",
    *CONTAINER_COLUMNS,
)

_LIFECYCLE_COLUMNS = ", ".join(PROCESS_SOURCE_COLUMNS)
_SUCCESSFUL_EXEC = "event = 'process_exec' AND coalesce(retval, 0) >= 0"
_HAS_POD = "(pod_name IS NOT NULL OR pod_uid IS NOT NULL)"

# How it is computed, for speed on large recordings: the lifecycle rows are read once and
# numbered (``rid``; when ``events`` is a table, its ``rowid`` numbers them for free, where
# a view's rows are numbered by a window that runs on one thread); per process, scalar
# aggregates pick the row numbers of its fork, snapshot, last exec, exit and latest
# container and pod rows; the wanted columns are then joined back by row number.
# Aggregating whole rows (structs with argv lists) instead is several times slower.
# ``execs`` is collected unordered and sorted with list_sort (a struct sorts by its first
# field, time).
_NUMBERED_BY_WINDOW = "lifecycle AS MATERIALIZED (\n    SELECT row_number() OVER () AS rid,"
_NUMBERED_BY_ROWID = "lifecycle AS (\n    SELECT rowid AS rid,"


def processes_sql(*, table: bool = False, execs: bool = True) -> str:
    """``CREATE VIEW processes`` over ``events``.

    ``table``: ``events`` is a DuckDB table (not a view, not a registered Arrow table), so
    its ``rowid`` can number the lifecycle rows. ``execs`` False: the ``execs`` lists are
    not collected (the column is NULL), for callers that know nobody reads them; collecting
    every exec's argv is about a third of the work.
    """
    numbered = _NUMBERED_BY_ROWID if table else _NUMBERED_BY_WINDOW
    collected = "" if execs else " AND false"
    return f"""
CREATE OR REPLACE VIEW processes AS
WITH {numbered} {_LIFECYCLE_COLUMNS}
    FROM events
    WHERE event IN {LIFECYCLE_KINDS!r} AND process_id IS NOT NULL
),
picks AS (
    SELECT
        process_id,
        arg_min(rid, time) FILTER (WHERE event = 'process_fork') AS fork_rid,
        arg_min(rid, time) FILTER (WHERE event = 'process_snapshot') AS snap_rid,
        arg_max(rid, time) FILTER (WHERE {_SUCCESSFUL_EXEC}) AS exec_rid,
        arg_min(rid, time) FILTER (WHERE event = 'process_exit') AS exit_rid,
        arg_max(rid, time) FILTER (WHERE container_id IS NOT NULL) AS container_rid,
        arg_max(rid, time) FILTER (WHERE {_HAS_POD}) AS pod_rid
    FROM lifecycle
    GROUP BY process_id
),
exec_lists AS (
    SELECT
        process_id,
        list_sort(list({{'time': time, 'path': path, 'argv': argv,
                         'exe_sha256': exe_sha256, 'retval': retval}})) AS execs
    FROM lifecycle
    WHERE {_SUCCESSFUL_EXEC}{collected}
    GROUP BY process_id
),
origins AS (
    SELECT
        o.node, o.boot_id, p.process_id, o.pid, o.ppid, o.parent_process_id,
        coalesce(o.start_time, o.time) AS start_time, o.uid, o.comm, o.exe, o.argv,
        NULL::STRUCT(id VARCHAR, name VARCHAR, image VARCHAR) AS seen_container,
        NULL::STRUCT(name VARCHAR, namespace VARCHAR, uid VARCHAR) AS seen_pod,
        CASE WHEN p.fork_rid IS NOT NULL THEN 'fork' ELSE 'snapshot' END AS source
    FROM picks p
    JOIN (SELECT * FROM lifecycle WHERE event IN ('process_fork', 'process_snapshot')) o
        ON o.rid = coalesce(p.fork_rid, p.snap_rid)
),
missing AS (
    -- Narrow on purpose: only process_id of every event is read to find them.
    SELECT DISTINCT process_id FROM events
    WHERE process_id IS NOT NULL AND process_id NOT IN (SELECT process_id FROM origins)
),
inferred AS (
    -- Usually empty, and then DuckDB does not scan events again.
    SELECT
        process_id,
        arg_min({{'node': node, 'boot_id': boot_id, 'pid': pid, 'ppid': ppid,
                  'parent_process_id': parent_process_id,
                  'start_time': coalesce(start_time, time), 'uid': uid, 'comm': comm,
                  'exe': exe}}, time) AS seen,
        arg_max({{'id': container_id, 'name': container_name, 'image': container_image}},
                time) FILTER (WHERE container_id IS NOT NULL) AS seen_container,
        arg_max({{'name': pod_name, 'namespace': pod_namespace, 'uid': pod_uid}}, time)
            FILTER (WHERE {_HAS_POD}) AS seen_pod
    FROM events
    WHERE process_id IN (SELECT process_id FROM missing)
    GROUP BY process_id
),
base AS (
    SELECT * FROM origins
    UNION ALL BY NAME
    SELECT
        seen.node AS node, seen.boot_id AS boot_id, process_id, seen.pid AS pid,
        seen.ppid AS ppid, seen.parent_process_id AS parent_process_id,
        seen.start_time AS start_time, seen.uid AS uid, seen.comm AS comm, seen.exe AS exe,
        NULL::VARCHAR[] AS argv, seen_container, seen_pod, 'inferred' AS source
    FROM inferred
)
SELECT
    b.node,
    b.boot_id,
    b.process_id,
    b.pid,
    b.ppid,
    b.parent_process_id,
    b.start_time,
    x.time AS exit_time,
    x.exit_code,
    x.signal AS exit_signal,
    b.uid,
    coalesce(e.comm, b.comm) AS comm,
    coalesce(e.path, e.exe, b.exe) AS exe,
    CASE WHEN e.rid IS NOT NULL THEN e.argv ELSE b.argv END AS argv,
    {"coalesce(l.execs, [])" if execs else "l.execs"} AS execs,
    CASE WHEN c.rid IS NOT NULL THEN c.container_id ELSE b.seen_container.id END
        AS container_id,
    CASE WHEN c.rid IS NOT NULL THEN c.container_name ELSE b.seen_container.name END
        AS container_name,
    CASE WHEN c.rid IS NOT NULL THEN c.container_image ELSE b.seen_container.image END
        AS container_image,
    CASE WHEN d.rid IS NOT NULL THEN d.pod_name ELSE b.seen_pod.name END AS pod_name,
    CASE WHEN d.rid IS NOT NULL THEN d.pod_namespace ELSE b.seen_pod.namespace END
        AS pod_namespace,
    CASE WHEN d.rid IS NOT NULL THEN d.pod_uid ELSE b.seen_pod.uid END AS pod_uid,
    b.source
FROM base b
LEFT JOIN picks p ON p.process_id = b.process_id
-- Each join reads only the rows it can match: smaller hash tables.
LEFT JOIN (SELECT rid, comm, path, exe, argv FROM lifecycle WHERE {_SUCCESSFUL_EXEC}) e
    ON e.rid = p.exec_rid
LEFT JOIN (SELECT rid, time, exit_code, signal FROM lifecycle WHERE event = 'process_exit') x
    ON x.rid = p.exit_rid
LEFT JOIN (
    SELECT rid, container_id, container_name, container_image FROM lifecycle
    WHERE container_id IS NOT NULL
) c ON c.rid = p.container_rid
LEFT JOIN (SELECT rid, pod_name, pod_namespace, pod_uid FROM lifecycle WHERE {_HAS_POD}) d
    ON d.rid = p.pod_rid
LEFT JOIN exec_lists l ON l.process_id = b.process_id
"""


PROCESSES_SQL = processes_sql()


def install_derived_views(
    con: duckdb.DuckDBPyConnection, *, table: bool = False, execs: bool = True
) -> None:
    """Create the view ``processes`` on ``con`` from its table or view ``events`` (see
    :func:`processes_sql` for ``table`` and ``execs``)."""
    con.execute(processes_sql(table=table, execs=execs))
