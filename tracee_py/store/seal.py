"""Forward-secure sealing of the manifest, after journald's Forward Secure Sealing.

A manifest line says which file the recorder wrote and its sha256. Whoever gains root on
the node later could edit a data file and recompute its sha256 in the manifest; sealing
makes that detectable:

- Each line carries ``seal = {epoch, chain, mac}``. ``chain`` is a hash chain over the
  line's entry and every line before it in the same manifest file (which also starts from
  the file's name): a changed, dropped, moved or reordered line breaks it.
- ``mac`` is an HMAC of the chain under the key of the line's time interval (``epoch``).
  The node holds only the current key; at each new interval it replaces it with
  ``sha256(evolve || key)`` and forgets the old one. Going forward is one hash, going back
  is a preimage: an attacker who takes the node at epoch ``e`` can seal lines of epoch
  ``e`` and later, never rewrite earlier ones.
- A line is sealed when its file is closed, shortly after the file's last event. A line
  sealed more than :data:`MAX_SEAL_LAG_S` after its last event is refused: otherwise an
  attacker holding today's key could re-seal an old line as if it were written today.
- The verification key is the first key (with the start time and the interval). It is
  printed once by ``tracee-py setup-keys`` and kept off the node; ``verify --key-file``
  derives each epoch's key from it.

What sealing cannot show: lines dropped from the end of a manifest together with the
files they list (nothing is left to check), and anything sealed after the attacker
arrived. Verification without the key still checks the chain, which catches clumsy edits
but not an attacker who recomputes it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracee_py.errors import UsageError

VERSION = "tpseal1"
DEFAULT_INTERVAL_S = 900
_EVOLVE = b"tracee-py seal evolve\x00"
_GENESIS = b"tracee-py manifest chain\x00"
_KEY_TEXT = re.compile(rf"^{VERSION}-([0-9a-f]{{64}})-(\d{{1,20}})-(\d{{1,20}})$")
NS_PER_S = 1_000_000_000
# How long after its file's last event a manifest line may be sealed: files are closed
# every --rotate (60 s by default), so an hour is generous; a recorder that rotates less
# often than this cannot be sealed usefully.
MAX_SEAL_LAG_S = 3600


def _now() -> int:
    return time.time_ns()


def evolve(key: bytes) -> bytes:
    """The next interval's key; the previous one cannot be computed from it."""
    return hashlib.sha256(_EVOLVE + key).digest()


def genesis(manifest_name: str) -> str:
    """Where a manifest file's chain starts: bound to the file's name."""
    return hashlib.sha256(_GENESIS + manifest_name.encode()).hexdigest()


def chain_next(prev: str, body: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev) + body.encode()).hexdigest()


def mac(key: bytes, chain: str, epoch: int) -> str:
    return hmac.new(key, f"{epoch}:{chain}".encode(), hashlib.sha256).hexdigest()


def entry_body(raw: dict[str, Any]) -> str:
    """The canonical text of a manifest entry (without its seal), as the chain covers it."""
    return json.dumps({k: v for k, v in raw.items() if k != "seal"}, sort_keys=True)


