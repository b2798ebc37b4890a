"""Fixtures for the fleet tests: a real moto S3 server process on 127.0.0.1 (a stand-in for
S3: no S3 server that runs here is packaged), and small recordings written by the real
writer, many small files each so that a ship can be killed half way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracee_py.store.rows import events_from_rows
from tracee_py.store.writer import EventWriter, StatsWriter, WriterSettings

S = 1_000_000_000
T0 = 1_795_000_000 * S  # 2026-11-18T...Z
MOTO = str(Path(sys.executable).with_name("moto_server"))
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "tracee-test-key",
    "AWS_SECRET_ACCESS_KEY": "tracee-test-secret-do-not-log",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto(extra_env: dict[str, str] | None = None) -> S3Server:
    port = _free_port()
    env = {**os.environ, **(extra_env or {})}
    proc = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
            return S3Server(endpoint, proc)
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("moto_server exited at start") from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("moto_server did not answer within 60 s")


def stop(server: S3Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = start_moto()
    yield server
    stop(server)


@pytest.fixture(scope="session", autouse=True)
def stand_in_credentials() -> Iterator[None]:
    """The moto server's made-up credentials in the environment for the whole session:
    Spark's Python workers (the object-storage reader) inherit the environment of the JVM,
    which is started once per test process, by whichever test needs Spark first."""
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    return dict(CREDENTIALS)


def make_bucket(server: S3Server, name: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=server.endpoint, **_client_creds()).create_bucket(Bucket=name)


def s3_objects(server: S3Server, bucket: str) -> dict[str, bytes]:
    """Every object of a bucket and its bytes, read with boto3 (not with the code tested)."""
    import boto3

    client = boto3.client("s3", endpoint_url=server.endpoint, **_client_creds())
    out: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return out


def _client_creds() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
    }


def write_recording(root: Path, node: str = "node-a", files: int = 6, rows: int = 40) -> int:
    """``files`` closed events files (one per batch) and one stats file; returns the number
    of data files."""
    writer = EventWriter(root, node, "run1", WriterSettings(rotate_bytes=1))
    for i in range(files):
        t = T0 + i * 60 * S
        batch = [
            {
                "time": t + j,
                "node": node,
                "boot_id": "b",
                "event": "process_exec",
                "pid": 100 + j,
                "exe": f"/usr/bin/tool-{i}",
            }
            for j in range(rows)
        ]
        writer.write(events_from_rows(batch))
        writer.flush()
    writer.close(close_manifest=False)
    StatsWriter(root, node, writer.manifest).write_rows(
        [
            {
                "interval_start": T0,
                "interval_end": T0 + files * 60 * S,
                "node": node,
                "boot_id": "b",
                "run_id": "run1",
                "metric": "events",
                "value": files * rows,
            }
        ]
    )
    writer.manifest.close()
    return files + 1
