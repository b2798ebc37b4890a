"""The hostile battery: signature packs, recordings and recorded strings made by someone
who wants tracee-py to leak, hang, lie or crash. Each test states the exact behaviour.

The recordings come from the query tests' two-node scenario (written with the real
writer and manifest) and from the signature tests' helpers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.query.conftest import (  # noqa: F401  (fixtures)
    Scenario,
    _isolated_env,
    cache_root,
    scenario,
    scenario_copy,
)

TRACEE = str(Path(sys.executable).with_name("tracee-py"))


def tracee(
    *args: str | Path, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI as a user would; never hangs the suite."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [TRACEE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and mtime: what "unchanged" means."""
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out
