"""The sandbox sorts the rows it loads (by kind, then path) so DuckDB can skip row groups,
and keeps paths and images as ids into tables of their distinct values.

Both are storage only: the whole catalog over a synthetic recording must give exactly
the same findings, in the same order, whatever order the rows are loaded in.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

from tracee_py.query.dataset import open_dataset, parquet_view_sql
from tracee_py.signatures import SignatureSet, run_on_dataset
from tracee_py.signatures.engine import (
    DEFAULT_MAX_FINDINGS,
    DEFAULT_TIMEOUT_S,
    RunObserver,
    RunResult,
    load_plan,
    run_in,
)
from tracee_py.signatures.sandbox import ROW_ORDER, TEXT_DICTIONARY, Sandbox
from tracee_py.synth import generate

# More rows than one DuckDB row group (122,880), so that skipping row groups happens.
EVENTS = 300_000


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("load-order") / "data"
    generate(root, events=EVENTS, nodes=2, seed=11)
    return root


def _run_with_plan(root: Path, catalog: SignatureSet, **changes: Any) -> RunResult:
    """What ``run_on_dataset`` does, with the load plan changed (``order``, ``dictionary``)."""
    plan = replace(load_plan(catalog.signatures), **changes)
    with open_dataset(root) as dataset:
        files = [str(Path(dataset.root) / f.path) for f in dataset.files]
    view = parquet_view_sql("_source", files)
    with Sandbox.load(plan=plan, parquet_view=view) as sandbox:
        return run_in(
            sandbox, catalog.signatures, RunObserver(), DEFAULT_TIMEOUT_S, DEFAULT_MAX_FINDINGS
        )


def _findings(result: RunResult) -> list[dict[str, Any]]:
    assert not result.errors, [(r.signature.id, r.error) for r in result.errors]
    return [asdict(f) for f in result.findings]


def test_catalog_findings_do_not_depend_on_the_load_order(
    recording: Path, catalog: SignatureSet
) -> None:
    default = run_on_dataset(recording, catalog.signatures)
    assert default.rows_loaded > 122_880
    expected = _findings(default)
    # Synthetic paths are drawn at random, so several signatures fire: the comparison
    # below is over real findings, not two empty lists.
    fired = {f["signature_id"] for f in expected}
    assert len(expected) > 100 and len(fired) >= 5
    assert ROW_ORDER == ("event", "path")
    assert TEXT_DICTIONARY == ("path", "exe")
    # The recording's own order (helpers unsorted too), one that scatters every kind, and
    # paths and images stored as text in the rows instead of ids into their dictionaries.
    for changes in [{"order": ()}, {"order": ("process_id", "time")}, {"dictionary": ()}]:
        other = _run_with_plan(recording, catalog, **changes)
        assert other.rows_loaded == default.rows_loaded, changes
        assert _findings(other) == expected, changes
        assert [len(r.findings) for r in other.runs] == [len(r.findings) for r in default.runs]
