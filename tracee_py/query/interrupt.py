"""Stopping a DuckDB query: after a time limit, or when the user presses Ctrl-C.

DuckDB takes SIGINT itself while a query runs and raises ``RuntimeError("Query
interrupted")`` (not a ``duckdb.Error``); ``connection.interrupt()`` from another thread
raises ``duckdb.InterruptException``. Callers tell the two apart with :func:`is_interrupt`
and :attr:`TimeLimit.expired`, and turn a user's interrupt back into ``KeyboardInterrupt``
so that it stops the whole command instead of failing one query.

On a connection whose external access is off (the signature sandbox), DuckDB does not
take SIGINT, and a query in the main thread cannot be stopped by Ctrl-C at all:
:func:`in_worker` runs it in a thread of its own while the main thread waits, receives
the ``KeyboardInterrupt`` and interrupts the query.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from tracee_py.errors import UsageError
from tracee_py.lazy import duckdb

T = TypeVar("T")
MAX_TIMEOUT_S = 7 * 86_400.0  # a week; longer is a typo, and threading.Timer needs finite


def check_timeout(seconds: float, option: str = "--timeout") -> float:
    """``seconds`` if it is a usable time limit: finite, above zero, at most a week."""
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_TIMEOUT_S:
        raise UsageError(
            f"{option} must be a number of seconds above 0 and at most {MAX_TIMEOUT_S:g}, "
            f"not {seconds!r}"
        )
    return seconds


def is_interrupt(exc: BaseException) -> bool:
    """True for the exceptions DuckDB raises when a query was interrupted."""
    if isinstance(exc, duckdb.InterruptException):
        return True
    return type(exc) is RuntimeError and "interrupted" in str(exc).lower()


def in_worker(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """``work()`` (a query on ``con``) in a worker thread; Ctrl-C interrupts it and raises
    ``KeyboardInterrupt`` here. Its result or its exception comes back as if run here."""
    outcome: dict[str, object] = {}
    done = threading.Event()  # not Thread.join: an interrupted join forgets the thread

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the waiting thread below
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="tracee-py-query", daemon=True).start()
    try:
        while not done.wait(0.25):  # a timed wait: a signal reaches this thread
            pass
    except KeyboardInterrupt:
        while not done.is_set():
            con.interrupt()
            done.wait(0.25)
        raise
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class TimeLimit:
    """``with TimeLimit(con, seconds) as limit:`` interrupts ``con`` after ``seconds``
    (None: no limit). ``limit.expired`` says whether the limit is what stopped it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, seconds: float | None) -> None:
        self._con = con
        self.seconds = seconds
        self._expired = threading.Event()
        self._timer: threading.Timer | None = None

    @property
    def expired(self) -> bool:
        return self._expired.is_set()

    def _stop(self) -> None:
        self._expired.set()
        self._con.interrupt()

    def __enter__(self) -> TimeLimit:
        if self.seconds is not None:
            self._timer = threading.Timer(self.seconds, self._stop)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if exc is not None and is_interrupt(exc) and not self.expired:
            raise KeyboardInterrupt from exc
