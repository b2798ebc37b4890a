"""``tracee-py record``: capture the node (or one command) into the dataset."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import typer
from rich.live import Live
from rich.table import Table
from rich.text import Text

from tracee_py.capture.kernel import Hooks
from tracee_py.capture.settings import DEFAULT_RINGBUF_MB, CaptureSettings, parse_kinds
from tracee_py.cli.common import status, warn
from tracee_py.cli.console import err_console, out_console
from tracee_py.enrich.containers import cgroup_filter_id
from tracee_py.errors import UsageError
from tracee_py.store.layout import validate_node_name
from tracee_py.store.ship import ShipProgress
from tracee_py.store.writer import WriterSettings
from tracee_py.units import human_bytes, parse_duration, parse_size


def default_data_dir() -> Path:
    return Path(os.environ.get("TRACEE_PY_DATA", "./tracee-data"))


def default_node() -> str:
    return os.environ.get("NODE_NAME") or socket.gethostname().split(".")[0]


def record(
    command: list[str] | None = typer.Argument(
        None, help="After `--`: a command to run and record with all its descendants."
    ),
    data: Path = typer.Option(
        None, "--data", "-d", help="Data directory [env TRACEE_PY_DATA, default ./tracee-data]."
    ),
    node: str = typer.Option(None, "--node", help="Node name [env NODE_NAME, default hostname]."),
    duration: str = typer.Option(None, "--duration", help="Stop after this long (30, 10m, 2h)."),
    ready_file: Path = typer.Option(
        None, "--ready-file", help="Created once every probe is attached."
    ),
    events: str = typer.Option(
        None,
        "--events",
        "-e",
        help="Kinds to record: names (file_open,net_connect) or families "
        "(process,file,net,system). Lifecycle is always on.",
    ),
    uid: int = typer.Option(None, "--uid", help="Only processes with this uid."),
    comm: str = typer.Option(
        None, "--comm", help="Only tasks with this comm (exact, up to 15 bytes)."
    ),
    cgroup: str = typer.Option(
        None, "--cgroup", help="Only this cgroup: a cgroup v2 id or directory."
    ),
    container: str = typer.Option(
        None, "--container", help="Only this container (id or unique id prefix)."
    ),
    rotate: str = typer.Option("60s", "--rotate", help="Close a data file after this long."),
    rotate_size: str = typer.Option("64M", "--rotate-size", help="Close a data file at this size."),
    max_size: str = typer.Option(
        None,
        "--max-size",
        help="Retention: keep the node's data under this size (oldest closed files go first).",
    ),
    max_age: str = typer.Option(
        None, "--max-age", help="Retention: remove closed files older than this (e.g. 7d)."
    ),
    ringbuf_mb: int = typer.Option(
        DEFAULT_RINGBUF_MB,
        "--ringbuf-mb",
        help="Ring buffer size in MiB (power of two). The default holds a burst of 1M events "
        "on 2 cores with nothing lost; more only helps slower drains.",
    ),
    hash_max: str = typer.Option(
        "64M", "--hash-max", help="Hash executables up to this size (0 disables)."
    ),
    boost: bool = typer.Option(
        True,
        "--boost/--no-boost",
        help="Run the drain, decode and writer threads 10 nice levels above normal, so a "
        "syscall storm cannot starve them into losing events. --no-boost lets the node's "
        "processes go first; bursts may then overflow the ring (counted as lost).",
    ),
    hooks: str = typer.Option(
        "auto",
        "--hooks",
        help="How syscalls are hooked: 'fast' (fentry/fexit; keeps the kernel's syscall fast "
        "path, needs trampolines), 'tracepoint' (syscall tracepoints, every kernel), or "
        "'auto' (fast where the kernel allows it). Process lifecycle always uses sched "
        "tracepoints.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live status line."),
    seal_key: Path = typer.Option(
        None,
        "--seal-key",
        help="Seal every manifest line with this forward-secure key (made by tracee-py "
        "setup-keys; it evolves each interval and should live outside the data directory).",
    ),
    dump_bpf: bool = typer.Option(
        False, "--dump-bpf", help="Print the BPF program and compiler flags, then exit."
    ),
    ship_to: str | None = typer.Option(
        None,
        "--ship-to",
        help="Ship each events and stats file as it closes, with its manifest lines and "
        "seals, to s3://bucket/prefix or file:///path (as tracee-py ship does, on a "
        "thread of its own that never holds up capture). Retention then removes only "
        "files verified remotely.",
        show_default=False,
    ),
    ship_endpoint: str | None = typer.Option(
        None,
        "--endpoint-url",
        envvar="TRACEE_PY_S3_ENDPOINT",
        help="S3 endpoint for --ship-to on S3-compatible stores. Default: AWS, or "
        "$TRACEE_PY_S3_ENDPOINT.",
        show_default=False,
    ),
) -> None:
    """Record what every process on this node does into Parquet.

    Records the whole node until SIGINT/SIGTERM (or --duration), then flushes and closes
    every file. With `-- CMD ARGS...`, starts CMD once the probes are attached, records CMD
    and all its descendants only, and exits with CMD's exit code: this is how CI records a
    build.

    Examples:

        tracee-py record --data /var/lib/tracee-py --max-size 20G

        tracee-py record --data ./rec --duration 30s --events process,net

        tracee-py record --data ./rec -- npm ci

        tracee-py record --data /var/lib/tracee-py --ship-to s3://forensics/fleet
    """
    from tracee_py.capture.recorder import PRIORITY_BOOST, Recorder, RecordOptions

    data = data or default_data_dir()
    node_name = validate_node_name(node or default_node())
    settings = CaptureSettings(
        kinds=parse_kinds(events),
        uid=uid,
        comm=comm,
        cgroup_id=cgroup_filter_id(container=container, cgroup=cgroup),
        follow=bool(command),
        ringbuf_mb=ringbuf_mb,
        hooks=_hooks(hooks),
    )
    if dump_bpf:
        _dump_bpf(settings)
        return
    writer = WriterSettings(
        rotate_seconds=parse_duration(rotate, "--rotate"),
        rotate_bytes=parse_size(rotate_size, "--rotate-size"),
        seal_key=seal_key,
    )
    options = RecordOptions(
        data=data,
        node=node_name,
        capture=settings,
        writer=writer,
        duration=parse_duration(duration, "--duration") if duration else None,
        command=list(command) if command else None,
        ready_file=ready_file,
        hash_max_bytes=parse_size(hash_max, "--hash-max"),
        max_size=parse_size(max_size, "--max-size") if max_size else None,
        max_age_seconds=parse_duration(max_age, "--max-age") if max_age else None,
        containers=_workload_lookup(node_name),
        priority_boost=PRIORITY_BOOST if boost else 0,
        ship_to=ship_to,
        ship_endpoint=ship_endpoint,
    )
    if not quiet:
        options.on_started = lambda program: err_console.print(
            f"[dim]recording node {node_name} into {data} "
            f"(probes compiled in {program.info.seconds:.1f}s)\n"
            f"{program.info.plan.describe()}[/]",
            soft_wrap=True,
            highlight=False,
        )
    recorder = Recorder(options)

    def on_signal(signum: int, _frame: object) -> None:
        recorder.forward_signal(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if quiet or not err_console.is_terminal:
        result = recorder.run()
    else:
        with Live(Text(""), console=err_console, refresh_per_second=4, transient=True) as live:
            result = recorder.run(lambda st: live.update(_status_line(st)))
    if not quiet:
        _summary(result)
    if result.shipping is not None:
        _shipping_summary(result.shipping, ship_to or "")
    if result.exit_code is not None:
        raise typer.Exit(result.exit_code)


def _status_line(st) -> Text:  # type: ignore[no-untyped-def]
    text = Text()
    text.append("● ", style="red")
    text.append(f"{st.elapsed:6.1f}s  ")
    text.append(f"{st.events:,} events  ", style="bold")
    text.append(f"{st.events_per_s:,.0f}/s  ")
    text.append(f"lost {st.lost:,}  ", style="bold red" if st.lost else "green")
    text.append(f"files {st.files}  {human_bytes(st.bytes)}")
    if st.shipping is not None:
        ship = st.shipping
        text.append(f"  shipped {ship.shipped} pending {ship.pending}")
        if ship.error:
            text.append("  ship failing (retrying)", style="bold red")
    return text


def _summary(result) -> None:  # type: ignore[no-untyped-def]
    table = Table(title="recorded", show_header=True, header_style="bold", box=None)
    table.add_column("event")
    table.add_column("rows", justify="right")
    table.add_column("lost", justify="right")
    for kind in sorted(set(result.kinds) | set(result.lost)):
        lost = result.lost.get(kind, 0)
        table.add_row(kind, f"{result.kinds.get(kind, 0):,}", f"[red]{lost:,}[/]" if lost else "0")
    err_console.print(table)
    size = sum(f.bytes for f in result.files)
    total_lost = sum(result.lost.values())
    err_console.print(
        f"{result.events:,} events in {len(result.files)} files ({human_bytes(size)}), "
        f"lost {total_lost:,}; probes compiled in {result.compile_seconds:.1f}s"
    )


def _shipping_summary(ship: ShipProgress, target: str) -> None:
    """Even with -q: what is still on this node only is worth a line."""
    status(
        f"shipped {ship.shipped} file(s) ({human_bytes(ship.bytes_sent)}) to {target}, "
        f"verified; {ship.pending} pending"
        + ("" if ship.pending == 0 else " (the next run, or tracee-py ship, sends them)")
    )
    if ship.error:
        warn([ship.error])


def _dump_bpf(settings: CaptureSettings) -> None:
    from tracee_py.capture.loader import dump_program

    out_console.out(dump_program(settings), highlight=False)


def _hooks(value: str) -> Hooks:
    try:
        return Hooks(value)
    except ValueError:
        choices = ", ".join(h.value for h in Hooks)
        raise UsageError(f"--hooks must be one of {choices}, got {value!r}") from None


def _workload_lookup(node_name: str):  # type: ignore[no-untyped-def]
    from tracee_py.enrich.workload import WorkloadLookup

    return WorkloadLookup.for_node(node_name)


def register(app: typer.Typer) -> None:
    app.command(
        "record",
        context_settings={"allow_interspersed_args": False},
    )(record)
