"""Writing the dataset: Hive-partitioned Parquet files, manifest and stats."""

from tracee_py.store.layout import DatasetLayout
from tracee_py.store.writer import EventWriter, WriterSettings

__all__ = ["DatasetLayout", "EventWriter", "WriterSettings"]
