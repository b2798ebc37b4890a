"""Every attack procedure in ``procedures/``, recorded for real in one recording: the
signatures each script declares must fire on a process of that script's own tree.

Needs root and BPF (like the capture tests, never skipped).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tracee_py.signatures import builtin_catalog, load_signatures

from .harness import (
    PROCEDURES,
    Procedure,
    Session,
    findings_by_procedure,
    procedures,
    read_procedure,
    record_procedures,
    sig_run,
)

pytestmark = pytest.mark.ebpf
ALL = procedures()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return record_procedures(tmp_path_factory.mktemp("procedures") / "data", ALL)


@pytest.fixture(scope="module")
def found(session: Session) -> dict[str, list[dict[str, Any]]]:
    return findings_by_procedure(session, sig_run(session.data))


def test_every_procedure_declares_what_it_does() -> None:
    catalog = {s.id for s in load_signatures([builtin_catalog()]).signatures}
    assert ALL, f"no procedures in {PROCEDURES}"
    for p in ALL:
        assert p.description, f"{p.path}: no description line"
        assert p.techniques, f"{p.path}: no technique line"
        assert p.expect, f"{p.path}: no expect line"
        assert set(p.expect) <= catalog, f"{p.path}: unknown {set(p.expect) - catalog}"


def test_header_errors_name_the_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.sh"
    script.write_text("#!/bin/bash\n# Something.\n# technique: T1082 X9\n")
    with pytest.raises(ValueError, match=r"bad\.sh:3: not ATT&CK technique ids: T1082 X9"):
        read_procedure(script)


@pytest.mark.parametrize("procedure", ALL, ids=[p.name for p in ALL])
def test_procedure_fires_its_signatures(
    procedure: Procedure, session: Session, found: dict[str, list[dict[str, Any]]]
) -> None:
    run = session.runs[procedure.name]
    assert run.returncode == 0, run.stderr
    assert run.root is not None, "its `bash SCRIPT` exec is not in the recording"
    fired = {f["signature_id"] for f in found[procedure.name]}
    missing = set(procedure.expect) - fired
    assert not missing, f"did not fire: {sorted(missing)}; fired: {sorted(fired)}"
