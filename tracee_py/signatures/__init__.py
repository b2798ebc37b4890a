"""Behavioural signatures: rules as data (YAML + DuckDB SQL) with their own sample events.

``load_signatures`` validates a set and reports every problem at once; ``run_on_dataset``
runs a set over a recording inside a locked DuckDB sandbox; ``verify_all_samples`` proves
each signature on its positive and negative samples; :mod:`.report` turns the findings
into JSON, SARIF 2.1.0 or JUnit XML.
"""

from tracee_py.signatures.engine import (
    RunObserver,
    RunResult,
    SignatureRun,
    run_on_dataset,
    run_on_table,
)
from tracee_py.signatures.loader import (
    SignatureSet,
    SignatureSetError,
    builtin_catalog,
    collect_signatures,
    load_signatures,
)
from tracee_py.signatures.model import (
    Confidence,
    Finding,
    MitreRef,
    Problem,
    Severity,
    Signature,
)
from tracee_py.signatures.samples import SampleOutcome, verify_all_samples, verify_samples
from tracee_py.signatures.sandbox import (
    AccessDenied,
    QueryFailed,
    QueryTimeout,
    RejectedStatement,
    Sandbox,
    SandboxError,
)

__all__ = [
    "AccessDenied",
    "Confidence",
    "Finding",
    "MitreRef",
    "Problem",
    "QueryFailed",
    "QueryTimeout",
    "RejectedStatement",
    "RunObserver",
    "RunResult",
    "SampleOutcome",
    "Sandbox",
    "SandboxError",
    "Severity",
    "Signature",
    "SignatureRun",
    "SignatureSet",
    "SignatureSetError",
    "builtin_catalog",
    "collect_signatures",
    "load_signatures",
    "run_on_dataset",
    "run_on_table",
    "verify_all_samples",
    "verify_samples",
]