@dataclass(frozen=True)
class VerificationKey:
    """The first key, the start and the interval: enough to derive every epoch's key."""

    seed: bytes
    start_ns: int
    interval_ns: int

    def __str__(self) -> str:
        return f"{VERSION}-{self.seed.hex()}-{self.start_ns}-{self.interval_ns}"

    @classmethod
    def parse(cls, text: str) -> VerificationKey:
        m = _KEY_TEXT.match(text.strip())
        if not m or int(m.group(3)) <= 0:
            raise UsageError(f"not a verification key: expected {VERSION}-<64 hex>-<start>-<ns>")
        return cls(bytes.fromhex(m.group(1)), int(m.group(2)), int(m.group(3)))

    def epoch_at(self, now_ns: int) -> int:
        return max(0, (now_ns - self.start_ns) // self.interval_ns)


class KeyChain:
    """The keys of successive epochs from a verification key, derived once each."""

    def __init__(self, key: VerificationKey) -> None:
        self._keys = [key.seed]

    def at(self, epoch: int) -> bytes:
        while len(self._keys) <= epoch:
            self._keys.append(evolve(self._keys[-1]))
        return self._keys[epoch]


class SealingKey:
    """The node's evolving key, kept in a 0600 state file that is rewritten at each new
    interval (the old key is gone from it)."""

    def __init__(
        self,
        path: Path,
        key: bytes,
        epoch: int,
        start_ns: int,
        interval_ns: int,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.path = path
        self._key = key
        self.epoch = epoch
        self.start_ns = start_ns
        self.interval_ns = interval_ns
        self._clock = clock or _now

    @classmethod
    def create(
        cls,
        path: Path,
        interval_s: float = DEFAULT_INTERVAL_S,
        clock: Callable[[], int] | None = None,
    ) -> tuple[SealingKey, VerificationKey]:
        """A new key pair; the state file must not exist yet."""
        if not 1 <= interval_s <= 366 * 86_400:
            raise UsageError("the sealing interval must be between 1 second and a year")
        seed = secrets.token_bytes(32)
        start, interval = (clock or _now)(), int(interval_s * NS_PER_S)
        sealing = cls(path, seed, 0, start, interval, clock)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise UsageError(f"{path} exists: sealing keys are never overwritten") from exc
        with os.fdopen(fd, "w") as f:
            f.write(sealing._state())
        return sealing, VerificationKey(seed, start, interval)

    @classmethod
    def open(cls, path: Path, clock: Callable[[], int] | None = None) -> SealingKey:
        try:
            raw = json.loads(path.read_text())
            return cls(
                path,
                bytes.fromhex(raw["key"]),
                int(raw["epoch"]),
                int(raw["start_ns"]),
                int(raw["interval_ns"]),
                clock,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"cannot read the sealing key {path}: {exc}") from exc

    def _state(self) -> str:
        return json.dumps(
            {
                "version": VERSION,
                "key": self._key.hex(),
                "epoch": self.epoch,
                "start_ns": self.start_ns,
                "interval_ns": self.interval_ns,
            }
        )

    def _advance(self) -> None:
        now = max(0, (self._clock() - self.start_ns) // self.interval_ns)
        if now <= self.epoch:
            return
        while self.epoch < now:
            self._key = evolve(self._key)
            self.epoch += 1
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self._state())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def seal(self, prev: str, body: str) -> dict[str, Any]:
        """The seal of the line whose entry is ``body``, after the line sealed as ``prev``."""
        self._advance()
        chain = chain_next(prev, body)
        return {"epoch": self.epoch, "chain": chain, "mac": mac(self._key, chain, self.epoch)}


def check_seals(
    name: str, lines: list[str], key: VerificationKey | None, now_ns: int | None = None
) -> list[str]:
    """Problems with the seals of one manifest file's lines (``name`` is its file name).

    Without ``key`` only the chain is checked, and unsealed lines are fine (a recording
    made without sealing). With it, every line must be sealed by its epoch's key.
    """
    problems: list[str] = []
    chain = KeyChain(key) if key is not None else None
    last_epoch = 0
    newest = key.epoch_at(now_ns if now_ns is not None else time.time_ns()) if key else 0
    prev = genesis(name)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            seal = raw.get("seal") if isinstance(raw, dict) else None
        except (ValueError, RecursionError):
            continue  # reported as an unreadable line by the manifest reader
        if seal is None:
            if key is not None:
                problems.append(f"line {number}: not sealed")
            continue
        try:
            epoch, sealed_chain, sealed_mac = int(seal["epoch"]), str(seal["chain"]), seal["mac"]
            expected = chain_next(prev, entry_body(raw))
        except (KeyError, TypeError, ValueError):
            problems.append(f"line {number}: the seal cannot be read")
            continue
        latest = newest
        if key is not None and isinstance(raw.get("last_time_ns"), int):
            latest = min(newest, key.epoch_at(raw["last_time_ns"] + MAX_SEAL_LAG_S * NS_PER_S))
        if sealed_chain != expected:
            problems.append(
                f"line {number}: the chain is broken (a line was changed, dropped "
                "or moved before it)"
            )
        elif chain is not None:
            if epoch < last_epoch or epoch > latest + 1:
                problems.append(
                    f"line {number}: sealed in interval {epoch}, later than its data allows "
                    f"(at most {latest + 1}): re-sealed with a later key"
                )
            elif not hmac.compare_digest(str(sealed_mac), mac(chain.at(epoch), expected, epoch)):
                problems.append(
                    f"line {number}: the seal does not verify (written without the key of its "
                    "interval)"
                )
            last_epoch = max(last_epoch, epoch)
        prev = sealed_chain
    return problems
