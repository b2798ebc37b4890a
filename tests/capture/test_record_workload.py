"""`record -- CMD` over a known workload: exact rows, lineage and arguments."""

from __future__ import annotations

import datetime
import os
import platform
import socket
import stat

import pytest

from tests.capture.conftest import Recording
from tracee_py.capture.kernel import tracefs_root

SOCK_CLOEXEC = 0o2000000  # Python opens every socket with it

# Every test here reads one recording; tests/kernels runs them in each Debian kernel too.
pytestmark = pytest.mark.kernel_matrix


def test_true_23_times_each_a_child_of_the_loop_shell(workload: Recording) -> None:
    shell_pid = workload.facts["loop_shell_pid"]
    (shell_id,) = workload.one(
        "SELECT DISTINCT process_id FROM events WHERE pid = ? AND event = 'process_exec'",
        [shell_pid],
    )
    rows = workload.sql(
        "SELECT ppid, parent_process_id, argv FROM events "
        "WHERE event = 'process_exec' AND path = '/bin/true' AND env IS NULL "
        "AND parent_process_id = ?",
        [shell_id],
    )
    assert len(rows) == 23
    assert {r[0] for r in rows} == {shell_pid}
    assert all(r[2] == ["/bin/true"] for r in rows)
    forks = workload.one(
        "SELECT count(*) FROM events WHERE event = 'process_fork' AND parent_process_id = ?",
        [shell_id],
    )
    assert forks == (23,)


def test_marker_file_lifecycle(workload: Recording) -> None:
    w = str(workload.work)
    marker, renamed = f"{w}/marker.txt", f"{w}/renamed.txt"
    opens = workload.sql(
        "SELECT flags, mode, retval >= 0, fd = retval FROM events "
        "WHERE event = 'file_open' AND path = ? ORDER BY time",
        [marker],
    )
    # Python's os.open adds O_CLOEXEC (PEP 446).
    assert opens == [
        (os.O_CREAT | os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC, 0o644, True, True),
        (os.O_RDONLY | os.O_CLOEXEC, 0, True, True),
    ]
    assert workload.sql(
        "SELECT path2, retval FROM events WHERE event = 'file_rename' AND path = ?", [marker]
    ) == [(renamed, 0)]
    assert workload.sql(
        "SELECT mode, syscall FROM events WHERE event = 'file_chmod' AND path = ?", [renamed]
    ) == [(0o640, "chmod")]
    assert workload.sql(
        "SELECT length FROM events WHERE event = 'file_truncate' AND path = ?", [renamed]
    ) == [(2,)]
    assert workload.sql(
        "SELECT syscall, retval FROM events WHERE event = 'file_unlink' AND path = ?", [renamed]
    ) == [("unlink", 0)]
    assert workload.sql(
        "SELECT mode FROM events WHERE event = 'file_mkdir' AND path = ?", [f"{w}/subdir"]
    ) == [(0o750,)]
    assert workload.sql(
        "SELECT path2 FROM events WHERE event = 'file_link' AND path = ?",
        [f"{w}/link-to-hostname"],
    ) == [("/etc/hostname",)]


def test_relative_path_made_absolute_with_cwd(workload: Recording) -> None:
    w = str(workload.work)
    assert workload.sql(
        "SELECT path FROM events WHERE event = 'chdir' AND retval = 0 AND path = ?", [w]
    ) == [(w,)]
    rows = workload.sql(
        "SELECT path, cwd FROM events WHERE event = 'file_open' AND path LIKE '%relative.txt'"
    )
    assert rows == [(f"{w}/relative.txt", w)]


def test_failed_open_has_negative_errno(workload: Recording) -> None:
    rows = workload.sql(
        "SELECT retval, fd FROM events WHERE event = 'file_open' AND path = ?",
        [f"{workload.work}/does-not-exist"],
    )
    assert rows == [(-2, None)]


