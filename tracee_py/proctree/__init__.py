"""Process trees over a recording: ancestors, descendants, what ran when, pid reuse.

Every function takes an open :class:`tracee_py.query.Dataset` and returns dataclasses from
:mod:`.model`; nothing here prints.
"""

from tracee_py.proctree.index import ProcessIndex, default_cache_dir
from tracee_py.proctree.model import (
    AmbiguousProcessError,
    ExecRecord,
    ProcessNode,
    ProcessTree,
)
from tracee_py.proctree.timeline import TIMELINE_COLUMNS, TimelineEvent, describe, timeline
from tracee_py.proctree.tree import (
    ancestors,
    descendants,
    find_process,
    forest,
    process_index,
    process_tree,
    processes_at,
    recording_end,
    resolve,
    resolve_pid,
)

__all__ = [
    "TIMELINE_COLUMNS",
    "AmbiguousProcessError",
    "ExecRecord",
    "ProcessIndex",
    "ProcessNode",
    "ProcessTree",
    "TimelineEvent",
    "ancestors",
    "default_cache_dir",
    "descendants",
    "describe",
    "find_process",
    "forest",
    "process_index",
    "process_tree",
    "processes_at",
    "recording_end",
    "resolve",
    "resolve_pid",
    "timeline",
]
