"""Reading recordings: a DuckDB connection with the ``events``, ``processes`` and ``stats``
views, and the time syntax the CLI accepts."""

from tracee_py.query.dataset import (
    DamagedFile,
    DataFile,
    Dataset,
    QueryResult,
    open_dataset,
    parquet_view_sql,
)
from tracee_py.query.times import format_ns, parse_time
from tracee_py.query.views import PROCESS_COLUMNS, install_derived_views

__all__ = [
    "PROCESS_COLUMNS",
    "DamagedFile",
    "DataFile",
    "Dataset",
    "QueryResult",
    "format_ns",
    "install_derived_views",
    "open_dataset",
    "parquet_view_sql",
    "parse_time",
]