def test_memfd_and_dup_onto_stdin(workload: Recording) -> None:
    pid = workload.facts["pid"]
    assert workload.sql(
        "SELECT path FROM events WHERE event = 'memfd_create' AND pid = ?", [pid]
    ) == [("memfd:tracee-memfd-test",)]
    dups = workload.sql(
        "SELECT fd, retval FROM events WHERE event = 'dup' AND pid = ? ORDER BY time", [pid]
    )
    assert dups[0] == (workload.facts["client_fd"], 0)
    assert len(dups) == 2


def test_loopback_bind_listen_connect_accept(workload: Recording) -> None:
    facts = workload.facts
    pid, port = workload.facts["pid"], workload.facts["port"]
    assert workload.sql(
        "SELECT family, addr, port FROM events WHERE event = 'net_bind' AND pid = ? "
        "AND family = 'inet'",
        [pid],
    ) == [("inet", "127.0.0.1", 0)]
    # listen's local address comes from the socket: the port the kernel chose for a bind
    # to port 0, and for a socket never bound (0.0.0.0).
    assert workload.sql(
        "SELECT family, addr, port, retval FROM events WHERE event = 'net_listen' AND pid = ? "
        "ORDER BY time",
        [pid],
    ) == [
        ("inet", "127.0.0.1", port, 0),
        *([("inet6", "::1", workload.facts["port6"], 0)] if "port6" in workload.facts else []),
        ("inet", "0.0.0.0", workload.facts["autobind_port"], 0),
    ]
    assert workload.sql(
        "SELECT family, addr, port, fd, retval FROM events WHERE event = 'net_connect' "
        "AND pid = ? AND family = 'inet' ORDER BY time LIMIT 1",
        [pid],
    ) == [("inet", "127.0.0.1", port, workload.facts["client_fd"], 0)]
    # The second accept passes no sockaddr: the peer is read from the accepted socket.
    assert workload.sql(
        "SELECT syscall, family, addr, port, fd FROM events WHERE event = 'net_accept' "
        "AND pid = ? ORDER BY time",
        [pid],
    ) == [
        ("accept4", "inet", "127.0.0.1", facts["client_port"], facts["accepted_fd"]),
        ("accept", "inet", "127.0.0.1", facts["client2_port"], facts["null_accept_fd"]),
    ]
    assert workload.sql(
        "SELECT family, path FROM events WHERE event = 'net_bind' AND family = 'unix' AND pid = ?",
        [pid],
    ) == [("unix", f"{workload.work}/test.sock")]
    if "port6" in workload.facts:
        assert workload.sql(
            "SELECT addr FROM events WHERE event = 'net_bind' AND family = 'inet6' AND pid = ?",
            [pid],
        ) == [("::1",)]


def test_socket_creation_with_family_type_and_protocol(workload: Recording) -> None:
    rows = workload.sql(
        "SELECT family, socket_type, protocol, flags, fd = retval AND fd >= 0 FROM events "
        "WHERE event = 'net_socket' AND pid = ? ORDER BY time",
        [workload.facts["pid"]],
    )
    stream = [("inet", "stream", 0, SOCK_CLOEXEC, True)]
    assert rows == [
        *stream * 3,  # server, client, second client
        ("unix", "stream", 0, SOCK_CLOEXEC, True),
        *([("inet6", "stream", 0, SOCK_CLOEXEC, True)] if "port6" in workload.facts else []),
        *stream,  # listens unbound
        ("inet", "raw", socket.IPPROTO_ICMP, SOCK_CLOEXEC, True),
        ("packet", "raw", 3, SOCK_CLOEXEC, True),  # ETH_P_ALL, in host order
    ]


def _ns(t: datetime.datetime) -> int:
    return round(t.timestamp()) * 10**9 + t.microsecond * 1000


