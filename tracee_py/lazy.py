"""Modules imported on first use.

``tracee-py record`` runs for days on every node; the investigation side's DuckDB (about
20 MB resident once imported) has no business in its memory. Modules that need DuckDB
take it from here (``from tracee_py.lazy import duckdb``), where it is bound with
:func:`lazy_module`, so importing the CLI costs nothing until a query runs.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module object that is executed on its first attribute access."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


if TYPE_CHECKING:
    import duckdb as duckdb
    import pyarrow.compute as pc
else:
    duckdb = lazy_module("duckdb")  # the recorder imports query modules but never queries
    # pyarrow's compute kernels: about a tenth of a second of every command's start-up,
    # needed only by output with timestamps and some process-tree filters
    pc = lazy_module("pyarrow.compute")
