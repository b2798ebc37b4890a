"""The exception tree. Every error a user can cause derives from :class:`TraceePyError`;
the CLI prints its message as one line on stderr and exits non-zero."""

from __future__ import annotations


class TraceePyError(Exception):
    """Root of every error tracee-py raises on purpose."""

    exit_code = 2


class UsageError(TraceePyError):
    """A flag value or argument that cannot be used."""


class CaptureError(TraceePyError):
    """The recorder cannot capture: not root, no BPF, no tracefs, compile failure."""

    exit_code = 3


class StoreError(TraceePyError):
    """Writing the dataset failed (disk full, permissions); closed files stay valid."""

    exit_code = 4


class DataError(TraceePyError):
    """The data directory is missing, empty or unreadable."""


class IntegrityError(DataError):
    """The recording does not match its manifest, or files of it are damaged (``--strict``
    and ``verify``)."""

    exit_code = 5


class QueryError(TraceePyError):
    """A query could not run: bad SQL, unknown column, bad parameter."""


class NotFoundError(TraceePyError):
    """A pid, process_id, container or pod that is not in the recording."""


class TimeParseError(UsageError):
    """A time that does not parse."""


class SignatureError(TraceePyError):
    """A signature set is invalid; the message lists every problem with file and line."""