def test_file_times_set(workload: Recording) -> None:
    stamped = f"{workload.work}/stamped.txt"
    rows = workload.sql(
        "SELECT syscall, path, fd, atime, mtime, atime = time, mtime = time, retval FROM events "
        "WHERE event = 'file_utime' AND pid = ? ORDER BY time",
        [workload.facts["pid"]],
    )
    assert len(rows) == 6
    got = [
        (r[0], r[1], r[2], r[3] and _ns(r[3]), r[4] and _ns(r[4]), r[5], r[6], r[7]) for r in rows
    ]
    fd = workload.facts["stamped_fd"]
    assert got == [
        # os.utime(path, ns=...): microseconds survive in the column (ns precision is kept)
        ("utimensat", stamped, None, 946_684_800_123_456_000, 946_684_800 * 10**9, False, False, 0),
        # UTIME_OMIT: atime left as it is (null); UTIME_NOW: the event's own time
        ("utimensat", stamped, None, None, got[1][4], None, True, 0),
        ("utimes", stamped, None, 978_307_200_250_000_000, 978_307_201 * 10**9, False, False, 0),
        # no times at all: both now; the relative path is made absolute
        ("futimesat", stamped, None, got[3][3], got[3][4], True, True, 0),
        ("utime", stamped, None, 1_009_843_200 * 10**9, 1_009_843_201 * 10**9, False, False, 0),
        # futimens: no path, the fd
        ("utimensat", None, fd, 1_041_379_200 * 10**9, 1_041_379_200 * 10**9, False, False, 0),
    ]  # fmt: skip
    # Exactly: the nanoseconds of the first call are kept.
    assert workload.sql(
        "SELECT epoch_ns(atime) FROM events WHERE event = 'file_utime' AND pid = ? "
        "ORDER BY time LIMIT 1",
        [workload.facts["pid"]],
    ) == [(946_684_800_123_456_789,)]


def test_bpf_program_and_map_loads(workload: Recording) -> None:
    assert workload.sql(
        "SELECT flags, bpf_type, length, name, retval FROM events WHERE event = 'bpf' "
        "AND pid = ? ORDER BY time",
        [workload.facts["pid"]],
    ) == [
        (0, "array", 0, "tracee_map", workload.facts["map_fd"]),  # BPF_MAP_CREATE
        (5, "socket_filter", 2, "tracee_prog", workload.facts["prog_fd"]),  # BPF_PROG_LOAD
    ]


def test_comm_changes_and_no_row_for_exec_s_own(workload: Recording) -> None:
    tid = workload.facts["tid"]
    # Every exec of the recording renames its task too: none of them is a row.
    assert workload.sql(
        "SELECT syscall, pid, target_pid, comm, old_name, name FROM events "
        "WHERE event = 'comm_change' ORDER BY time"
    ) == [
        ("prctl", workload.facts["pid"], tid, workload.facts["comm"], workload.facts["comm"],
         "tracee-renamed"),
        ("write", workload.facts["pid"], tid, "tracee-renamed", "tracee-renamed", "tracee-comm2"),
    ]  # fmt: skip


def test_nested_shell_exit_codes_and_parents(workload: Recording) -> None:
    outer = workload.one(
        "SELECT process_id, pid FROM events WHERE event = 'process_exec' "
        "AND argv = ['/bin/sh', '-c', '/bin/sh -c \"exit 5\"; exit 9']"
    )
    inner = workload.one(
        "SELECT process_id, parent_process_id FROM events WHERE event = 'process_exec' "
        "AND argv = ['/bin/sh', '-c', 'exit 5']"
    )
    assert inner[1] == outer[0]
    assert workload.sql(
        "SELECT exit_code, signal FROM events WHERE event = 'process_exit' AND process_id = ?",
        [inner[0]],
    ) == [(5, None)]
    assert workload.sql(
        "SELECT exit_code FROM events WHERE event = 'process_exit' AND process_id = ?",
        [outer[0]],
    ) == [(9,)]


def test_signal_death_is_negative_exit_code(workload: Recording) -> None:
    (pid_id,) = workload.one(
        "SELECT process_id FROM events WHERE event = 'process_exec' "
        "AND argv = ['/bin/sh', '-c', 'kill -9 $$']"
    )
    assert workload.sql(
        "SELECT exit_code, signal FROM events WHERE event = 'process_exit' AND process_id = ?",
        [pid_id],
    ) == [(-9, 9)]


