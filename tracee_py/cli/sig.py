"""``tracee-py sig``: list, check, test and run behavioural signatures."""

from __future__ import annotations

import fnmatch
import json
import shlex
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tracee_py.cli.common import (
    DATA_OPTION,
    ENGINE_OPTION,
    FROM_OPTION,
    NODES_OPTION,
    SPARK_MASTER_OPTION,
    STRICT_OPTION,
    TO_OPTION,
    Engine,
    refuse_problems,
    time_or_none,
)
from tracee_py.cli.console import err_console, warning_line
from tracee_py.cli.output import data_console
from tracee_py.errors import UsageError
from tracee_py.printable import printable
from tracee_py.query.interrupt import check_timeout
from tracee_py.signatures import coverage as attack_coverage
from tracee_py.signatures import peers as peer_catalogs
from tracee_py.signatures import report
from tracee_py.signatures.engine import (
    DEFAULT_MAX_FINDINGS,
    DEFAULT_TIMEOUT_S,
    RunObserver,
    SignatureRun,
    run_on_dataset,
)
from tracee_py.signatures.loader import (
    SignatureSet,
    SignatureSetError,
    builtin_catalog,
    collect_signatures,
    load_signatures,
)
from tracee_py.signatures.model import (
    SEVERITY_LABELS,
    Finding,
    Problem,
    Severity,
    Signature,
    SourceLocation,
)
from tracee_py.signatures.samples import SampleOutcome, verify_all_samples
from tracee_py.signatures.sqlcheck import CHECK_TIMEOUT_S

