"""``record --dump-bpf`` prints exactly what a recording with the same options compiles."""

from __future__ import annotations

from typer.testing import CliRunner

from tracee_py.capture.kernel import Hooks
from tracee_py.capture.loader import LoadedProgram, bpf_source_dir, program_text
from tracee_py.capture.settings import CaptureSettings, parse_kinds
from tracee_py.cli.app import app
from tracee_py.schema import SLOT_NUMBERS, SYSCALL_NUMBER, EventKind


def test_dump_bpf_is_what_the_loader_compiles() -> None:
    events = "file_open,net,cred_change"
    result = CliRunner().invoke(
        app, ["record", "--dump-bpf", "--events", events, "--uid", "0", "--hooks", "auto"]
    )
    assert result.exit_code == 0, result.output
    # The same options, through the library: compiled and attached for real.
    settings = CaptureSettings(kinds=parse_kinds(events), uid=0, hooks=Hooks.AUTO)
    program = LoadedProgram(settings)
    try:
        compiled = program.info.plan
    finally:
        program.close()
    assert result.stdout == compiled.dump() + "\n"
    assert compiled.text == program_text(bpf_source_dir())
    flags = set(compiled.cflags)
    assert "-DFILTER_UID=0" in flags
    mask = sum(1 << int(k) for k in parse_kinds(events) | settings.effective_kinds())
    assert f"-DKIND_MASK={mask}ULL" in flags
    # What the programs know of the wire contract comes from schema.py.
    assert {f"-D{n}={v}" for n, v in SLOT_NUMBERS.items()} <= flags
    assert {f"-DK_{k.name}={int(k)}" for k in EventKind} <= flags
    assert {f"-DSC_{n}={v}" for n, v in SYSCALL_NUMBER.items()} <= flags
