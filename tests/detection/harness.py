"""Record procedure scripts for real and find out what the signatures said about each.

A procedure is a bash script whose leading comment lines declare what it is::

    # Discovery of the system: kernel, host name, distribution.
    # technique: T1082
    # expect: system-info-discovery
    # severity: low            (optional: the lowest severity the expected findings may have)

``technique`` lists the ATT&CK ids the procedure performs; ``expect`` lists the signature ids
that must fire on a process of the procedure's own tree (a benign script has ``expect:``
with nothing after it, or no such line). :func:`record_procedures` runs scripts under
``tracee-py record`` (one recording for all of them) and maps each script to the set of
``process_id`` values of its tree, so findings can be attributed to the procedure that caused
them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from tracee_py.query.dataset import open_dataset

HERE = Path(__file__).resolve().parent
PROCEDURES = HERE / "procedures"
BENIGN = HERE / "benign"
RUNNER = HERE / "runner.py"
TRACEE = [sys.executable, "-m", "tracee_py"]
_HEADER = re.compile(r"^#\s*(technique|expect|severity)\s*:\s*(.*?)\s*$")
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")


@dataclass(frozen=True)
class Procedure:
    path: Path
    techniques: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()
    description: str = ""

    @property
    def name(self) -> str:
        return self.path.stem


def read_procedure(path: Path) -> Procedure:
    """The header of one script; a malformed header is an error naming the file and line."""
    fields: dict[str, tuple[str, ...]] = {}
    description: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("#!"):
            continue
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match is None:
            if not fields:
                description.append(line.lstrip("#").strip())
            continue
        key, value = match.group(1), tuple(match.group(2).replace(",", " ").split())
        if key in fields:
            raise ValueError(f"{path}:{number}: {key} is given twice")
        if key == "technique" and not all(_TECHNIQUE.match(t) for t in value):
            raise ValueError(f"{path}:{number}: not ATT&CK technique ids: {' '.join(value)}")
        fields[key] = value
    return Procedure(
        path=path,
        techniques=fields.get("technique", ()),
        expect=fields.get("expect", ()),
        description=" ".join(d for d in description if d),
    )


def procedures(folder: Path = PROCEDURES) -> list[Procedure]:
    """Every script in ``folder``; ``TPY_DETECTION_ONLY`` (shell patterns of script names,
    comma-separated) narrows it while a signature is being written. CI never sets it."""
    scripts = sorted(folder.glob("*.sh"))
    only = [p for p in os.environ.get("TPY_DETECTION_ONLY", "").split(",") if p.strip()]
    if only:
        scripts = [s for s in scripts if any(fnmatch(s.stem, p.strip()) for p in only)]
    return [read_procedure(p) for p in scripts]


@dataclass
class ProcedureRun:
    procedure: Procedure
    returncode: int
    stderr: str
    root: int | None = None  # process_id of `bash SCRIPT`
    tree: set[int] = field(default_factory=set)  # process_id of the root and its descendants


@dataclass
class Session:
    data: Path
    runs: dict[str, ProcedureRun]
    record_stderr: str

    def tree_of(self, process_id: int | None) -> str | None:
        """The name of the procedure whose tree holds ``process_id``."""
        for name, run in self.runs.items():
            if process_id in run.tree:
                return name
        return None


CI_LIKE_WRAPPER = "ci: apt-get install x && pip install y && npm ci && gem install z && dpkg -i w"


def record_procedures(data: Path, scripts: Sequence[Procedure], *options: str) -> Session:
    """``tracee-py record -- python runner.py SCRIPTS`` into ``data``; each script's tree."""
    command = [*TRACEE, "record", "--data", str(data), "-q", *options, "--", sys.executable]
    command += [str(RUNNER), *(str(p.path) for p in scripts)]
    # CI runs the suite under wrappers of its own, whose command lines may name package
    # managers (`bash -c "pip install ... && .ci/run"`); the recording's process snapshot
    # holds them as ancestors of every procedure. Run under such an ancestor here, so no
    # signature may depend on what the machine's outer command lines say.
    command = ["bash", "-c", '"$@"; exit $?', CI_LIKE_WRAPPER, *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise AssertionError(f"record failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    by_path = {str(p.path.resolve()): p for p in scripts}
    runs = {}
    for result in results:
        procedure = by_path[result["script"]]
        runs[procedure.name] = ProcedureRun(procedure, result["returncode"], result["stderr"])
    _find_trees(data, runs)
    return Session(data, runs, proc.stderr)


def _find_trees(data: Path, runs: dict[str, ProcedureRun]) -> None:
    ds = open_dataset(data)
    try:
        edges = ds.con.execute(
            "SELECT DISTINCT process_id, parent_process_id FROM events "
            "WHERE event IN ('process_fork', 'process_exec', 'process_snapshot') "
            "AND process_id IS NOT NULL"
        ).fetchall()
        roots = ds.con.execute(
            "SELECT argv[-1], min(process_id) FROM events "
            "WHERE event = 'process_exec' AND retval = 0 AND len(argv) = 2 "
            "AND argv[1] = 'bash' GROUP BY 1"
        ).fetchall()
    finally:
        ds.close()
    children: dict[int, set[int]] = {}
    for child, parent in edges:
        if parent is not None and parent != child:
            children.setdefault(parent, set()).add(child)
    root_of = {script: pid for script, pid in roots}
    for run in runs.values():
        run.root = root_of.get(str(run.procedure.path.resolve()))
        if run.root is None:
            continue
        todo = [run.root]
        while todo:
            node = todo.pop()
            if node not in run.tree:
                run.tree.add(node)
                todo.extend(children.get(node, ()))


def sig_run(data: Path, *args: str) -> list[dict[str, Any]]:
    """Every finding of ``tracee-py sig run`` over ``data`` (JSON lines)."""
    proc = subprocess.run(
        [*TRACEE, "sig", "run", "--data", str(data), "-o", "jsonl", *args],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode not in (0, 1):
        raise AssertionError(f"sig run failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def findings_by_procedure(
    session: Session, findings: Iterable[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Findings grouped by the procedure whose tree they are on (others are left out)."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in session.runs}
    for f in findings:
        name = session.tree_of(f.get("process_id"))
        if name is not None:
            out[name].append(f)
    return out