def test_signal_death_names_the_signal_sent_not_the_sigkill_it_became(
    workload: Recording,
) -> None:
    """SIGTERM and SIGHUP with their default action reach the process as SIGKILL (the
    kernel makes a group exit of them); the exit row still says 15 and 1."""
    for argv, sig in (
        (["/bin/sh", "-c", "kill -TERM $$"], 15),
        (["/bin/sh", "-c", "kill -HUP $$"], 1),
        (["/bin/sleep", "30"], 15),  # killed by another process
    ):
        (process_id,) = workload.one(
            "SELECT process_id FROM events WHERE event = 'process_exec' AND argv = ?", [argv]
        )
        assert workload.sql(
            "SELECT exit_code, signal FROM events WHERE event = 'process_exit' AND process_id = ?",
            [process_id],
        ) == [(-sig, sig)], argv


def test_signal_death_sent_to_one_thread_or_handled_first(workload: Recording) -> None:
    """SIGTERM sent with tgkill to a thread that is not the leader kills the group and is
    recorded as 15, whichever thread meets its SIGKILL first; a SIGTERM caught by a
    handler, then a SIGKILL, is recorded as 9."""
    for marker, sig in (("tgkill-test", 15), ('trap ":" TERM', 9)):
        (process_id,) = workload.one(
            "SELECT process_id FROM events WHERE event = 'process_exec' "
            "AND contains(array_to_string(argv, ' '), ?)",
            [marker],
        )
        assert workload.sql(
            "SELECT exit_code, signal FROM events WHERE event = 'process_exit' AND process_id = ?",
            [process_id],
        ) == [(-sig, sig)], marker


def test_argv_with_spaces_survives_exactly(workload: Recording) -> None:
    assert workload.sql(
        "SELECT argv FROM events WHERE event = 'process_exec' AND path = '/bin/echo'"
    ) == [(["/bin/echo", "hello world", "a  b", ""],)]


def test_failed_exec_recorded_with_retval(workload: Recording) -> None:
    rows = workload.sql(
        "SELECT retval, exe_sha256 FROM events WHERE event = 'process_exec' AND path = ?",
        [f"{workload.work}/no-such-binary"],
    )
    assert rows == [(-2, None)]


def test_ld_preload_in_exec_environment(workload: Recording) -> None:
    assert workload.sql(
        "SELECT env FROM events WHERE event = 'process_exec' AND path = '/bin/true' "
        "AND env IS NOT NULL"
    ) == [(["LD_PRELOAD=/nonexistent/tracee-test.so"],)]


def test_exe_sha256_matches_the_file(workload: Recording) -> None:
    import hashlib

    digest = hashlib.sha256(open("/bin/true", "rb").read()).hexdigest()  # noqa: SIM115
    hashes = workload.sql(
        "SELECT DISTINCT exe_sha256 FROM events WHERE event = 'process_exec' AND path = '/bin/true'"
    )
    assert hashes == [(digest,)]


def test_privilege_and_system_events(workload: Recording) -> None:
    pid, child = workload.facts["pid"], workload.facts["traceme_child"]
    assert workload.sql(
        "SELECT syscall, new_uid, retval FROM events WHERE event = 'cred_change' AND pid = ?",
        [pid],
    ) == [("setuid", os.getuid(), 0)]
    assert workload.sql(
        "SELECT target_pid, signal FROM events WHERE event = 'kill' AND pid = ?", [pid]
    ) == [(pid, 0)]
    assert workload.sql(
        "SELECT flags, target_pid FROM events WHERE event = 'ptrace' AND pid = ?", [child]
    ) == [(0, 0)]
    assert workload.sql(
        "SELECT flags, retval FROM events WHERE event = 'unshare' AND pid = ?", [child]
    ) == [(0x04000000, 0)]
    assert workload.sql(
        "SELECT flags, retval FROM events WHERE event = 'mprotect_exec' AND pid = ? AND flags = 5",
        [pid],
    ) == [(5, workload.facts["mprotect_rc"])]


