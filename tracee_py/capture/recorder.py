"""The recorder: probes -> ring buffer -> decoder -> process table -> Parquet writer.

Four threads: the caller's (control: command, signals, status); the drain thread, which
only copies records out of the ring buffer (cheap, so the ring is emptied on time even
when the node's processes take every core); the decode thread, which turns the copied
records into Arrow tables in batches of a useful size; and the writer thread (Parquet and
zstd, which release the GIL). The drain never waits on the decoder or the disk: during a
burst the copied records wait in a bounded backlog instead of the kernel dropping them.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import shutil
import signal
import socket
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from tracee_py.capture.decode import BatchDecoder
from tracee_py.capture.loader import LoadedProgram, ProgramPlan, lost_by_label, plan_program
from tracee_py.capture.ringbuf import RingBufferReader
from tracee_py.capture.settings import CaptureSettings
from tracee_py.capture.wire import SLOT_SIZE
from tracee_py.enrich.hashing import ExeHasher
from tracee_py.enrich.procfs import boot_id as read_boot_id
from tracee_py.enrich.proctable import ContainerLookup, ProcessTable
from tracee_py.errors import StoreError, UsageError
from tracee_py.store.layout import make_private_dirs
from tracee_py.store.rows import events_from_rows
from tracee_py.store.ship import BackgroundShipper, ShipProgress
from tracee_py.store.writer import ClosedFile, EventWriter, StatsWriter, WriterSettings

# The drain thread reads the ring, then sleeps on it until the kernel side wakes it (a CPU
# submitted settings.wake_every records) or this long has passed: a few wake-ups a second
# when the node is quiet, each of which costs about 0.1 ms of CPU on a VM.
DRAIN_IDLE_S = 0.2
DRAIN_INTERVAL_S = 0.02  # pause when the decoder is behind, or while stopping
MAX_QUEUED_BATCHES = 64
# Raw records waiting for the decoder, at most. Only a burst fills it (1M events take about
# 360 MB); when it is full the drain stops and the kernel counts what it drops as lost.
BACKLOG_MAX_BYTES = 512 << 20
# Every decode has a cost per column, whatever its rows. Thirty make -j2 builds: the
# recorder used 99-104 cs with 4k-record batches, 91-92 with 8k, 89-90 with 16k; steady
# RSS at 100k events/s was 215, 228 and 238 MB (benchmarks/README.md). Events still reach
# the writer, which writes a row group a second, within about half a second.
DECODE_MIN_RECORDS = 8192  # decode once this many records wait ...
DECODE_MAX_WAIT_S = 0.5  # ... or they have waited this long
DECODE_MAX_RECORDS = 1 << 16  # and at most this many at a time
# Nice levels the pipeline threads (drain, decode, writer) run above normal. During a
# syscall storm the processes causing it take every core; unless the recorder gets the CPU
# first, the kernel ring overflows and events are lost (auditd boosts itself for the same
# reason). Its CPU use is small and proportional to the event rate.
PRIORITY_BOOST = 10
# How long a thread may hold the GIL while another waits (Python's default is 5 ms). The
# decode thread runs long stretches of Python; at 5 ms the drain thread waited so long for
# its turn during a 1M-event burst that a 32 MiB ring overflowed (2.5% lost); at 1 ms a
# 16 MiB ring kept every event (benchmarks/README.md, "Capture").
GIL_SWITCH_INTERVAL_S = 0.001


@dataclass
class RecordOptions:
    data: Path
    node: str
    capture: CaptureSettings
    writer: WriterSettings = field(default_factory=WriterSettings)
    duration: float | None = None
    command: list[str] | None = None
    ready_file: Path | None = None
    hash_max_bytes: int = 64 << 20
    max_size: int | None = None
    max_age_seconds: float | None = None
    containers: ContainerLookup | None = None
    on_started: Callable[[LoadedProgram], None] | None = None
    priority_boost: int = PRIORITY_BOOST
    ship_to: str | None = None  # ship each file as it closes (store/ship.py)
    ship_endpoint: str | None = None
    ship_final_timeout: float = 120.0  # the last round, after capture has stopped


@dataclass
class RecordStatus:
    elapsed: float = 0.0
    events: int = 0
    events_per_s: float = 0.0
    lost: int = 0
    files: int = 0
    bytes: int = 0
    processes: int = 0
    command_pid: int | None = None
    shipping: ShipProgress | None = None  # with --ship-to


@dataclass
class RecordResult:
    run_id: str
    events: int
    kinds: Counter[str]
    lost: dict[str, int]
    files: list[ClosedFile]
    compile_seconds: float
    exit_code: int | None  # the recorded command's, when there was one
    decode_errors: int
    error: str | None = None
    shipping: ShipProgress | None = None


@dataclass
class _Session:
    """What one run builds before its threads start, built in one place (Recorder._open);
    every other method reads it from here."""

    boot_id: str
    boot_wall_ns: int
    table: ProcessTable
    writer: EventWriter
    stats: StatsWriter
    program: LoadedProgram
    reader: RingBufferReader
    decoder: BatchDecoder


class Recorder:
    def __init__(self, options: RecordOptions) -> None:
        self.options = options
        self.run_id = uuid.uuid4().hex[:12]
        self._stop = threading.Event()
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(MAX_QUEUED_BATCHES)
        self._backlog = RecordBacklog(BACKLOG_MAX_BYTES)
        self._error: BaseException | None = None
        self._events = 0
        self._kinds: Counter[str] = Counter()
        self._lost_total: dict[str, int] = {}
        self._lost_reported: dict[str, int] = {}
        self._interval_start_ns = time.time_ns()
        self._lock = threading.Lock()
        self.status = RecordStatus()
        self._lost_read_at = float("-inf")  # when _update_status last read the lost counts
        self._child: PausedChild | None = None
        self._session: _Session | None = None
        self._shipper: BackgroundShipper | None = None

    @property
    def program(self) -> LoadedProgram | None:
        return self._session.program if self._session is not None else None

    # -- control ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the recorder to flush and finish (safe from signal handlers)."""
        self._stop.set()

    def forward_signal(self, signum: int) -> None:
        if self._child is not None and self._child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self._child.send_signal(signum)
        else:
            self.stop()

    def run(self, on_status: Callable[[RecordStatus], None] | None = None) -> RecordResult:
        opts = self.options
        follow = opts.command is not None
        settings = opts.capture
        if follow and not settings.follow:
            settings = CaptureSettings(**{**settings.__dict__, "follow": True})
        # Not root, no BPF, no ring buffer, no tracefs: say so before touching disk.
        plan = plan_program(settings)
        self._check_data_dir(opts.data)
        if opts.command is not None:
            PausedChild.resolve(opts.command)
        if opts.ship_to is not None:
            # Before any file closes: the ledger directory turns on retention's guard.
            self._shipper = BackgroundShipper(
                opts.data, opts.ship_to, endpoint_url=opts.ship_endpoint
            ).start()
        session = self._session = self._open(settings, plan)
        program, reader, table, writer = (
            session.program,
            session.reader,
            session.table,
            session.writer,
        )
        self._write_capabilities(plan)
        started = time.monotonic()
        exit_code: int | None = None
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        try:
            now = time.time_ns()
            if follow:
                assert opts.command is not None
                child, release = self._spawn_paused(opts.command)
                program.follow(child.pid)
                rows = table.snapshot(now, only={os.getpid()})
                rows.append(
                    table.add_synthetic_fork(
                        time_ns=now, parent_pid=os.getpid(), child_pid=child.pid
                    )
                )
            else:
                rows = table.snapshot(now)
            self._queue.put(events_from_rows(rows))
            self._count(rows)
            drain = threading.Thread(
                target=self._drain_loop, args=(reader,), name="drain", daemon=True
            )
            decode = threading.Thread(
                target=self._decode_loop, args=(session.decoder,), name="decode", daemon=True
            )
            write = threading.Thread(target=self._write_loop, name="writer", daemon=True)
            drain.start()
            decode.start()
            write.start()
            if opts.on_started:
                opts.on_started(program)
            self._announce_ready()
            if follow:
                release()
            deadline = started + opts.duration if opts.duration else None
            while not self._stop.is_set():
                if self._error is not None:
                    break
                if self._child is not None and self._child.poll() is not None:
                    exit_code = self._child.returncode
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    break
                self._update_status(started, reader, on_status)
                self._stop.wait(0.25)
            if self._child is not None:
                exit_code = self._finish_child()
            # Let in-flight events of the last processes reach the ring buffer.
            time.sleep(0.05)
            self._stop.set()
            drain.join()
            decode.join()
            self._queue.put(None)
            write.join()
        finally:
            reader.close()
            lost = lost_by_label(program.lost_counts())
            program.close()
            try:
                writer.close(close_manifest=False)
            except StoreError as exc:
                self._error = self._error or exc
            self._write_interval_stats(time.time_ns(), lost, closed=None, final=True)
            writer.manifest.close()
            shipping = (
                self._shipper.close(opts.ship_final_timeout) if self._shipper is not None else None
            )
            if opts.containers is not None:
                opts.containers.close()
            if opts.ready_file is not None:
                opts.ready_file.unlink(missing_ok=True)
            sys.setswitchinterval(switch_interval)
        self._update_status(started, None, on_status)
        if isinstance(self._error, StoreError):
            raise self._error
        if self._error is not None:
            raise self._error
        return RecordResult(
            run_id=self.run_id,
            events=self._events,
            kinds=self._kinds,
            lost=lost,
            files=writer.closed_files,
            compile_seconds=program.info.seconds,
            exit_code=exit_code,
            decode_errors=session.decoder.decode_errors,
            shipping=shipping,
        )

    def _open(self, settings: CaptureSettings, plan: ProgramPlan) -> _Session:
        """Everything a run needs, in order: process table, writers, the loaded programs
        (compiled here), the ring-buffer reader and the decoder."""
        opts = self.options
        boot = read_boot_id()
        boot_wall_ns = time.time_ns() - time.clock_gettime_ns(time.CLOCK_BOOTTIME)
        table = ProcessTable(
            node=opts.node,
            boot_id=boot,
            boot_wall_ns=boot_wall_ns,
            hasher=ExeHasher(opts.hash_max_bytes),
            containers=opts.containers,
        )
        writer = EventWriter(opts.data, opts.node, self.run_id, opts.writer, self._on_close)
        stats = StatsWriter(opts.data, opts.node, manifest=writer.manifest)
        if opts.ready_file is not None:
            opts.ready_file.unlink(missing_ok=True)  # a stale one from an earlier run
        # Arrow's default pool (mimalloc) keeps what the decode thread allocates and the
        # writer thread frees: measured at 100k events/s, the system allocator holds 30 MB
        # less in steady state, half the peak after a burst, and decodes faster
        # (benchmarks/README.md, "Capture").
        pa.set_memory_pool(pa.system_memory_pool())
        program = LoadedProgram(settings, plan)
        _release_compiler_memory()
        return _Session(
            boot_id=boot,
            boot_wall_ns=boot_wall_ns,
            table=table,
            writer=writer,
            stats=stats,
            program=program,
            reader=RingBufferReader(program.ring_fd, program.ring_size),
            decoder=BatchDecoder(table, boot_wall_ns),
        )

    # -- threads ---------------------------------------------------------------------------

    def _drain_loop(self, reader: RingBufferReader) -> None:
        _boost_priority(self.options.priority_boost)
        try:
            # On stop, everything the kernel produced up to that moment is still read; what
            # comes after (a node under load never goes quiet) is left in the ring.
            final_position: int | None = None
            while self._error is None:
                if final_position is None and self._stop.is_set():
                    final_position = reader.producer_position()
                copied = 0
                if not self._backlog.full():
                    batch = reader.read_batch()
                    copied = len(batch)
                    if copied:
                        self._backlog.put(batch)
                if final_position is not None and reader.consumer_position() >= final_position:
                    return
                if final_position is not None or self._backlog.full():
                    time.sleep(DRAIN_INTERVAL_S)
                elif copied < reader.size // SLOT_SIZE // 2:
                    reader.wait(DRAIN_IDLE_S)  # else the ring was filling: read again now
        except BaseException as exc:  # surfaced by run()
            self._error = exc
            self._stop.set()
        finally:
            self._backlog.close()

    def _decode_loop(self, decoder: BatchDecoder) -> None:
        _boost_priority(self.options.priority_boost)
        try:
            while (batch := self._backlog.take()) is not None:
                table = decoder.decode(batch)
                self._queue.put(table)
                self._count_kinds(decoder.last_counts, table.num_rows)
        except BaseException as exc:  # surfaced by run()
            self._error = exc  # the drain thread stops on it too
            self._stop.set()

    def _write_loop(self) -> None:
        _boost_priority(self.options.priority_boost)
        assert self._session is not None
        writer = self._session.writer
        last_tick = time.monotonic()
        while True:
            try:
                item = self._queue.get(timeout=0.5)
            except queue.Empty:
                item = ...
            try:
                if item is None:
                    return
                if isinstance(item, pa.Table):
                    writer.write(item)
                if time.monotonic() - last_tick >= 1.0:
                    writer.tick()
                    last_tick = time.monotonic()
            except StoreError as exc:
                self._error = exc
                self._stop.set()
                # Keep consuming so the drain thread never blocks on a full queue.
                while self._queue.get() is not None:
                    pass
                return

    # -- bookkeeping -----------------------------------------------------------------------

    def _count(self, rows: list[dict[str, Any]]) -> None:
        self._count_kinds(Counter(row["event"] for row in rows), len(rows))

    def _count_kinds(self, counts: Counter[str], rows: int) -> None:
        with self._lock:
            self._kinds.update(counts)
            self._events += rows

    def _on_close(self, closed: ClosedFile) -> None:
        lost = lost_by_label(self.program.lost_counts()) if self.program else {}
        self._write_interval_stats(time.time_ns(), lost, closed=closed, final=False)
        if self._shipper is not None:
            self._shipper.notify()
        if self.options.max_size is not None or self.options.max_age_seconds is not None:
            self._enforce_retention()

    def _enforce_retention(self) -> None:
        from tracee_py.store import retention

        report = retention.enforce(
            self.options.data,
            self.options.node,
            max_bytes=self.options.max_size,
            max_age_seconds=self.options.max_age_seconds,
        )
        if report.files_removed:
            now = time.time_ns()
            self._session_now().stats.write_rows(
                [
                    self._stat_row(now, now, "retention_removed_files", None, report.files_removed),
                    self._stat_row(now, now, "retention_removed_bytes", None, report.bytes_removed),
                ]
            )

    def _stat_row(
        self,
        start: int,
        end: int,
        metric: str,
        kind: str | None,
        value: int,
        detail: str | None = None,
    ) -> dict[str, Any]:
        return {
            "interval_start": start,
            "interval_end": end,
            "node": self.options.node,
            "boot_id": self._session_now().boot_id,
            "run_id": self.run_id,
            "metric": metric,
            "kind": kind,
            "value": int(value),
            "detail": detail,
        }

    def _write_interval_stats(
        self, now: int, lost: dict[str, int], closed: ClosedFile | None, final: bool
    ) -> None:
        with self._lock:
            start = self._interval_start_ns
            self._interval_start_ns = now
            rows = []
            if closed is not None:
                for kind, n in sorted(closed.kinds.items()):
                    rows.append(self._stat_row(start, now, "events", kind, n))
                rows.append(self._stat_row(start, now, "files", None, 1))
                rows.append(self._stat_row(start, now, "bytes", None, closed.bytes))
            for kind, total in sorted(lost.items()):
                delta = total - self._lost_reported.get(kind, 0)
                if delta:
                    rows.append(self._stat_row(start, now, "lost", kind, delta))
                    self._lost_reported[kind] = total
            self._lost_total = dict(lost)
            api = self._api_status()
            if api is not None:
                rows.append(self._stat_row(start, now, "kubernetes_api", None, int(api[0]), api[1]))
            if self._shipper is not None:
                # Cumulative, as of this interval's end: verified remotely, and not yet.
                ship = self._shipper.progress()
                target = self._shipper.url
                rows.append(self._stat_row(start, now, "shipped_files", None, ship.shipped, target))
                rows.append(self._stat_row(start, now, "ship_pending_files", None, ship.pending))
                if ship.error:
                    rows.append(self._stat_row(start, now, "ship_error", None, 1, ship.error))
            if final:
                errors = self._session_now().decoder.decode_errors
                if errors:
                    rows.append(self._stat_row(start, now, "decode_errors", None, errors))
                if isinstance(self._error, StoreError):
                    rows.append(
                        self._stat_row(start, now, "write_error", None, 1, str(self._error))
                    )
        if rows:
            try:
                self._session_now().stats.write_rows(rows)
            except StoreError as exc:
                self._error = self._error or exc

    def _write_capabilities(self, plan: ProgramPlan) -> None:
        """What this kernel gave the recording, as ``capability`` rows of ``stats``."""
        now = time.time_ns()
        rows = [
            self._stat_row(now, now, "capability", name, ok, detail or None)
            for name, ok, detail in plan.kernel.capabilities(plan.hooks)
        ]
        try:
            self._session_now().stats.write_rows(rows)
        except StoreError as exc:
            self._error = self._error or exc

    def _session_now(self) -> _Session:
        """The session of the run under way (the methods below run only inside one)."""
        assert self._session is not None, "not running"
        return self._session

    def _api_status(self) -> tuple[bool, str] | None:
        lookup = self.options.containers
        return lookup.api_status() if lookup is not None else None

    def _update_status(
        self,
        started: float,
        reader: RingBufferReader | None,
        on_status: Callable[[RecordStatus], None] | None,
    ) -> None:
        elapsed = time.monotonic() - started
        st = self.status
        prev_events, prev_elapsed = st.events, st.elapsed
        with self._lock:
            st.events = self._events
        st.elapsed = elapsed
        dt = elapsed - prev_elapsed
        if dt > 0:
            st.events_per_s = (st.events - prev_events) / dt
        if self.program is not None and reader is not None and elapsed >= self._lost_read_at + 1:
            # Once a second: reading the per-CPU counters is 128 map lookups.
            st.lost = sum(self.program.lost_counts().values())
            self._lost_read_at = elapsed
        files = self._session_now().writer.closed_files
        st.files = len(files)
        st.bytes = sum(f.bytes for f in files)
        st.command_pid = self._child.pid if self._child else None
        st.shipping = self._shipper.progress() if self._shipper is not None else None
        if on_status is not None:
            on_status(st)

    # -- the recorded command ---------------------------------------------------------------

    def _spawn_paused(self, command: list[str]) -> tuple[PausedChild, Callable[[], None]]:
        """Start CMD stopped before exec, so it can be followed before it runs."""
        child = PausedChild.spawn(command)
        self._child = child
        return child, child.release

    def _finish_child(self) -> int:
        assert self._child is not None
        code = self._child.wait()
        return 128 - code if code < 0 else code

    def _announce_ready(self) -> None:
        ready = self.options.ready_file
        if ready is not None:
            ready.parent.mkdir(parents=True, exist_ok=True)
            ready.write_text(f"{os.getpid()}\n")
        notify = os.environ.get("NOTIFY_SOCKET")
        if notify:
            addr = "\0" + notify[1:] if notify.startswith("@") else notify
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                try:
                    s.connect(addr)
                    s.sendall(b"READY=1")
                except OSError:
                    pass

    @staticmethod
    def _check_data_dir(data: Path) -> None:
        try:
            make_private_dirs(data)
        except OSError as exc:
            raise StoreError(f"cannot create data directory {data}: {exc.strerror}") from exc
        if not os.access(data, os.W_OK | os.X_OK):
            raise StoreError(f"data directory {data} is not writable")


