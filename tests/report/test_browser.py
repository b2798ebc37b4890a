"""The report opened in headless Chromium: it renders offline with no errors, the tree
opens, a click shows a process's timeline and evidence, findings filter, tables sort, and
hostile recorded strings show as text without running anything."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.report.conftest import (
    HOSTILE_ARG,
    HOSTILE_CLOSE,
    HOSTILE_COMM,
    HOSTILE_PATH,
    PAYLOAD,
    Incident,
)
from tracee_py.report import ReportSubject, write_report


@dataclass
class OpenReport:
    """A page with a report loaded, and everything the browser said and asked for."""

    page: Any
    url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def row(self, process_id: int) -> Any:
        return self.page.locator(f'.proc[data-id="{process_id}"]')


def open_report(browser: Any, path: Path) -> OpenReport:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    opened = OpenReport(page, path.resolve().as_uri())
    page.on("console", lambda m: opened.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("request", lambda r: opened.requests.append(r.url))
    page.goto(opened.url)
    page.wait_for_selector("#tree .proc")
    return opened


@pytest.fixture(scope="module")
def whole_report(incident: Incident, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "incident.html"
    write_report(incident.root, out)
    return out


@pytest.fixture
def report(browser: Any, whole_report: Path) -> Iterator[OpenReport]:
    opened = open_report(browser, whole_report)
    yield opened
    opened.page.close()


def quiet(r: OpenReport) -> None:
    """No console messages of any kind, no script errors, no request but the file."""
    assert r.console == []
    assert r.errors == []
    assert r.requests == [r.url]


def test_renders_offline_without_errors(report: OpenReport) -> None:
    page = report.page
    assert page.title().startswith("tracee-py report: the whole recording")
    assert page.locator("#integrity .value").inner_text() == "verified"
    assert page.locator(".chip.sev-high").first.inner_text() == "2 high"
    # Also the incident's `id` (user discovery, info) and its miner's python3 on port 3333
    # (non-standard-port-shell, medium): five findings in all.
    assert page.locator("#finding-table tbody tr").count() == 5
    techniques = page.locator("table.techniques tbody tr").all_inner_texts()
    assert any(t.startswith("T1003.008") for t in techniques)
    # The way to every process with a finding is open, and they are flagged.
    assert page.locator("#tree .proc .flag").count() == 5
    tables = page.locator("#table-slots .slot h3").all_inner_texts()
    assert [t.split(" ")[0] for t in tables] == ["Files", "Files", "Failed", "Network", "Privilege"]
    quiet(report)


def test_expanding_a_tree_node_draws_its_children(report: OpenReport, incident: Incident) -> None:
    sudo = report.row(incident.id("sudo"))
    bash = report.row(incident.id("bash"))
    toggle = bash.locator(".toggle")
    assert toggle.get_attribute("aria-expanded") == "true"  # on the way to the findings
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not sudo.is_visible()
    toggle.click()
    assert sudo.is_visible()
    assert sudo.locator(".cmd").inner_text() == "sudo -n true"
    # A node that was never opened draws its children on the first click.
    server = report.row(incident.id("server"))
    assert server.locator(".toggle").get_attribute("aria-expanded") == "false"
    incident_row = report.row(incident.id("incident"))
    assert incident_row.locator(".toggle").get_attribute("aria-expanded") == "true"
    init = report.row(incident.id("init"))
    assert init.locator(".meta").inner_text().startswith("root · running")
    quiet(report)


def test_a_click_shows_the_timeline_and_the_evidence(
    report: OpenReport, incident: Incident
) -> None:
    page = report.page
    report.row(incident.id("cat")).locator(".label").click()
    detail = page.locator("#detail")
    assert detail.locator("h3").first.inner_text() == "2106 cat /etc/shadow"
    assert detail.locator(".finding strong").inner_text() == "Password hashes read from /etc/shadow"
    evidence = dict(
        tuple(row.split("\t")) for row in detail.locator(".finding tr").all_inner_texts()
    )
    assert evidence["path"] == "/etc/shadow"
    lines = detail.locator(".tl tr").all_inner_texts()
    assert [line.split("\t")[1] for line in lines] == [
        "process_exec",
        "file_open",
        "process_exit",
    ]
    assert "open /etc/shadow O_RDONLY -> fd 3" in lines[1]

    # Failed exec attempts are marked in the timeline of the process that made them.
    report.row(incident.id("server")).locator(".label").click()
    failed = detail.locator(".tl tr.failed").all_inner_texts()
    assert len(failed) == 3
    assert all("FAILED = -2 (ENOENT)" in line for line in failed)
    assert detail.locator("dd").filter(has_text="failed exec").count() == 0
    assert "3 attempt(s)" in detail.locator("dl").inner_text()
    detail.locator("#timeline-kind").select_option("network")
    shown = [t for t in detail.locator(".tl tr:not([hidden])").all_inner_texts()]
    assert [s.split("\t")[1] for s in shown] == ["net_bind", "net_accept"]
    quiet(report)


def test_findings_filter_by_text_and_severity(report: OpenReport) -> None:
    page = report.page
    rows = page.locator("#finding-table tbody tr:not([hidden])")
    assert rows.count() == 5
    page.locator("#finding-filter").fill("shadow")
    assert rows.count() == 1
    assert "shadow-read" in rows.first.inner_text()
    page.locator("#finding-filter").fill("")
    page.locator("#finding-severity").select_option("high")
    assert rows.count() == 2
    assert page.locator("#finding-count").inner_text() == "2 of 5 findings shown"
    page.locator("#finding-severity").select_option("info")
    assert page.locator("#finding-count").inner_text() == "5 findings"
    page.locator("#finding-severity").select_option("high")
    page.locator("#finding-severity").select_option("critical")
    assert rows.count() == 0
    quiet(report)


def test_a_finding_opens_its_process(report: OpenReport, incident: Incident) -> None:
    page = report.page
    row = page.locator('#finding-table tr[data-finding^="tmp-download-exec-"]')
    row.locator(".show-process").click()
    assert page.locator("#detail").get_attribute("data-id") == str(incident.id("payload"))
    assert report.row(incident.id("payload")).get_attribute("class") == "proc selected"
    quiet(report)


def test_tables_sort_and_link_to_processes(report: OpenReport, incident: Incident) -> None:
    page = report.page
    table = page.locator("#table-executed table")
    first_col = table.locator("tbody tr td:first-child")
    by_time = first_col.all_inner_texts()
    assert by_time[0] == "/usr/bin/bash"
    table.locator("th", has_text="path").click()
    assert first_col.all_inner_texts() == sorted(by_time)
    table.locator("th", has_text="path").click()
    assert first_col.all_inner_texts() == sorted(by_time, reverse=True)
    # Failed attempts are a table of their own, never among the files executed.
    assert not any("/usr/local/" in p for p in by_time)
    failed = page.locator("#table-failed_execs tbody tr").all_inner_texts()
    assert [f.split("\t")[:3] for f in failed] == [
        ["/usr/local/sbin/python3", "-2 (ENOENT)", "1"],
        ["/usr/local/bin/python3", "-2 (ENOENT)", "1"],
        ["/usr/sbin/python3", "-2 (ENOENT)", "1"],
        ["/usr/local/bin/id", "-2 (ENOENT)", "1"],
    ]
    privilege = page.locator("#table-privilege tbody tr").all_inner_texts()
    assert len(privilege) == 1 and "setuid uid 0 gid 0" in privilege[0]
    # A pid in a table opens that process.
    page.locator("#table-files button[data-process]").first.click()
    assert page.locator("#detail").get_attribute("data-id") == str(incident.id("mktemp"))
    quiet(report)


def test_hostile_strings_show_as_text_and_run_nothing(
    report: OpenReport, incident: Incident
) -> None:
    page = report.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    row = report.row(incident.id("hostile"))
    assert row.locator(".cmd").inner_text() == " ".join(
        [f"'{HOSTILE_COMM}'", f"'{HOSTILE_ARG}'", f"'{HOSTILE_CLOSE}'"]
    )
    row.locator(".label").click()
    detail = page.locator("#detail")
    assert HOSTILE_PATH in detail.locator(".tl").inner_text()
    written = page.locator("#table-files tbody").inner_text()
    assert HOSTILE_PATH in written
    assert HOSTILE_ARG in page.locator("#table-network tbody").inner_text()
    # Nothing recorded became an element: one script for the data, one for the page.
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 2
    assert page.evaluate("typeof window.__pwned") == "undefined"
    quiet(report)  # an <img src=x> that became markup would have asked for x


def test_report_about_one_process(browser: Any, incident: Incident, tmp_path: Path) -> None:
    out = tmp_path / "payload.html"
    summary = write_report(incident.root, out, ReportSubject(process_id=incident.id("payload")))
    # The chain of ancestors down to the payload, and its children.
    assert summary.processes == 4 + 1 + 4
    r = open_report(browser, out)
    assert r.page.locator("#detail").get_attribute("data-id") == str(incident.id("payload"))
    assert r.page.locator(".proc.focus .cmd").inner_text() == PAYLOAD
    assert r.page.locator("#tree .proc").count() == 9
    assert r.page.locator("#finding-table tbody tr").count() == 5
    quiet(r)
    r.page.close()


def test_prints(report: OpenReport, tmp_path: Path) -> None:
    """The print layout hides the controls, and the page prints to PDF offline."""
    page = report.page
    page.emulate_media(media="print")
    assert not page.locator("#finding-filter").is_visible()
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    quiet(report)


def test_hostile_process_as_the_subject(browser: Any, incident: Incident, tmp_path: Path) -> None:
    """Its command line is in the title, the heading and the detail panel: text in all."""
    out = tmp_path / "hostile.html"
    write_report(incident.root, out, ReportSubject(process_id=incident.id("hostile")))
    r = open_report(browser, out)
    page = r.page
    assert HOSTILE_COMM in page.title()
    assert HOSTILE_COMM in page.locator("p.subject").inner_text()
    assert HOSTILE_CLOSE in page.locator("#detail h3").first.inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    quiet(r)
    r.page.close()