def test_real_and_saved_ids_capabilities_and_fchdir_fd_are_stored(workload: Recording) -> None:
    """What these calls capture reaches columns (they were once captured and dropped)."""
    child = workload.facts["cred_child"]
    (ruid, euid, suid), (rgid, egid, sgid) = workload.facts["resuid"], workload.facts["resgid"]
    assert workload.sql(
        "SELECT syscall, new_uid, real_uid, saved_uid, new_gid, real_gid, saved_gid, flags, "
        "retval FROM events WHERE event = 'cred_change' AND pid = ? ORDER BY time",
        [child],
    ) == [
        ("setresuid", euid, ruid, suid, None, None, None, None, 0),
        ("setresgid", None, None, None, egid, rgid, sgid, None, 0),
        ("capset", None, None, None, None, None, None, workload.facts["effective_caps"], 0),
    ]
    assert workload.sql(
        "SELECT syscall, fd, path, retval FROM events WHERE event = 'chdir' AND pid = ?", [child]
    ) == [("fchdir", workload.facts["work_fd"], None, 0)]


def test_threads_are_not_processes(workload: Recording) -> None:
    pid, tid = workload.facts["pid"], workload.facts["thread_tid"]
    rows = workload.sql(
        "SELECT pid, tid FROM events WHERE event = 'file_open' AND path LIKE '%from-thread.txt'"
    )
    assert rows == [(pid, tid)]
    assert workload.sql(
        "SELECT count(*) FROM events WHERE event = 'process_fork' AND pid = ?", [tid]
    ) == [(0,)]


def test_the_recorder_records_only_the_command_subtree(workload: Recording) -> None:
    (root_id,) = workload.one(
        "SELECT process_id FROM events WHERE event = 'process_exec' AND pid = ?",
        [workload.facts["pid"]],
    )
    # Every non-snapshot row belongs to the command or one of its descendants.
    rows = workload.sql(
        """
        WITH RECURSIVE tree(process_id) AS (
            SELECT ?::UBIGINT
            UNION
            SELECT e.process_id FROM events e JOIN tree t ON e.parent_process_id = t.process_id
            WHERE e.event = 'process_fork'
        )
        SELECT count(*) FROM events
        WHERE event <> 'process_snapshot' AND process_id NOT IN (SELECT process_id FROM tree)
        """,
        [root_id],
    )
    assert rows == [(0,)]
    recorder_pid = workload.sql(
        "SELECT DISTINCT ppid FROM events WHERE event = 'process_fork' AND process_id = ?",
        [root_id],
    )
    assert len(recorder_pid) == 1


def test_files_are_private_and_no_events_lost(workload: Recording) -> None:
    for path in (workload.data / "events").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert workload.stats("SELECT coalesce(sum(value), 0) FROM stats WHERE metric = 'lost'") == [
        (0,)
    ]
    events = workload.sql("SELECT count(*) FROM events")[0][0]
    counted = workload.stats("SELECT sum(value) FROM stats WHERE metric = 'events'")[0][0]
    assert counted == events


def test_the_kernel_s_capabilities_are_recorded_with_the_run(workload: Recording) -> None:
    rows = dict(
        (kind, (value, detail))
        for kind, value, detail in workload.stats(
            "SELECT kind, value, detail FROM stats WHERE metric = 'capability'"
        )
    )
    assert rows["kernel"] == (1, platform.release())
    assert rows["syscall_hooks"][1] in ("tracepoint", "fast")
    assert rows["exit_group_dead"][1] in ("tracepoint", "btf", "headers")
    tracefs = tracefs_root()
    assert tracefs is not None
    modules = (tracefs / "events" / "syscalls" / "sys_enter_finit_module").is_dir()
    assert rows["modules"][0] == int(modules)
    assert rows["socket_addresses"] == (1, None)  # listen's and accept's from the socket
