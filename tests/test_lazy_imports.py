"""The recorder's process does not carry the investigation side's libraries."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import sys
import tracee_py.cli.app
import tracee_py.capture.recorder
from tracee_py.enrich.workload import WorkloadLookup
lookup = WorkloadLookup.for_node("node-a")
print(type(sys.modules["duckdb"]).__name__, "kubernetes" in sys.modules, lookup.pods is None)
import duckdb
print(duckdb.connect().execute("SELECT 40 + 2").fetchone()[0])
"""


def test_cli_and_recorder_import_neither_duckdb_nor_kubernetes() -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    ).stdout.split("\n")
    # DuckDB is bound but not executed until first use; Kubernetes is not imported at all
    # when there is no cluster configuration.
    assert out[0] == "_LazyModule False True"
    assert out[1] == "42"  # and the lazy module works once used
