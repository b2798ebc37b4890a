"""Shipping: copy the closed files of a recording, and its manifest, to object storage.

``ship`` copies every closed events and stats file that its manifest lists (and whose size
and sha256 still match that manifest) to ``URL/<the same relative path>``, then every
manifest file (sealed lines carry their seals, so the seals travel with them). The target
is any fsspec URL: ``s3://bucket/prefix`` (s3fs: credentials come from the environment,
the profile or the instance role, the way botocore finds them; nothing here reads or logs
them) or ``file:///mnt/share``.

- Verified: after each upload the remote object is read back; its size and sha256 must be
  the manifest's. Only then is the file written to the ledger.
- Idempotent and resumable: the ledger, ``DATA/ship/<target id>.jsonl``, lists what was
  shipped and verified (one fsynced JSON line per file); a file in it is skipped. A run
  killed between an upload and its ledger line finds the object on the next run, verifies
  it and records it without sending it again. Object keys are the relative paths, so a
  file can never be stored twice.
- Nothing is deleted here. Retention (:mod:`.retention`) removes an events file only once
  a ledger says it was verified remotely, as soon as the data directory has a ledger.
- Manifest files grow while a recorder runs: each is shipped up to its last complete line,
  and again when it has grown (the ledger keeps its sha256).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracee_py.errors import StoreError, TraceePyError, UsageError
from tracee_py.store.layout import FILE_MODE, DatasetLayout, make_private_dirs
from tracee_py.store.manifest import ManifestEntry, read_manifest, sha256_file

SHIP_DIR = "ship"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Shipped:
    """One ledger line: a file whose remote copy was read back and matched."""

    file: str  # relative to the data root
    bytes: int
    sha256: str
    target: str
    verified_at_ns: int


@dataclass
class ShipReport:
    target: str
    uploaded: list[str] = field(default_factory=list)  # sent and verified in this run
    resumed: list[str] = field(default_factory=list)  # already there (an earlier run), verified
    skipped: int = 0  # in the ledger already
    bytes_sent: int = 0
    problems: list[str] = field(default_factory=list)  # files not shipped, and why


ProgressFn = Callable[[str, int, int], None]  # (file, done, total)


def target_id(url: str) -> str:
    return hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:16]


def ledger_dir(root: Path) -> Path:
    return Path(root) / SHIP_DIR


def shipping_enabled(root: Path) -> bool:
    """Shipping is on for a data directory once it has a ledger (a run of ``ship`` made it,
    or ``record --ship-to``)."""
    return ledger_dir(root).is_dir()


def shipped_files(root: Path) -> dict[str, Shipped]:
    """Every file some ledger of ``root`` says was verified remotely, by relative path."""
    out: dict[str, Shipped] = {}
    d = ledger_dir(root)
    if not d.is_dir():
        return out
    for path in sorted(d.glob("*.jsonl")):
        out.update(_read_ledger(path))
    return out


def _read_ledger(path: Path) -> dict[str, Shipped]:
    out: dict[str, Shipped] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        try:
            s = Shipped(**json.loads(line))
        except (ValueError, TypeError):
            continue  # a torn last line of a killed run: that file is checked again
        out[s.file] = s
    return out


class Ledger:
    """The append-only list of what was shipped to one target and verified there."""

    def __init__(self, root: Path, target: str) -> None:
        self.target = target
        self.path = ledger_dir(root) / f"{target_id(target)}.jsonl"
        try:
            make_private_dirs(self.path.parent)
            self.done = _read_ledger(self.path)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        except OSError as exc:
            raise StoreError(f"cannot write the ship ledger {self.path}: {exc.strerror}") from exc
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def has(self, rel: str, sha256: str) -> bool:
        s = self.done.get(rel)
        return s is not None and s.sha256 == sha256

    def add(self, rel: str, size: int, sha256: str) -> None:
        s = Shipped(rel, size, sha256, self.target, time.time_ns())
        # A partial line left by a kill before this one must not swallow it.
        self._file.write(json.dumps(s.__dict__, sort_keys=True) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.done[rel] = s

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class _Item:
    rel: str
    path: Path
    size: int  # bytes to ship (a manifest: up to its last complete line)
    sha256: str
    manifest: bool = False


class Target:
    """A remote root reached through fsspec; every error becomes one clear line."""

    def __init__(self, url: str, endpoint_url: str | None = None) -> None:
        import fsspec  # heavy (s3fs pulls aiobotocore): only when shipping

        self.url = url.rstrip("/")
        if "://" not in self.url:
            raise UsageError(f"--to must be a URL (s3://bucket/prefix, file:///path): {url!r}")
        scheme = self.url.split("://", 1)[0]
        options: dict[str, Any] = {}
        if scheme in ("s3", "s3a"):
            # Short timeouts and few retries: an unreachable endpoint is an error in
            # seconds, not minutes. Credentials: botocore's usual chain.
            options["config_kwargs"] = {
                "connect_timeout": 5,
                "read_timeout": 60,
                "retries": {"max_attempts": 2},
            }
            if endpoint_url:
                options["client_kwargs"] = {"endpoint_url": endpoint_url}
            options["skip_instance_cache"] = True
        elif endpoint_url:
            raise UsageError("--endpoint-url is for s3:// targets")
        try:
            self.fs, self.base = fsspec.core.url_to_fs(
                self.url.replace("s3a://", "s3://", 1), **options
            )
        except (ValueError, ImportError) as exc:
            raise UsageError(f"cannot ship to {url}: {exc}") from exc
        self.local = scheme == "file"
        self.base = self.base.rstrip("/")

    def remote(self, rel: str) -> str:
        return f"{self.base}/{rel}"

    def check(self) -> None:
        """The target exists and answers: a wrong bucket or an unreachable endpoint is found
        before any file is sent."""
        try:
            if self.local:
                self.fs.makedirs(self.base, exist_ok=True)
            else:
                bucket = self.base.split("/", 1)[0]
                self.fs.ls(bucket, refresh=True)  # needs s3:ListBucket on the bucket
        except BaseException as exc:
            raise self.error(exc, "") from exc

    def stat(self, rel: str) -> int | None:
        """The remote size, or None when there is no such object."""
        try:
            info = self.fs.info(self.remote(rel), refresh=True)
        except FileNotFoundError:
            return None
        except BaseException as exc:
            raise self.error(exc, rel) from exc
        return int(info.get("size") or 0)

    def upload(self, item: _Item) -> None:
        dest = self.remote(item.rel)
        try:
            if self.local:
                # Local targets get a temporary name and a rename, so a reader of the share
                # never sees half a file; an object store's PUT is atomic already.
                parent = dest.rsplit("/", 1)[0]
                self.fs.makedirs(parent, exist_ok=True)
                tmp = f"{dest}.{uuid.uuid4().hex}.tmp"
                self._put(item, tmp)
                self.fs.mv(tmp, dest)
            else:
                self._put(item, dest)
        except BaseException as exc:
            raise self.error(exc, item.rel) from exc

    def _put(self, item: _Item, dest: str) -> None:
        with open(item.path, "rb") as src, self.fs.open(dest, "wb") as out:
            left = item.size
            while left > 0:
                block = src.read(min(_CHUNK, left))
                if not block:
                    raise StoreError(f"{item.rel} shrank while it was being shipped")
                out.write(block)
                left -= len(block)

    def read_back(self, rel: str) -> tuple[int, str]:
        """Size and sha256 of the remote object, read in full."""
        h = hashlib.sha256()
        size = 0
        try:
            with self.fs.open(self.remote(rel), "rb", cache_type="none") as f:
                while block := f.read(_CHUNK):
                    h.update(block)
                    size += len(block)
        except BaseException as exc:
            raise self.error(exc, rel) from exc
        return size, h.hexdigest()

    def error(self, exc: BaseException, rel: str) -> BaseException:
        """One line for what went wrong; never a credential, never a traceback."""
        if isinstance(exc, (StoreError, KeyboardInterrupt, SystemExit)):
            return exc
        where = f"{self.url}/{rel}" if rel else self.url
        text = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, FileNotFoundError) or "NoSuchBucket" in text:
            why = "no such bucket or directory"
        elif isinstance(exc, PermissionError) or any(
            code in text
            for code in ("AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch")
        ):
            why = "access denied (check the credentials and the bucket policy)"
        elif isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            why = "the target is full"
        elif (
            "Could not connect" in text
            or "EndpointConnection" in text
            or isinstance(exc, (ConnectionError, TimeoutError))
        ):
            why = "the endpoint cannot be reached"
        elif "NoCredentials" in text or "Unable to locate credentials" in text:
            why = "no credentials found (environment, profile or instance role)"
        else:
            why = type(exc).__name__
        return StoreError(f"cannot ship to {where}: {why}; nothing local was changed")


def _items(layout: DatasetLayout, report: ShipReport) -> list[_Item]:
    scan = layout.scan()
    entries, problems = read_manifest(layout, scan.manifests)
    report.problems += problems
    report.problems += [f"{p.path}: {p.detail}" for p in scan.problems]
    items: list[_Item] = []
    for path in scan.events + scan.stats:
        rel = str(path.relative_to(layout.root))
        entry: ManifestEntry | None = entries.get(rel)
        if entry is None:
            report.problems.append(f"{rel}: not shipped: not in any manifest")
            continue
        items.append(_Item(rel, path, entry.bytes, entry.sha256))
    for path in scan.manifests:
        rel = str(path.relative_to(layout.root))
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.problems.append(f"{rel}: not shipped: {exc.strerror}")
            continue
        complete = data[: data.rfind(b"\n") + 1]  # a line being written is not shipped yet
        if complete:
            items.append(
                _Item(rel, path, len(complete), hashlib.sha256(complete).hexdigest(), True)
            )
    return items


def _local_ok(item: _Item) -> str | None:
    """Why a data file must not be shipped: it is not what the manifest says."""
    if item.manifest:
        return None
    try:
        if item.path.stat().st_size != item.size:
            return "size differs from the manifest"
        if sha256_file(item.path) != item.sha256:
            return "sha256 differs from the manifest"
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    return None


def ship(
    root: str | Path,
    to: str,
    *,
    endpoint_url: str | None = None,
    progress: ProgressFn | None = None,
) -> ShipReport:
    """Ship the closed files of the recording at ``root`` to ``to`` (see the module doc).

    Data files that do not match their manifest, or are in none, are not shipped and are
    listed in ``ShipReport.problems``. Raises :class:`StoreError` when the target cannot be
    written or read back; whatever was verified before stays in the ledger.
    """
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"data directory {root} does not exist or is not a directory")
    target = Target(to, endpoint_url)
    report = ShipReport(target=target.url)
    layout = DatasetLayout(root)
    items = _items(layout, report)
    if not items:
        raise UsageError(f"nothing to ship in {root}: no closed files and no manifest")
    target.check()
    ledger = Ledger(root, target.url)
    try:
        for done, item in enumerate(items, 1):
            if progress:
                progress(item.rel, done, len(items))
            if ledger.has(item.rel, item.sha256):
                report.skipped += 1
                continue
            why = _local_ok(item)
            if why is not None:
                report.problems.append(f"{item.rel}: not shipped: {why}")
                continue
            _ship_one(target, ledger, item, report)
    finally:
        ledger.close()
    return report


def _ship_one(target: Target, ledger: Ledger, item: _Item, report: ShipReport) -> None:
    if target.stat(item.rel) == item.size and target.read_back(item.rel) == (
        item.size,
        item.sha256,
    ):
        ledger.add(item.rel, item.size, item.sha256)  # sent by a run that was killed
        report.resumed.append(item.rel)
        return
    target.upload(item)
    size, digest = target.read_back(item.rel)
    if (size, digest) != (item.size, item.sha256):
        raise StoreError(
            f"cannot ship to {target.url}/{item.rel}: the remote copy does not verify "
            f"({size} bytes, sha256 {digest[:12]}...; expected {item.size} bytes, "
            f"{item.sha256[:12]}...); nothing local was changed"
        )
    ledger.add(item.rel, item.size, item.sha256)
    report.uploaded.append(item.rel)
    report.bytes_sent += item.size


# -- shipping while recording (``record --ship-to``) --------------------------------------------


@dataclass(frozen=True)
class ShipProgress:
    """What a :class:`BackgroundShipper` has done so far."""

    shipped: int  # files verified remotely by this recorder (sent, or found from a killed run)
    bytes_sent: int
    pending: int  # closed data files of the data directory not verified remotely yet
    error: str | None  # the last round's error, if it failed (it is retried)


class BackgroundShipper:
    """Ships the data directory on a thread of its own while a recorder writes it.

    Every round is one :func:`ship`: the files closed since the last round, and the
    manifest lines written by then, seals included. The recorder only calls
    :meth:`notify` when a file closes (it sets an event: capture never waits for the
    network); a round also runs every ``interval`` seconds, so a failed round is retried.
    The ledger directory is made at once, so retention keeps every unshipped file from the
    start. A recorder killed with SIGKILL loses nothing: the next run (or ``ship``) finds
    what the ledger lacks, and an object that arrived before the kill is verified and
    recorded, not sent again.
    """

    def __init__(
        self,
        root: Path,
        url: str,
        *,
        endpoint_url: str | None = None,
        interval: float = 30.0,
    ) -> None:
        self.root = Path(root)
        self.url = Target(url, endpoint_url).url  # a malformed URL is an error before capture
        self.endpoint_url = endpoint_url
        self.interval = interval
        make_private_dirs(ledger_dir(self.root))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._shipped = 0
        self._bytes = 0
        self._pending = 0
        self._error: str | None = None
        self._thread = threading.Thread(target=self._loop, name="shipper", daemon=True)

    def start(self) -> BackgroundShipper:
        self._thread.start()
        return self

    def notify(self) -> None:
        """A file closed: ship soon. Never blocks."""
        self._wake.set()

    def progress(self) -> ShipProgress:
        with self._lock:
            return ShipProgress(self._shipped, self._bytes, self._pending, self._error)

    def close(self, timeout: float) -> ShipProgress:
        """Stop the thread, then one last round for the files the recorder closed last
        (bounded by ``timeout``: what is left stays pending for the next run or ``ship``)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if not self._thread.is_alive():
            last = threading.Thread(target=self._round, name="shipper-last", daemon=True)
            last.start()
            last.join(timeout)
        return self.progress()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            self._round()

    def _round(self) -> None:
        error: str | None = None
        try:
            report = ship(self.root, self.url, endpoint_url=self.endpoint_url)
            done = len(report.uploaded) + len(report.resumed)
            sent = report.bytes_sent
        except UsageError:
            done = sent = 0  # nothing closed yet
        except TraceePyError as exc:
            done = sent = 0
            error = str(exc)
        except Exception as exc:  # a round must never kill the thread
            done = sent = 0
            error = f"shipping failed: {type(exc).__name__}: {exc}"
        pending = _pending(self.root)
        with self._lock:
            self._shipped += done
            self._bytes += sent
            self._pending = pending
            self._error = error


def _pending(root: Path) -> int:
    """Closed data files not (yet) verified remotely."""
    try:
        scan = DatasetLayout(root).scan()
    except OSError:
        return 0
    done = shipped_files(root)
    return sum(1 for p in scan.events + scan.stats if str(p.relative_to(root)) not in done)
