"""Sigma rules over recordings: pySigma converts them through our backend and field
mapping into signatures that run in the same sandbox as the catalog.

``load_sigma`` reads rule files and directories and returns a :class:`SigmaSet`: one
:class:`SigmaConversion` per rule (converted, or not and why) and the problems of the
rules that are not valid Sigma, each with file and line.
"""

from tracee_py.signatures.sigma.convert import (
    CONVERTED,
    NOT_CONVERTED,
    SigmaConversion,
    SigmaSet,
    load_sigma,
)

__all__ = ["CONVERTED", "NOT_CONVERTED", "SigmaConversion", "SigmaSet", "load_sigma"]
