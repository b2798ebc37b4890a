"""End to end: record a real command chain with ``record -- ...`` and read its tree back.

Needs root and eBPF, like the capture tests; it fails (never skips) without them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.query.conftest import TRACEE
from tracee_py import proctree
from tracee_py.query import open_dataset

INNER = "cat /etc/hostname > /dev/null; exit 3"
OUTER = f'sh -c "{INNER}"; /bin/true; exit 0'


@pytest.mark.ebpf
def test_recorded_command_chain_has_the_right_tree(tmp_path: Path) -> None:
    assert os.geteuid() == 0, "recording needs root (it loads eBPF programs)"
    data = tmp_path / "data"
    run = subprocess.run(
        [TRACEE, "record", "--data", str(data), "--quiet", "--", "sh", "-c", OUTER],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    with open_dataset(data) as ds:
        (root_id,) = ds.con.execute(
            "SELECT process_id FROM processes WHERE argv = ['sh', '-c', ?]", [OUTER]
        ).fetchone()
        tree = proctree.process_tree(ds, root_id)
        root = tree.find(root_id)
        assert root is not None and root.exit_code == 0 and root.source == "fork"
        shape = [
            (depth, n.argv, n.exit_code) for depth, n in proctree.ProcessTree(roots=[root]).walk()
        ]
        assert shape == [
            (0, ["sh", "-c", OUTER], 0),
            (1, ["sh", "-c", INNER], 3),
            (2, ["cat", "/etc/hostname"], 0),
            (1, ["/bin/true"], 0),
        ]
        inner = root.children[0]
        cat = inner.children[0]
        assert (inner.ppid, cat.ppid) == (root.pid, inner.pid)
        assert cat.file_events >= 1
        opens = [e.summary for e in proctree.timeline(ds, cat.process_id, kinds=["file_open"])]
        assert any(s.startswith("open /etc/hostname O_RDONLY") for s in opens), opens
        assert proctree.resolve_pid(ds, cat.pid, at_ns=cat.start_ns).process_id == cat.process_id
