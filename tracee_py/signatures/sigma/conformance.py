"""How much of a Sigma rule set converts, per log source, and whether the converted rules run.

:func:`conformance` reads a checkout of rules (any folder layout: every ``*.yml``/``*.yaml``
under the paths), converts it as ``sig check --sigma`` does and counts, for each log source,
the rules, the converted ones and the reasons of the others. A log source *counts* towards
the conversion goal when the recorder records its facts (:data:`COUNTED`); the others are
listed with the reason they do not count. Given a recording, every converted rule is also
run over it, and a rule whose query fails counts as a runtime error.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tracee_py.signatures.engine import DEFAULT_TIMEOUT_S, run_on_dataset
from tracee_py.signatures.sigma.convert import CONVERTED, SigmaSet, load_sigma
from tracee_py.signatures.sigma.pipeline import LOG_SOURCES

# Log sources whose facts the recorder writes, by the word the report uses for them.
COUNTED = {f"linux/{category}": "recorded" for category in LOG_SOURCES}
# Log sources we know and do not count, with why.
NOT_COUNTED = {
    "linux/service:syslog": "text log lines are not recorded",
    "linux/service:sshd": "sshd log lines are not recorded",
    "linux/service:sudo": "sudo log lines are not recorded",
    "linux/service:auth": "auth log lines are not recorded",
    "linux/service:vsftpd": "vsftpd log lines are not recorded",
    "linux/service:clamav": "clamav log lines are not recorded",
    "linux/service:cron": "cron log lines are not recorded",
    "linux/service:guacamole": "guacamole log lines are not recorded",
    "linux": "keyword rules over any Linux log: log lines are not recorded",
}
_FIELD = re.compile(r"^field '([^']+)' of log source")


@dataclass
class LogSourceTally:
    """The rules of one log source and what became of them."""

    logsource: str
    counted: bool
    why: str
    rules: int = 0
    converted: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # short reason -> rules
    ran: int = 0  # converted rules run over the recording without error
    runtime_errors: list[str] = field(default_factory=list)  # "<rule id>: <error>"
    findings: int = 0  # findings of the converted rules on the recording
    rules_with_findings: int = 0

    @property
    def not_converted(self) -> int:
        return self.rules - self.converted


@dataclass
class Conformance:
    tallies: list[LogSourceTally]
    problems: int  # rules that are not valid Sigma (also in the tallies' reasons)
    recording: Path | None = None

    def total(self, *, counted: bool = True) -> tuple[int, int]:
        """(rules, converted) over the counted (or the other) log sources."""
        chosen = [t for t in self.tallies if t.counted is counted]
        return sum(t.rules for t in chosen), sum(t.converted for t in chosen)

    @property
    def rate(self) -> float:
        rules, converted = self.total()
        return converted / rules if rules else 0.0


def short_reason(reason: str | None) -> str:
    """A reason reduced to its kind, for counting: ``field DestinationHostname``,
    ``not valid Sigma``, ``duplicate id``, ..."""
    text = reason or "unknown"
    found = _FIELD.match(text)
    if found:
        return f"field {found.group(1)}"
    if text.startswith("not a valid Sigma rule"):
        return "not valid Sigma"
    if text.startswith("duplicate id"):
        return "duplicate id"
    if text.startswith("User value"):
        return "User name (uids only)"
    if text.startswith("a0..aN of SYSCALL"):
        return "SYSCALL arguments a0..aN"
    if text.startswith("audit record type"):
        return " ".join(text.split()[:4])
    if text.startswith("a search with no value"):
        return "empty selection"
    if text.startswith("keyword"):
        return "keyword detection"
    if text.startswith("log source not recorded"):
        return "log source not recorded"
    return text.split(":")[0][:60]


def conformance(
    paths: Sequence[Path], *, recording: Path | None = None, timeout: float | None = None
) -> Conformance:
    """Convert every rule under ``paths``; with ``recording``, run the converted ones."""
    loaded = load_sigma(paths, timeout=timeout)
    tallies: dict[str, LogSourceTally] = {}
    for conversion in loaded.conversions:
        if conversion.kind != "rule":
            continue  # correlations have no log source of their own
        name = conversion.logsource or "(none)"
        tally = tallies.get(name)
        if tally is None:
            counted = name in COUNTED
            why = COUNTED.get(name) or NOT_COUNTED.get(name, "log source not recorded")
            tally = tallies[name] = LogSourceTally(name, counted, why)
        tally.rules += 1
        if conversion.status == CONVERTED:
            tally.converted += 1
        else:
            tally.reasons[short_reason(conversion.reason)] += 1
    if recording is not None:
        _run(loaded, recording, tallies, timeout)
    ordered = sorted(tallies.values(), key=lambda t: (not t.counted, -t.rules, t.logsource))
    return Conformance(ordered, len(loaded.problems), recording)


def _run(
    loaded: SigmaSet, recording: Path, tallies: dict[str, LogSourceTally], timeout: float | None
) -> None:
    by_id = {
        c.signature.id: c.logsource or "(none)"
        for c in loaded.conversions
        if c.signature is not None and c.kind == "rule"
    }
    signatures = [c.signature for c in loaded.conversions if c.signature is not None]
    result = run_on_dataset(recording, signatures, timeout=timeout or DEFAULT_TIMEOUT_S)
    for run in result.runs:
        tally = tallies.get(by_id.get(run.signature.id, ""))
        if tally is None:
            continue
        if run.error:
            tally.runtime_errors.append(f"{run.signature.id}: {run.error}")
        else:
            tally.ran += 1
            tally.findings += len(run.findings)
            tally.rules_with_findings += bool(run.findings)
