"""The engine: load plans that share one read of the recording, finding records, limits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tracee_py.signatures import SignatureSet, load_signatures, run_on_dataset, run_on_table
from tracee_py.signatures.engine import load_plan, render_detail
from tracee_py.signatures.sandbox import LoadPlan, inspect_sql, kind_filter
from tracee_py.store.rows import events_from_rows

from .conftest import write_recording, write_signature


def test_inspect_sql_finds_kinds_columns_and_stars() -> None:
    facts = inspect_sql(
        "WITH w AS (SELECT time, process_id, target FROM file_writes) "
        "SELECT e.time, e.process_id, e.path, w.target FROM events e JOIN w USING (process_id) "
        "WHERE e.event IN ('file_open', 'dup') AND e.comm = 'not_a_kind'"
    )
    assert facts is not None
    assert facts.event_kinds == {"file_open", "dup"}
    assert {"time", "process_id", "path", "target", "event", "comm"} <= facts.columns
    assert "file_writes" in facts.tables and not facts.star
    assert inspect_sql("SELECT * FROM events").star  # type: ignore[union-attr]
    assert not inspect_sql(  # type: ignore[union-attr]
        "WITH v(a) AS (VALUES (1)) SELECT * FROM v"
    ).star


def test_catalog_load_plan_reads_only_what_signatures_name(catalog: SignatureSet) -> None:
    plan = load_plan(catalog.signatures)
    assert plan.kinds is not None and plan.columns is not None
    assert (
        "file_open" in plan.kinds
        and "chdir" not in plan.kinds
        and "module_unload" not in plan.kinds
    )
    assert "gid" not in plan.columns and "cgroup_id" not in plan.columns
    assert "file_writes" in plan.helpers
    # file_writes carries what its readers name, not every loaded column.
    assert plan.helper_columns is not None
    assert {"path", "path2", "flags", "time", "process_id"} <= set(plan.helper_columns)
    assert set(plan.helper_columns) < set(plan.columns)
    assert "port" in plan.columns and "port" not in plan.helper_columns
    one = load_plan([catalog.by_id("ptrace-traceme")])
    assert one.kinds == (
        "process_snapshot",
        "process_fork",
        "process_exec",
        "process_exit",
        "ptrace",
    )
    assert one.helpers == frozenset()


def test_plan_load_sql_filters_kinds_with_ranges() -> None:
    sql = LoadPlan(("process_exec",), ("time", "event"), order=()).load_sql("src")
    assert sql == [
        'CREATE TABLE events AS SELECT s."time", "event"::event_kind AS "event" FROM src AS s '
        "WHERE (event = 'process_exec')"
    ]
    # Sorted by the keys of ROW_ORDER that were loaded (no path here).
    (sql,) = LoadPlan(("process_exec",), ("time", "event")).load_sql("src")
    assert sql.endswith("WHERE (event = 'process_exec') ORDER BY \"event\"")
    lifecycle = ("process_snapshot", "process_fork", "process_exec", "process_exit")
    assert kind_filter(lifecycle) == "(event BETWEEN 'process_exec' AND 'process_snapshot')"
    assert kind_filter(["file_open", "file_mkdir", "file_link", "kill"]) == (
        "((event >= 'file_link' AND event <= 'file_open') OR (event >= 'kill' AND event <= 'kill'))"
    )
    with pytest.raises(ValueError, match="unknown event kinds"):
        kind_filter(["no_such_kind"])


def test_a_kind_missing_from_requires_is_missed_in_samples_too(tmp_path: Path) -> None:
    """The sample run goes through the same load plan as a recording."""
    sigs = load_signatures([write_signature(tmp_path, "motd-read")])
    sig = sigs.by_id("motd-read")
    rows = events_from_rows(
        [
            {
                "time": "2026-03-14T22:00:01Z",
                "node": "n",
                "boot_id": "b",
                "event": "file_open",
                "process_id": 1,
                "path": "/etc/motd",
                "flags": 0,
            }
        ]
    )
    assert len(run_on_table(rows, [sig]).findings) == 1
    blind = replace(sig, event_kinds=frozenset({"dup"}))
    assert run_on_table(rows, [blind]).findings == []


def test_finding_fields_come_from_the_query_then_processes(tmp_path: Path) -> None:
    container = "ab" * 32
    rows = [
        {
            "time": "2026-03-14T22:00:00Z",
            "event": "process_snapshot",
            "pid": 1,
            "ppid": 0,
            "process_id": 1,
            "comm": "systemd",
            "exe": "/usr/lib/systemd/systemd",
        },
        {
            "time": "2026-03-14T22:00:00Z",
            "event": "process_snapshot",
            "pid": 50,
            "ppid": 1,
            "process_id": 50,
            "parent_process_id": 1,
            "comm": "containerd-shim",
            "exe": "/usr/bin/containerd-shim-runc-v2",
        },
        {
            "time": "2026-03-14T22:00:01Z",
            "event": "process_fork",
            "pid": 60,
            "ppid": 50,
            "process_id": 60,
            "parent_process_id": 50,
            "comm": "containerd-shim",
            "exe": "/usr/bin/containerd-shim-runc-v2",
        },
        {
            "time": "2026-03-14T22:00:01.5Z",
            "event": "process_exec",
            "pid": 60,
            "ppid": 50,
            "process_id": 60,
            "parent_process_id": 50,
            "comm": "sh",
            "exe": "/bin/sh",
            "path": "/bin/sh",
            "argv": ["sh"],
            "retval": 0,
            "container_id": container,
            "container_name": "web",
            "container_image": "nginx:1",
            "pod_name": "web-0",
            "pod_namespace": "prod",
            "pod_uid": "u-1",
        },
        {
            "time": 1_773_525_602_123_456_789,
            "event": "file_open",
            "pid": 60,
            "process_id": 60,
            "comm": "sh",
            "exe": "/bin/sh",
            "path": "/etc/motd",
            "flags": 0,
            "retval": 3,
        },
    ]
    data = write_recording(tmp_path / "data", rows)
    sigs = load_signatures([write_signature(tmp_path / "pack", "motd-read")])
    [finding] = run_on_dataset(data, sigs.signatures).findings
    record = finding.to_dict()
    assert record["time"] == "2026-03-14T22:00:02.123456789Z"  # nanoseconds kept
    assert record["pid"] == 60 and record["comm"] == "sh"
    assert record["container_id"] == container and record["container_name"] == "web"
    assert record["pod_namespace"] == "prod" and record["pod_name"] == "web-0"
    assert record["ancestry"] == ["/usr/bin/containerd-shim-runc-v2", "/usr/lib/systemd/systemd"]
    assert record["detail"] == "sh read /etc/motd"
    assert record["evidence"] == {"path": "/etc/motd"}
    assert record["severity"] == "low" and record["mitre_tactic"] == "TA0007 Discovery"


def test_max_findings_truncates_with_a_warning(tmp_path: Path) -> None:
    rows = [
        {
            "time": f"2026-03-14T22:00:{i:02d}Z",
            "event": "file_open",
            "pid": 10 + i,
            "process_id": 100 + i,
            "comm": "cat",
            "exe": "/usr/bin/cat",
            "path": "/etc/motd",
            "flags": 0,
        }
        for i in range(5)
    ]
    data = write_recording(tmp_path / "data", rows)
    sigs = load_signatures([write_signature(tmp_path / "pack", "motd-read")])
    result = run_on_dataset(data, sigs.signatures, max_findings=3)
    assert [f.pid for f in result.findings] == [10, 11, 12]  # the earliest ones
    assert result.runs[0].truncated
    assert "matched more than 3 times" in result.warnings[0]


@pytest.mark.parametrize(
    ("template", "values", "text"),
    [
        ("{comm} read {path}", {"comm": "cat", "path": "/etc/x"}, "cat read /etc/x"),
        ("{argv}", {"argv": ["sh", "-c", "id"]}, "sh -c id"),
        ("{missing} and {{braces}}", {}, "? and {braces}"),
        ("{comm.__class__}", {"comm": "x"}, "{comm.__class__}"),  # no attribute access
        ("a\n  b", {}, "a b"),
    ],
)
def test_render_detail(template: str, values: dict[str, object], text: str) -> None:
    assert render_detail(template, values) == text


def test_memfd_and_fd_exec_split_the_work(catalog: SignatureSet) -> None:
    """An exec through /proc/self/fd/N is memfd-exec when N came from memfd_create (in the
    process or its parent), proc-fd-exec otherwise; never both."""
    base = {"node": "n", "boot_id": "b", "comm": "python3", "exe": "/usr/bin/python3"}
    rows = [
        # process 1: memfd on fd 3, exec through it
        {
            **base,
            "time": "2026-03-14T22:00:01Z",
            "event": "memfd_create",
            "pid": 11,
            "process_id": 1,
            "path": "memfd:x",
            "retval": 3,
        },
        {
            **base,
            "time": "2026-03-14T22:00:02Z",
            "event": "process_exec",
            "pid": 11,
            "process_id": 1,
            "path": "/proc/self/fd/3",
            "exe": "/proc/self/fd/3",
            "retval": 0,
        },
        # process 2: an ordinary file on fd 6; an unrelated process 3 has a memfd on fd 6
        {
            **base,
            "time": "2026-03-14T22:00:03Z",
            "event": "memfd_create",
            "pid": 13,
            "process_id": 3,
            "path": "memfd:shm",
            "retval": 6,
        },
        {
            **base,
            "time": "2026-03-14T22:00:04Z",
            "event": "file_open",
            "pid": 12,
            "process_id": 2,
            "path": "/opt/tool",
            "flags": 0,
            "retval": 6,
        },
        {
            **base,
            "time": "2026-03-14T22:00:05Z",
            "event": "process_exec",
            "pid": 12,
            "process_id": 2,
            "path": "/proc/self/fd/6",
            "exe": "/proc/self/fd/6",
            "retval": 0,
        },
    ]
    sigs = [catalog.by_id("memfd-exec"), catalog.by_id("proc-fd-exec")]
    found = {
        (f.signature_id, f.process_id) for f in run_on_table(events_from_rows(rows), sigs).findings
    }
    assert found == {("memfd-exec", 1), ("proc-fd-exec", 2)}


def test_bytes_are_hex_in_findings_as_in_query_output() -> None:
    from tracee_py.cli.output import json_default
    from tracee_py.signatures.engine import jsonable

    raw = b"\x00\xffA"
    assert jsonable(raw) == "00ff41" == json_default(raw)
    assert jsonable({"k": [raw]}) == {"k": ["00ff41"]}


def test_text_dictionary_gives_the_same_events() -> None:
    """Paths and images are stored as ids into tables of their distinct values; ``events``
    and ``file_writes`` must give exactly the rows, columns and types plain tables give."""
    from tracee_py.signatures.sandbox import Sandbox

    base = {"node": "n1", "process_id": 7, "pid": 7, "uid": 0, "comm": "cat"}
    cat = {**base, "exe": "/usr/bin/cat"}
    rows = [
        {
            **cat,
            "time": 1,
            "event": "process_exec",
            "path": "/usr/bin/cat",
            "argv": ["cat", "/etc/shadow"],
        },
        {**cat, "time": 2, "event": "file_open", "path": "/etc/shadow", "flags": 0, "retval": 3},
        {**cat, "time": 3, "event": "file_open", "path": "/etc/passwd", "flags": 0, "retval": 4},
        {**cat, "time": 4, "event": "file_open", "path": "/etc/shadow", "flags": 1, "retval": -13},
        # the new name of a rename is in the same dictionary as paths
        {**cat, "time": 5, "event": "file_rename", "path": "/tmp/x", "path2": "/etc/passwd"},
        {**cat, "time": 6, "event": "file_rename", "path": "/tmp/y", "path2": "/etc/motd"},
        # no path, no image: stays null
        {
            **base,
            "time": 7,
            "event": "net_connect",
            "family": "inet",
            "addr": "10.0.0.1",
            "port": 443,
            "retval": 0,
        },
        {**cat, "time": 8, "event": "process_exit", "exit_code": 0},
    ]
    table = events_from_rows(rows)
    plain = replace(LoadPlan.everything(), helpers=frozenset({"file_writes"}), dictionary=())
    listings = {
        "events": "SELECT * FROM events ORDER BY time",
        "file_writes": "SELECT * FROM file_writes ORDER BY time",
    }
    with Sandbox.load(table, plan=plain) as sandbox:
        expected = {name: sandbox.engine_query(sql) for name, sql in listings.items()}
    with Sandbox.load(table, plan=replace(plain, dictionary=("path", "exe"))) as sandbox:
        got = {name: sandbox.engine_query(sql) for name, sql in listings.items()}
        distinct = sandbox.engine_query(
            "SELECT (SELECT count(*) FROM _text_path) AS paths, "
            "(SELECT count(*) FROM _text_exe) AS images"
        ).to_pylist()
        shadow = sandbox.query(
            "SELECT epoch_ns(time) AS ns, flags FROM events WHERE suffix(path, '/shadow') "
            "ORDER BY time"
        ).to_pylist()
        targets = sandbox.query(
            "SELECT epoch_ns(time) AS ns, target FROM file_writes "
            "WHERE regexp_matches(target, '^/etc/') ORDER BY time"
        ).to_pylist()
    for name in listings:
        assert got[name].schema == expected[name].schema, name
        assert got[name].equals(expected[name]), name
    assert (got["events"].num_rows, got["file_writes"].num_rows) == (8, 3)
    # id 0 (null), /usr/bin/cat, /etc/shadow, /etc/passwd, /tmp/x, /tmp/y, /etc/motd;
    # id 0 and one image
    assert distinct == [{"paths": 7, "images": 2}]
    assert shadow == [{"ns": 2, "flags": 0}, {"ns": 4, "flags": 1}]
    assert targets == [
        {"ns": 4, "target": "/etc/shadow"},
        {"ns": 5, "target": "/etc/passwd"},
        {"ns": 6, "target": "/etc/motd"},
    ]


def test_execs_lists_are_built_only_when_a_query_can_read_them(catalog: SignatureSet) -> None:
    """Collecting every exec's argv per process is skipped when no query names ``execs``
    or takes a ``*`` of ``processes``; whoever can read the column still gets it."""
    from tracee_py.signatures.sandbox import Sandbox, plan_for

    assert load_plan(catalog.signatures).execs is False
    readers = {
        "SELECT p.process_id, p.execs FROM processes p": True,
        "SELECT p.* FROM processes p": True,
        "SELECT * FROM processes": True,
        "SELECT * FROM events e JOIN processes p USING (process_id)": True,
        "WITH execs AS (SELECT * FROM events) SELECT time, process_id FROM execs": False,
        "SELECT time, process_id, exe FROM processes": False,
    }
    for sql, wanted in readers.items():
        assert plan_for([(None, inspect_sql(sql))]).execs is wanted, sql
    assert plan_for([(None, None)]).execs is True  # a query that could not be parsed

    rows = events_from_rows(
        [
            {"time": 1, "event": "process_fork", "process_id": 5, "pid": 5, "comm": "sh"},
            {
                "time": 2,
                "event": "process_exec",
                "process_id": 5,
                "pid": 5,
                "comm": "id",
                "path": "/usr/bin/id",
                "argv": ["id", "-u"],
                "retval": 0,
            },
        ]
    )
    sql = "SELECT process_id, exe, argv, len(execs) AS n, execs[1].argv AS first FROM processes"
    with Sandbox.load(rows, plan=plan_for([(None, inspect_sql(sql))])) as sandbox:
        assert sandbox.engine_query(sql).to_pylist() == [
            {"process_id": 5, "exe": "/usr/bin/id", "argv": ["id", "-u"], "n": 1,
             "first": ["id", "-u"]}
        ]  # fmt: skip
    lean = plan_for([(None, inspect_sql("SELECT process_id, exe, argv FROM processes"))])
    with Sandbox.load(rows, plan=lean) as sandbox:
        listed = sandbox.engine_query("SELECT process_id, exe, argv, execs FROM processes")
        assert listed.to_pylist() == [
            {"process_id": 5, "exe": "/usr/bin/id", "argv": ["id", "-u"], "execs": None}
        ]
