"""Drawing a report: one HTML file with its CSS, script and data inside, under a size cap.

Recorded strings are data. The page is rendered by Jinja2 with autoescaping on; the data
the script reads is JSON inside ``<script type="application/json">`` with ``<``, ``>`` and
``&`` written as ``\\u003c`` escapes, so no recorded string can close the element; the
script puts strings on the page with ``textContent`` only. A Content-Security-Policy lets
only the page's own script (by its hash) run and forbids every network request.

To stay under the cap, the report is drawn with :class:`Limits`, measured, and drawn again
with smaller limits until it fits; what was cut is said on the page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from tracee_py.errors import UsageError
from tracee_py.report.model import (
    Limits,
    ReportData,
    ReportFinding,
    ReportProcess,
    TimelineLine,
)
from tracee_py.units import human_bytes

MAX_ATTEMPTS = 12
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# In a script element, "</script" ends it, "<!--" changes how it ends; the line separators
# are JavaScript line ends. None of them can appear in the JSON written there.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_UNSAFE = re.compile("[" + "".join(_JSON_ESCAPES) + "]")
SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass
class View:
    """The part of the report data drawn at one set of limits."""

    data: ReportData
    limits: Limits
    processes: list[ReportProcess]
    findings: list[ReportFinding]
    payload: dict[str, Any]
    cuts: list[str] = field(default_factory=list)

    @property
    def trimmed(self) -> bool:
        return bool(self.cuts)


def visible(text: Any) -> Any:
    """Control characters as ``\\xNN`` escapes: recorded text shows what it holds."""
    if not isinstance(text, str):
        return text
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a ``<script>`` element: it cannot contain ``<``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(_JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


# -- choosing what fits -----------------------------------------------------------------------


def view(data: ReportData, limits: Limits) -> View:
    procs = data.processes
    cuts: list[str] = []
    findings = sorted(data.findings, key=lambda f: (-f.severity_rank, f.time))
    if len(findings) > limits.table_rows:
        cuts.append(f"{limits.table_rows:,} of {len(findings):,} findings, the most severe first")
        findings = findings[: limits.table_rows]
    flagged = [p for p in dict.fromkeys(f.process_id for f in findings) if p in procs]
    kept = _kept_processes(data, limits.tree_nodes, flagged)
    if len(kept) < len(procs):
        cuts.append(
            f"the tree shows {len(kept):,} of {len(procs):,} processes (the first ones in "
            "start order, and every process with a finding shown here and its ancestors)"
        )
    finding_ids = {f.id for f in findings}
    kept_set = set(kept)

    timelines: dict[str, Any] = {}
    budget = limits.timeline_total
    first = [*flagged, *([data.focus] if data.focus in kept else [])]
    ordered = list(dict.fromkeys([*first, *kept]))
    left_out = 0
    for pid in ordered:
        tl = data.timelines.get(pid)
        if tl is None:
            continue
        n = min(len(tl.events), limits.timeline_per_process, budget)
        if n <= 0:
            left_out += 1
            continue
        budget -= n
        timelines[str(pid)] = {
            "e": [[e.time, e.kind, e.summary, int(e.failed)] for e in _first(tl.events, n)],
            "total": tl.total,
        }
    if left_out:
        cuts.append(f"timelines of {left_out:,} processes are left out")
    per_process = min(limits.timeline_per_process, data.timeline_cap)
    if any(len(t["e"]) < t["total"] for t in timelines.values()):
        cuts.append(
            f"timelines show at most {per_process:,} events per process (writes, execs, "
            "network and privilege changes before reads of files)"
        )

    tables = []
    for t in data.tables:
        rows = t.rows[: limits.table_rows]
        if len(rows) < t.total:
            cuts.append(f"{t.title}: {len(rows):,} of {t.total:,} rows")
        tables.append(
            {
                "key": t.key,
                "title": t.title,
                "columns": t.columns,
                "rows": rows,
                "total": t.total,
                "note": t.note,
            }
        )
    payload = {
        "focus": str(data.focus) if data.focus is not None else None,
        "nodes": len({procs[p].node for p in kept}),
        "roots": [str(r) for r in data.roots if r in kept_set],
        "procs": {str(p): _process_json(procs[p], kept_set, finding_ids) for p in kept},
        "timelines": timelines,
        "findings": {
            f.id: {
                "sev": f.severity,
                "conf": f.confidence,
                "name": f.name,
                "sig": f.signature_id,
                "time": f.time,
                "detail": f.detail,
                "technique": f"{f.technique_id} {f.technique}",
                "ev": [[k, _cut(v, limits.evidence_chars)] for k, v in f.evidence],
            }
            for f in findings
        },
        "tables": tables,
    }
    if any(len(v) > limits.evidence_chars for f in findings for _, v in f.evidence):
        cuts.append(f"evidence values are cut at {limits.evidence_chars:,} characters")
    shown = [procs[p] for p in kept]
    return View(data, limits, shown, findings, _clean(payload), cuts)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first(events: list[TimelineLine], n: int) -> list[TimelineLine]:
    """``n`` events, reads of files last to be chosen, in time order."""
    if n >= len(events):
        return events
    chosen = sorted(range(len(events)), key=lambda i: (events[i].read, i))[:n]
    return [events[i] for i in sorted(chosen)]


def _kept_processes(data: ReportData, limit: int, flagged: list[int]) -> list[int]:
    """The processes drawn: the focus and the ``flagged`` ones with their ancestors, then
    the others in walk order; the result keeps walk order (parents before children)."""
    procs = data.processes
    must: set[int] = set()
    for p in [data.focus, *flagged]:
        while p is not None and p in procs and p not in must:
            must.add(p)
            p = procs[p].parent_process_id
    room = max(0, limit - len(must))
    chosen = set(must)
    for p in data.order:
        if room <= 0:
            break
        if p in chosen:
            continue
        parent = procs[p].parent_process_id
        if parent in procs and parent not in chosen:
            continue  # never a child without its parent
        chosen.add(p)
        room -= 1
    return [p for p in data.order if p in chosen]


def _process_json(p: ReportProcess, kept: set[int], finding_ids: set[str]) -> dict[str, Any]:
    kids = [str(c) for c in p.children if c in kept]
    return {
        "pid": p.pid,
        "node": p.node,
        "cmd": p.command,
        "user": p.user,
        "where": p.where,
        "start": p.start,
        "end": p.ending,
        "files": p.files,
        "net": p.net,
        "fx": p.failed_execs,
        "kids": kids,
        "more": len(p.children) - len(kids),
        "f": [f for f in p.findings if f in finding_ids],
        "parent": str(p.parent_process_id) if p.parent_process_id is not None else None,
    }


# -- HTML -------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tracee_py.report", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["visible"] = visible
    env.filters["num"] = lambda n: f"{n:,}"
    return env


def _asset(name: str) -> str:
    return (resources.files("tracee_py.report") / "templates" / name).read_text("utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def render_html(v: View, max_bytes: int) -> str:
    env = _environment()
    script, style = _asset("report.js"), _asset("report.css")
    csp = (
        "default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; "
        f"script-src '{_sha256(script)}'; style-src '{_sha256(style)}'"
    )
    by_severity = {s: sum(1 for f in v.data.findings if f.severity == s) for s in SEVERITIES}
    techniques: dict[str, tuple[str, str, int]] = {}
    for f in v.data.findings:
        key = f.technique_id
        tactic, name, n = techniques.get(key, (f.tactic, f.technique, 0))
        techniques[key] = (tactic, name, n + 1)
    return env.get_template("report.html.j2").render(
        data=v.data,
        view=v,
        findings=v.findings,
        by_severity=by_severity,
        techniques=sorted(techniques.items(), key=lambda kv: (-kv[1][2], kv[0])),
        payload=script_json(v.payload),
        script=Markup(script),
        style=Markup(style),
        csp=csp,
        cap=human_bytes(max_bytes),
    )


def fit(data: ReportData, max_bytes: int, limits: Limits) -> tuple[str, View]:
    """The report drawn at the largest limits (up to ``limits``) that fit ``max_bytes``."""
    size = 0
    for _ in range(MAX_ATTEMPTS):
        v = view(data, limits)
        html = render_html(v, max_bytes)
        size = len(html.encode("utf-8"))
        if size <= max_bytes:
            return html, v
        limits = limits.scaled(max(0.05, min(0.8, 0.9 * max_bytes / size)))
    raise UsageError(
        f"the report does not fit in {human_bytes(max_bytes)}: even summarised it takes "
        f"{human_bytes(size)}; give a larger --max-size or a smaller subject"
    )