def _boost_priority(boost: int) -> None:
    """Lower the calling thread's nice value by ``boost`` (best effort: it needs root or
    CAP_SYS_NICE). Only the pipeline threads: the command the recorder starts is forked by
    the main thread and keeps the normal priority."""
    if boost <= 0:
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, tid, max(-20, os.getpriority(os.PRIO_PROCESS, tid) - boost))


_MADV_PAGEOUT = 21
_COMPILER_LIBRARIES = ("libLLVM", "libclang")


def _release_compiler_memory() -> None:
    """bcc compiles with clang/LLVM inside this process, once, at start. Give back what that
    left resident: the heap it freed (glibc keeps it) and the pages of the LLVM and clang
    libraries (about 90 MB together; clean file pages, read back from the page cache if
    bcc ever runs that code again)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.malloc_trim(0)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split()
                if len(fields) < 6 or not any(lib in fields[5] for lib in _COMPILER_LIBRARIES):
                    continue
                lo, hi = (int(x, 16) for x in fields[0].split("-"))
                libc.madvise(lo, hi - lo, _MADV_PAGEOUT)  # best effort: errors are ignored
    except (OSError, AttributeError):
        pass  # not glibc, or no /proc: nothing released, nothing broken


class RecordBacklog:
    """Batches of raw records copied out of the ring buffer, waiting for the decoder.

    ``take`` hands them over in decoder-sized pieces: once enough records wait (fewer,
    larger batches cost less to decode) or the oldest has waited long enough.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._batches: deque[np.ndarray] = deque()
        self._records = 0
        self._bytes = 0
        self._closed = False
        self._cond = threading.Condition()

    def full(self) -> bool:
        return self._bytes >= self.max_bytes

    def put(self, batch: np.ndarray) -> None:
        with self._cond:
            self._batches.append(batch)
            self._records += len(batch)
            self._bytes += batch.nbytes
            if self._records >= DECODE_MIN_RECORDS:
                self._cond.notify()

    def close(self) -> None:
        """No more batches will come; ``take`` returns None once the rest is taken."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def take(self) -> np.ndarray | None:
        with self._cond:
            deadline = time.monotonic() + DECODE_MAX_WAIT_S
            while not self._closed and self._records < DECODE_MIN_RECORDS:
                left = deadline - time.monotonic()
                if left <= 0 and self._records:
                    break
                self._cond.wait(left if left > 0 else DECODE_MAX_WAIT_S)
            if not self._batches:
                return None  # closed and empty
            parts, n = [], 0
            while self._batches and n < DECODE_MAX_RECORDS:
                part = self._batches.popleft()
                if n + len(part) > DECODE_MAX_RECORDS:
                    part, rest = part[: DECODE_MAX_RECORDS - n], part[DECODE_MAX_RECORDS - n :]
                    self._batches.appendleft(rest)
                parts.append(part)
                n += len(part)
            self._records -= n
            self._bytes -= sum(p.nbytes for p in parts)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]


class PausedChild:
    """A forked child that waits on a pipe before it execs the command.

    ``subprocess.Popen`` cannot do this: it waits for the exec to happen before returning,
    and the exec must wait until the child's pid is in the kernel's follow map.
    """

    def __init__(self, pid: int, go_fd: int) -> None:
        self.pid = pid
        self._go_fd = go_fd
        self.returncode: int | None = None

    @staticmethod
    def resolve(command: list[str]) -> str:
        """The executable CMD names, or a clear error before anything is started."""
        if not command:
            raise UsageError("no command given after --")
        exe = command[0] if "/" in command[0] else shutil.which(command[0])
        if exe is None or not os.path.exists(exe):
            raise UsageError(f"command not found: {command[0]}")
        if not os.access(exe, os.X_OK) or os.path.isdir(exe):
            raise UsageError(f"command not executable: {command[0]}")
        return exe

    @classmethod
    def spawn(cls, command: list[str]) -> PausedChild:
        exe = cls.resolve(command)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: wait for the go, then become the command
            try:
                os.close(w)
                if not os.read(r, 1):
                    os._exit(125)  # the recorder went away before releasing us
                os.close(r)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.execv(exe, command)
            except BaseException:
                os._exit(127)
        os.close(r)
        return cls(pid, w)

    def release(self) -> None:
        os.write(self._go_fd, b"g")
        os.close(self._go_fd)

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)
