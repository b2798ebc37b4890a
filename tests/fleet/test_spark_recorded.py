"""Parity on a real recording: a workload recorded with eBPF (``tracee-py record -- CMD``),
shipped with ``tracee-py ship`` to S3 (a real moto server process, the stand-in), read
back by Spark from S3, gives every catalog signature the same findings as DuckDB on the
node's own copy. The signatures Spark cannot run are named with the reason.

Like the capture tests this needs root and BPF and never skips.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fleet.conftest import CREDENTIALS, S3Server, make_bucket, s3_objects
from tests.fleet.test_spark import CATALOG, SPARK_CANNOT_RUN
from tracee_py.query.spark_remote import ENDPOINT_ENV

TRACEE = str(Path(sys.executable).with_name("tracee-py"))
WORKLOADS = Path(__file__).resolve().parents[1] / "signatures" / "workloads"
pytestmark = pytest.mark.ebpf
# What the workload does that the catalog must see, on both engines (see malicious.py).
FIRED_ON_BOTH = {
    "shadow-read",
    "ld-preload-env",
    "ptrace-traceme",
    "hidden-file-exec",
    "memfd-exec",
    "setuid-setgid-bit",
    "shell-history-deletion",
    "kernel-thread-masquerade",
    "cryptominer-exec",
}


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRACEE, *args], capture_output=True, text=True, timeout=900, env=env or dict(os.environ)
    )


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("recorded")
    (base / "work").mkdir()
    workload = [sys.executable, str(WORKLOADS / "malicious.py")]
    proc = _run(
        "record",
        "--data",
        str(base / "data"),
        "-q",
        "--",
        *workload,
        str(base / "work"),
        str(base / "facts.json"),
    )
    assert proc.returncode == 0, proc.stderr
    return base / "data"


def _findings(proc: subprocess.CompletedProcess[str]) -> dict[str, list[dict[str, Any]]]:
    # Spark keeps microseconds: times are compared to the microsecond.
    text = re.sub(r"(\.\d{6})\d{3}Z", r"\g<1>000Z", proc.stdout)
    by_signature: dict[str, list[dict[str, Any]]] = {}
    for line in text.splitlines():
        finding = json.loads(line)
        by_signature.setdefault(finding["signature_id"], []).append(finding)
    return by_signature


def _events(proc: subprocess.CompletedProcess[str]) -> int:
    return int(proc.stderr.rsplit(" over ", 1)[1].split()[0])


def test_a_real_recording_read_from_s3_gives_every_signature_duckdbs_findings(
    recording: Path, s3_server: S3Server
) -> None:
    make_bucket(s3_server, "recorded")
    url = "s3://recorded/fleet"
    env = {**os.environ, **CREDENTIALS, ENDPOINT_ENV: s3_server.endpoint}
    shipped = _run("ship", "--data", str(recording), "--to", url, env=env)
    assert shipped.returncode == 0, shipped.stderr
    keys = s3_objects(s3_server, "recorded")
    assert any(k.startswith("fleet/events/node=") for k in keys)
    assert any(k.startswith("fleet/manifest/node=") for k in keys)

    on_duckdb = _run("sig", "run", "--data", str(recording), "-o", "jsonl", env=env)
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    on_spark = _run("sig", "run", "--engine", "spark", "--data", url, "-o", "jsonl", env=env)
    # Exit 2: a signature could not run; it is named, with the reason, on stderr.
    assert on_spark.returncode == 2, on_spark.stderr
    for sig_id, reason in SPARK_CANNOT_RUN.items():
        assert f"signature {sig_id} failed: {reason}" in on_spark.stderr
    assert "skipped" not in on_spark.stderr and "Traceback" not in on_spark.stderr
    assert _events(on_spark) == _events(on_duckdb) > 500

    duck, spark = _findings(on_duckdb), _findings(on_spark)
    assert set(duck) >= FIRED_ON_BOTH
    for sig in CATALOG:
        if sig.id in SPARK_CANNOT_RUN:
            assert sig.id not in spark
            continue
        assert spark.get(sig.id, []) == duck.get(sig.id, []), sig.id
