"""The per-log-source conversion table of a Sigma rule set, as Markdown.

    .venv/bin/python scripts/sigma-conformance.py PATH... [--data RECORDING] [--label TEXT]

PATH: a checkout of Sigma rules (or any folders of them). With --data, every converted rule
is also run over that recording and rules whose query fails are listed. The counting is
library code (``tracee_py.signatures.sigma.conformance``); this script only prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracee_py.signatures.sigma.conformance import Conformance, conformance  # noqa: E402


def table(report: Conformance, label: str | None) -> str:
    lines = []
    if label:
        lines += [f"Rule set: {label}", ""]
    lines += [
        "| log source | counted | rules | converted | not converted, and why |"
        + (" ran without error | findings (rules) |" if report.recording else ""),
        "|---|---|--:|--:|---|" + ("--:|--:|" if report.recording else ""),
    ]
    for t in report.tallies:
        ordered = sorted(t.reasons.items(), key=lambda item: (-item[1], item[0]))
        reasons = ", ".join(f"{why} ({n})" for why, n in ordered) or "-"
        counted = "yes" if t.counted else f"no: {t.why}"
        row = f"| {t.logsource} | {counted} | {t.rules} | {t.converted} | {reasons} |"
        if report.recording:
            row += f" {t.ran} of {t.converted} | {t.findings} ({t.rules_with_findings}) |"
        lines.append(row)
    rules, converted = report.total()
    lines += [
        "",
        f"Counted log sources: {converted} of {rules} rules converted "
        f"({100 * report.rate:.1f}%); not valid Sigma: {report.problems}.",
    ]
    other_rules, other_converted = report.total(counted=False)
    if other_rules:
        lines.append(f"Not counted: {other_rules} rules ({other_converted} converted).")
    for t in report.tallies:
        for error in t.runtime_errors:
            lines.append(f"runtime error ({t.logsource}): {error}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--data", type=Path, help="a recording to run the converted rules on")
    parser.add_argument("--label", help="what the rules are (repository and commit), printed")
    args = parser.parse_args()
    for path in [*args.paths, *([args.data] if args.data else [])]:
        if not path.exists():
            sys.exit(f"error: {path} does not exist")
    report = conformance(args.paths, recording=args.data)
    print(table(report, args.label))


if __name__ == "__main__":
    main()