sig_app = typer.Typer(
    name="sig",
    help="Behavioural signatures: list, check and test them, run them over a recording.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


class TestFormat(StrEnum):
    table = "table"
    json = "json"


class CoverageFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class RunFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"
    json = "json"
    sarif = "sarif"
    junit = "junit"


SIGNATURES_OPTION = typer.Option(
    None,
    "--signatures",
    "-s",
    help="Extra signature folder (a catalog or one signature); repeat for more. "
    "Added on top of the built-in catalog.",
)
NO_BUILTIN_OPTION = typer.Option(
    False, "--no-builtin", help="Leave out the built-in catalog; use only --signatures."
)
SEVERITY_OPTION = typer.Option(
    None,
    "--severity",
    help=f"Only signatures at or above this severity ({', '.join(SEVERITY_LABELS)}).",
)
CHECK_TIMEOUT_OPTION = typer.Option(
    CHECK_TIMEOUT_S,
    "--timeout",
    help="Seconds each signature's SQL may run when it is checked on empty tables.",
)
SIGMA_OPTION = typer.Option(
    None,
    "--sigma",
    help="Sigma rule file or directory (searched recursively for *.yml, *.yaml); repeatable. "
    "Converted rules run beside the catalog, in the same sandbox.",
)
ID_OPTION = typer.Option(
    None, "--id", help="Only this signature id (glob patterns work: 'cred-*'); repeatable."
)


def register(app: typer.Typer) -> None:
    app.add_typer(sig_app, name="sig")


# -- helpers ----------------------------------------------------------------------------------


def _directories(
    extra: Sequence[Path] | None, no_builtin: bool, sigma: Sequence[Path] | None = None
) -> list[Path]:
    dirs = [] if no_builtin else [builtin_catalog()]
    dirs += list(extra or [])
    if not dirs and not sigma:
        raise UsageError(
            "no signatures: --no-builtin needs at least one --signatures DIR or --sigma PATH"
        )
    return dirs


def _sigma_signatures(paths: Sequence[Path], timeout: float) -> list[Signature]:
    """Sigma rules converted; malformed ones stop the command, each with file and line."""
    # pySigma costs a fifth of the CLI's start-up; only --sigma pays for it.
    from tracee_py.signatures.sigma import NOT_CONVERTED, load_sigma

    converted = load_sigma(paths, timeout=timeout)
    if converted.problems:
        raise SignatureSetError(converted.problems)
    skipped = [c for c in converted.conversions if c.status == NOT_CONVERTED]
    if skipped:
        err_console.print(
            warning_line(
                f"{len(skipped)} of {len(converted.conversions)} Sigma rules not converted "
                "(`tracee-py sig check --sigma PATH` says why)"
            ),
            highlight=False,
            soft_wrap=True,
        )
    return converted.signatures


def _select(
    signatures: Iterable[Signature], ids: Sequence[str] | None, severity: str | None
) -> list[Signature]:
    signatures = list(signatures)
    chosen = list(signatures)
    if severity:
        try:
            floor = Severity.parse(severity)
        except ValueError as exc:
            raise UsageError(f"--severity: {exc}") from None
        chosen = [s for s in chosen if s.severity >= floor]
    if ids:
        unmatched = [p for p in ids if not any(fnmatch.fnmatchcase(s.id, p) for s in signatures)]
        if unmatched:
            raise UsageError(
                f"--id {', '.join(unmatched)} matches no signature (see `tracee-py sig list`)"
            )
        chosen = [s for s in chosen if any(fnmatch.fnmatchcase(s.id, p) for p in ids)]
    return chosen


def _plain(text: str) -> str:
    """Text from a recording or a signature pack, for a Rich table cell: markup escaped,
    control characters made visible."""
    return escape(printable(text))


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# -- sig list ---------------------------------------------------------------------------------


def _signature_dict(sig: Signature) -> dict[str, Any]:
    return {
        "id": sig.id,
        "name": sig.name,
        "severity": sig.severity.label,
        "confidence": sig.confidence.label,
        "mitre_tactic": str(sig.tactic),
        "mitre_technique": str(sig.technique),
        "mitre_also": [str(ref) for ref in sig.also],
        "tags": list(sig.tags),
        "events": sorted(sig.event_kinds) if sig.event_kinds is not None else None,
        "ready": sig.ready,
        "status": sig.status,
        "folder": str(sig.folder),
    }


@sig_app.command("list")
def list_signatures(
    signatures: list[Path] | None = SIGNATURES_OPTION,
    no_builtin: bool = NO_BUILTIN_OPTION,
    severity: str | None = SEVERITY_OPTION,
    ids: list[str] | None = ID_OPTION,
    output: ListFormat = typer.Option(ListFormat.table, "--output", "-o", help="Output format."),
    timeout: float = CHECK_TIMEOUT_OPTION,
) -> None:
    """List the signatures: id, severity, MITRE ATT&CK mapping, and whether the recorder
    produces the data each one needs (STATUS says what is missing when it does not).

    Examples:

        tracee-py sig list

        tracee-py sig list --severity high -o json

        tracee-py sig list -s ./my-signatures
    """

    def body() -> None:
        limit = check_timeout(timeout)
        sigs = _select(
            load_signatures(
                _directories(signatures, no_builtin), check_samples=False, timeout=limit
            ),
            ids,
            severity,
        )
        if output is ListFormat.json:
            _write(json.dumps([_signature_dict(s) for s in sigs], indent=2) + "\n")
            return
        if output is ListFormat.jsonl:
            _write("".join(json.dumps(_signature_dict(s)) + "\n" for s in sigs))
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("ID", "SEVERITY", "CONFIDENCE", "TACTIC", "TECHNIQUE", "NAME", "STATUS"):
            table.add_column(column, overflow="fold")
        for s in sigs:
            table.add_row(
                s.id,
                _severity_markup(s.severity),
                s.confidence.label,
                _plain(s.tactic.name),
                _plain(f"{s.technique.id} {s.technique.name}"),
                _plain(s.name),
                "ready" if s.ready else f"[yellow]needs data: {_plain(s.status or '')}[/]",
            )
        data_console().print(table)
        waiting = sum(1 for s in sigs if not s.ready)
        err_console.print(
            f"{len(sigs)} signatures"
            + (f", {waiting} need data the recorder does not produce yet" if waiting else ""),
            highlight=False,
        )

    body()


def _severity_markup(severity: Severity) -> str:
    color = {
        Severity.INFO: "dim",
        Severity.LOW: "cyan",
        Severity.MEDIUM: "yellow",
        Severity.HIGH: "red",
        Severity.CRITICAL: "bold red",
    }[severity]
    return f"[{color}]{severity.label}[/]"


# -- sig coverage -----------------------------------------------------------------------------

PROCEDURES_OPTION = typer.Option(
    None,
    "--procedures",
    help="Folder of procedure scripts (# technique: and # expect: headers); "
    "default: tests/detection/procedures of this checkout.",
)


def _coverage_of(
    signatures: list[Path] | None, no_builtin: bool, procedures: Path | None
) -> tuple[SignatureSet, attack_coverage.Coverage]:
    sigs = load_signatures(
        _directories(signatures, no_builtin), check_sql=False, check_samples=False
    )
    return sigs, attack_coverage.catalog_coverage(sigs, procedures)


def _render_report(
    output: CoverageFormat,
    markdown: Callable[[], str],
    as_dict: Callable[[], dict[str, Any]],
    table: Callable[[], None],
) -> None:
    """One report of ``sig coverage`` or ``sig compare`` in the chosen format: Markdown and
    JSON on standard output as they are, the table drawn by ``table``."""
    if output is CoverageFormat.markdown:
        _write(markdown())
    elif output is CoverageFormat.json:
        _write(json.dumps(as_dict(), indent=2) + "\n")
    else:
        table()


@sig_app.command("coverage")
def coverage(
    signatures: list[Path] | None = SIGNATURES_OPTION,
    no_builtin: bool = NO_BUILTIN_OPTION,
    procedures: Path | None = PROCEDURES_OPTION,
    output: CoverageFormat = typer.Option(
        CoverageFormat.table, "--output", "-o", help="Output format."
    ),
) -> None:
    """How much of the Linux ATT&CK matrix the signatures cover, per tactic: techniques,
    host-visible, covered (a signature and a procedure recorded for it), signature only,
    needs a new event kind, not visible. ``-o markdown`` writes docs/coverage.md; ``-o
    json`` lists every technique with its status, signatures and procedures.

    Examples:

        tracee-py sig coverage

        tracee-py sig coverage -o markdown > docs/coverage.md

        tracee-py sig coverage -o json | jq '.techniques[] | select(.status == "not covered")'
    """

    _, cov = _coverage_of(signatures, no_builtin, procedures)

    def draw() -> None:
        table = Table(box=None, pad_edge=False, header_style="bold")
        columns = ("TACTIC", "TECHNIQUES", "HOST-VISIBLE", "COVERED", "SIGNATURE ONLY")
        for column in (*columns, "NOT COVERED", "NEEDS NEW KIND", "NOT VISIBLE", "COVERED %"):
            table.add_column(column, justify="left" if column == "TACTIC" else "right")
        rows = [(f"{t.id} {t.name}", cov.per_tactic[t.id]) for t in cov.matrix.tactics]
        for label, c in [*rows, ("total", cov.total)]:
            d = c.to_dict()
            table.add_row(
                label,
                *(str(d[k]) for k in ("techniques", "host_visible", "covered", "signature_only")),
                *(str(d[k]) for k in ("not_covered", "needs_new_kind", "not_visible")),
                attack_coverage.percent(c.covered, c.recorder_visible),
            )
        data_console().print(table)
        total = cov.total
        err_console.print(
            f"ATT&CK v{cov.matrix.version} Linux: {total.covered} of {total.recorder_visible} "
            "techniques a host recorder can see are covered "
            f"({attack_coverage.percent(total.covered, total.recorder_visible)}); "
            f"{len(cov.procedures)} procedures",
            highlight=False,
        )

    _render_report(
        output,
        lambda: attack_coverage.coverage_markdown(cov),
        lambda: attack_coverage.coverage_dict(cov),
        draw,
    )


# -- sig compare ------------------------------------------------------------------------------


@sig_app.command("compare")
def compare(
    signatures: list[Path] | None = SIGNATURES_OPTION,
    no_builtin: bool = NO_BUILTIN_OPTION,
    procedures: Path | None = PROCEDURES_OPTION,
    output: CoverageFormat = typer.Option(
        CoverageFormat.table, "--output", "-o", help="Output format."
    ),
) -> None:
    """The Linux ATT&CK techniques our signatures name beside those Falco's rules and
    Tracee's signatures are tagged with (tracee_py/signatures/peers.yaml): per catalog, the
    union, ours alone, and theirs we lack with their rule names. ``-o markdown`` writes
    docs/comparison.md.

    Examples:

        tracee-py sig compare

        tracee-py sig compare -o markdown > docs/comparison.md

        tracee-py sig compare -o json | jq '.only_theirs'
    """

    sigs, cov = _coverage_of(signatures, no_builtin, procedures)
    result = peer_catalogs.compare(cov, peer_catalogs.load_peers())

    def draw() -> None:
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("CATALOG", "RULES", "LINUX TECHNIQUES"):
            table.add_column(column, justify="left" if column == "CATALOG" else "right")
        for s in result.peers:
            table.add_row(s.peer.name, str(len(s.peer.rules)), str(len(s.in_matrix)))
        table.add_row("peers together", "", str(len(result.union)))
        table.add_row(
            "ours (a signature names it)", str(len(sigs.signatures)), str(len(result.ours_named))
        )
        table.add_row("ours (covered, procedure recorded)", "", str(len(result.ours_covered)))
        data_console().print(table)
        err_console.print(
            f"{len(result.only_ours)} techniques are ours alone; the peers name "
            f"{len(result.only_theirs)} we do not: " + (", ".join(result.only_theirs) or "none"),
            highlight=False,
        )

    _render_report(
        output,
        lambda: peer_catalogs.comparison_markdown(result),
        lambda: peer_catalogs.comparison_dict(result),
        draw,
    )


# -- sig check --------------------------------------------------------------------------------


@sig_app.command("check")
def check(
    directory: Path | None = typer.Argument(
        None,
        help="Signature folder to check alone. Default: the built-in catalog and --signatures.",
    ),
    signatures: list[Path] | None = SIGNATURES_OPTION,
    no_builtin: bool = NO_BUILTIN_OPTION,
    timeout: float = CHECK_TIMEOUT_OPTION,
    sigma: list[Path] | None = SIGMA_OPTION,
    output: ListFormat = typer.Option(
        ListFormat.table, "--output", "-o", help="Format of the Sigma conversion report."
    ),
) -> None:
    """Validate signatures: rule files against the schema, SQL against the sandbox and the
    event schema, sample files line by line. Every problem is reported, with file and line.

    With --sigma, checks Sigma rules instead and prints the conversion report: every rule,
    converted or not_converted and why. Exit code 2 when a rule is not valid Sigma.

    Examples:

        tracee-py sig check

        tracee-py sig check ./my-signatures

        tracee-py sig check --sigma ./sigma-rules -o jsonl
    """

    def body() -> None:
        if sigma:
            _check_sigma(sigma, output, check_timeout(timeout))
            return
        dirs = [directory] if directory else _directories(signatures, no_builtin)
        loaded, problems = collect_signatures(dirs, timeout=check_timeout(timeout))
        if problems:
            raise SignatureSetError(problems)
        err_console.print(f"{len(loaded)} signatures checked: no problems", highlight=False)

    body()


def _refuse_duplicate_ids(signatures: Sequence[Signature]) -> None:
    seen: dict[str, Signature] = {}
    for sig in signatures:
        first = seen.setdefault(sig.id, sig)
        if first is not sig:
            raise SignatureSetError(
                [
                    Problem(
                        SourceLocation(sig.rule_file, sig.id_line),
                        f"duplicate signature id {sig.id!r} (first defined in {first.rule_file})",
                    )
                ]
            )


def _check_sigma(paths: Sequence[Path], output: ListFormat, timeout: float) -> None:
    from tracee_py.signatures.sigma import NOT_CONVERTED, load_sigma

    converted = load_sigma(paths, timeout=timeout)
    rows = [c.to_dict() for c in converted.conversions]
    if output is ListFormat.json:
        _write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    elif output is ListFormat.jsonl:
        _write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    else:
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("STATUS", "FILE", "ID", "TITLE", "REASON"):
            table.add_column(column, overflow="fold")
        for r in rows:
            ok = r["status"] != NOT_CONVERTED
            table.add_row(
                "[green]converted[/]" if ok else "[yellow]not_converted[/]",
                _plain(f"{r['file']}:{r['line']}"),
                _plain(r["id"] or ""),
                _plain(r["title"] or ""),
                _plain(r["reason"] or ""),
            )
        data_console().print(table)
    done = sum(1 for r in rows if r["status"] != NOT_CONVERTED)
    err_console.print(
        f"{len(rows)} Sigma rules: {done} converted, {len(rows) - done} not converted",
        highlight=False,
    )
    if converted.problems:
        raise SignatureSetError(converted.problems)


# -- sig test ---------------------------------------------------------------------------------


@sig_app.command("test")
def test(
    directory: Path | None = typer.Argument(
        None, help="Signature folder to test alone. Default: the built-in catalog and --signatures."
    ),
    signatures: list[Path] | None = SIGNATURES_OPTION,
    no_builtin: bool = NO_BUILTIN_OPTION,
    ids: list[str] | None = ID_OPTION,
    output: TestFormat = typer.Option(TestFormat.table, "--output", "-o", help="Output format."),
    timeout: float = typer.Option(
        DEFAULT_TIMEOUT_S, "--timeout", help="Seconds one signature may run on its samples."
    ),
) -> None:
    """Run every signature on its own sample events: positive.jsonl must yield exactly the
    expected findings, negative.jsonl none. Exits 1 on any missing or extra finding and
    says which.

    Examples:

        tracee-py sig test

        tracee-py sig test ./my-signatures --id 'cred-*'
    """

    def body() -> None:
        dirs = [directory] if directory else _directories(signatures, no_builtin)
        limit = check_timeout(timeout)
        sigs = _select(load_signatures(dirs, check_samples=False, timeout=limit), ids, None)
        with _progress() as progress:
            task = progress.add_task("testing", total=len(sigs))
            outcomes = verify_all_samples(
                sigs,
                on_done=lambda o: progress.update(task, advance=1, description=o.signature.id),
                timeout=limit,
            )
        _print_outcomes(outcomes, output)
        failed = [o for o in outcomes if not o.ok]
        err_console.print(
            f"{len(outcomes) - len(failed)} passed, {len(failed)} failed", highlight=False
        )
        if failed:
            raise typer.Exit(1)

    body()


def _print_outcomes(outcomes: list[SampleOutcome], output: TestFormat) -> None:
    if output is TestFormat.json:
        rows = [
            {
                "id": o.signature.id,
                "ok": o.ok,
                "expected": o.expected,
                "positive_findings": len(o.positive),
                "negative_findings": len(o.negative),
                "missing": o.missing,
                "extra": o.extra,
                "problems": o.problems,
            }
            for o in outcomes
        ]
        _write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("RESULT", "ID", "POSITIVE", "NEGATIVE", "WHY"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        why = [
            *o.problems,
            *(f"missing: {m}" for m in o.missing),
            *(f"extra: {e}" for e in o.extra),
        ]
        table.add_row(
            "[green]ok[/]" if o.ok else "[bold red]FAIL[/]",
            o.signature.id,
            f"{len(o.positive)}/{o.expected if o.expected is not None else '?'}",
            str(len(o.negative)),
            "\n".join(_plain(w) for w in why),
        )
    data_console().print(table)


# -- sig run ----------------------------------------------------------------------------------


class _ProgressObserver(RunObserver):
    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("reading recording", total=total)

    def loading(self, kinds: tuple[str, ...] | None) -> None:
        what = f"{len(kinds)} event kinds" if kinds else "all events"
        self.progress.update(self.task, description=f"reading {what}")

    def started(self, signature: Signature, index: int, total: int) -> None:
        self.progress.update(self.task, description=signature.id)

    def finished(self, run: SignatureRun) -> None:
        self.progress.update(self.task, advance=1)


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


@sig_app.command("run")
def run(
    data: str = DATA_OPTION,
    output: RunFormat = typer.Option(RunFormat.table, "--output", "-o", help="Output format."),
    severity: str | None = SEVERITY_OPTION,
    ids: list[str] | None = ID_OPTION,
    fail_on: str | None = typer.Option(
        None,
        "--fail-on",
        help="Exit 1 when a finding at or above this severity exists (for CI).",
    ),
    signatures: list[Path] | None = SIGNATURES_OPTION,
    no_builtin: bool = NO_BUILTIN_OPTION,
    node: list[str] | None = NODES_OPTION,
    time_from: str | None = FROM_OPTION,
    time_to: str | None = TO_OPTION,
    timeout: float = typer.Option(
        DEFAULT_TIMEOUT_S, "--timeout", help="Seconds one signature may run before it is stopped."
    ),
    max_findings: int = typer.Option(
        DEFAULT_MAX_FINDINGS, "--max-findings", help="Findings kept per signature."
    ),
    sarif_artifact: str | None = typer.Option(
        None,
        "--sarif-artifact",
        help="File the SARIF results point at (GitHub needs a path in the repository, e.g. "
        "package-lock.json). Default: the data directory.",
    ),
    strict: bool = STRICT_OPTION,
    sigma: list[Path] | None = SIGMA_OPTION,
    engine: Engine = ENGINE_OPTION,
    spark_master: str | None = SPARK_MASTER_OPTION,
) -> None:
    """Run signatures over a recording and print the findings.

    The recording is read once: the rows of the event kinds the selected signatures use
    are loaded into a locked, in-memory DuckDB sandbox, and every signature queries that.
    Exit code: 5 with --strict when the recording is damaged or does not match its
    manifest, 1 when --fail-on is given and a finding at or above it exists, 2 when a
    signature failed, else 0.

    Examples:

        tracee-py sig run --data ./rec

        tracee-py sig run --data ./rec --fail-on high -o sarif > results.sarif

        tracee-py sig run --data ./rec --id 'reverse-shell*' --from -1h -o jsonl

        tracee-py sig run --data ./rec --no-builtin --sigma ./sigma-rules -o sarif

        tracee-py sig run --engine spark --data s3://forensics/fleet --from 2026-11-01

    With --engine spark the same signatures run on Spark (local mode, or --spark-master),
    translated from DuckDB SQL; see docs/fleet.md for what differs.
    """

    def body() -> None:
        floor = _parse_severity(fail_on, "--fail-on") if fail_on else None
        limit = check_timeout(timeout)
        if max_findings < 1:
            raise UsageError(f"--max-findings must be at least 1, not {max_findings}")
        from_ns, to_ns = time_or_none(time_from), time_or_none(time_to)  # before any output
        dirs = _directories(signatures, no_builtin, sigma)
        check_limit = min(limit, CHECK_TIMEOUT_S)
        loaded: list[Signature] = []
        if dirs:
            loaded += load_signatures(dirs, check_samples=False, timeout=check_limit)
        if sigma:
            loaded += _sigma_signatures(sigma, check_limit)
        _refuse_duplicate_ids(loaded)
        sigs = _select(loaded, ids, severity)
        if not sigs:
            raise UsageError("no signature selected")
        root = data
        with _progress() as progress:
            run_signatures = run_on_dataset
            extra: dict[str, Any] = {}
            if engine is Engine.spark:
                from tracee_py.signatures.spark_sandbox import run_on_spark_dataset

                run_signatures = run_on_spark_dataset  # type: ignore[assignment]
                extra["master"] = spark_master
            elif spark_master:
                raise UsageError("--spark-master needs --engine spark")
            result = run_signatures(
                root,
                sigs,
                observer=_ProgressObserver(progress, len(sigs)),
                timeout=limit,
                max_findings=max_findings,
                time_from_ns=from_ns,
                time_to_ns=to_ns,
                nodes=node or None,
                **extra,
            )
        for warning in result.warnings:
            err_console.print(warning_line(warning), highlight=False, soft_wrap=True)
        findings = result.findings
        if output is RunFormat.table:
            _print_findings(findings)
        elif output is RunFormat.json:
            _write(report.findings_json(findings))
        elif output is RunFormat.jsonl:
            _write(report.findings_jsonl(findings))
        elif output is RunFormat.sarif:
            _write(
                report.sarif_text(
                    result,
                    artifact_uri=sarif_artifact or str(root),
                    command=shlex.join(["tracee-py", *sys.argv[1:]]),
                )
            )
        else:
            _write(report.junit_xml(result))
        _summary(findings, len(sigs), result.rows_loaded)
        if strict:
            refuse_problems(result.dataset_problems)
        if floor is not None and any(f.severity >= floor for f in findings):
            raise typer.Exit(1)
        if result.errors:
            raise typer.Exit(2)

    body()


def _parse_severity(text: str, option: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _print_findings(findings: list[Finding]) -> None:
    if not findings:
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    columns = ("TIME", "SEVERITY", "CONFIDENCE", "SIGNATURE", "PROCESS", "WHERE", "DETAIL")
    for column in (*columns, "ANCESTRY"):
        table.add_column(column, overflow="fold")
    for f in findings:
        where = f.node or "?"
        if f.pod_name:
            where = f"{f.pod_namespace or '?'}/{f.pod_name}"
        elif f.container_name or f.container_id:
            where = f"container {f.container_name or (f.container_id or '')[:12]}"
        table.add_row(
            f.time[:23] + "Z",
            _severity_markup(f.severity),
            f.confidence.label,
            f.signature_id,
            _plain(f"{f.comm or '?'}[{f.pid if f.pid is not None else '?'}]"),
            _plain(where),
            _plain(f.detail),
            _plain(report.ancestry_text(f)),
        )
    data_console().print(table)


def _summary(findings: list[Finding], signatures: int, rows: int) -> None:
    by_severity = Counter(f.severity for f in findings)
    parts = [f"{by_severity[s]} {s.label}" for s in sorted(by_severity, reverse=True)]
    detail = f" ({', '.join(parts)})" if parts else ""
    err_console.print(
        f"{len(findings)} findings{detail} from {signatures} signatures over {rows} events",
        highlight=False,
        soft_wrap=True,  # one line, however many severities it lists
    )
