"""Big recordings: the report summarises and pages, stays under the cap it states, says
what it left out, and still opens cleanly in the browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.report.test_browser import open_report, quiet
from tracee_py.report import DEFAULT_MAX_BYTES, write_report
from tracee_py.synth import SynthSummary

MiB = 1 << 20


@pytest.mark.parametrize("cap", [DEFAULT_MAX_BYTES, MiB, 64 << 10], ids=["10M", "1M", "64K"])
def test_ten_thousand_processes_stay_under_the_cap(
    cap: int, big_synth: SynthSummary, browser: Any, tmp_path: Path
) -> None:
    out = tmp_path / "big.html"
    summary = write_report(big_synth.root, out, max_bytes=cap, verify_hashes=False)
    assert summary.processes == big_synth.processes > 10_000
    assert out.stat().st_size == summary.bytes <= cap
    assert summary.trimmed
    r = open_report(browser, out)
    page = r.page
    cuts = page.locator("#cuts li").all_inner_texts()
    assert page.locator("#cuts strong").inner_text().startswith("Summarised to stay under")
    tree_cut = [c for c in cuts if c.startswith("the tree shows")]
    if summary.processes_shown < summary.processes:
        shown = f"{summary.processes_shown:,} of {summary.processes:,} processes"
        assert tree_cut and shown in tree_cut[0]
    else:
        assert not tree_cut
    # Every table says how many rows it has and how many it shows, and pages them.
    for slot in page.locator("#table-slots .slot").all():
        count = slot.locator("h3 .count").inner_text()
        assert re.fullmatch(r"(\d+ of )?\d+ rows", count), count
        assert slot.locator("tbody tr").count() <= 50
    # Processes with findings are flagged and reachable, whatever was cut.
    flagged = page.locator("#tree .proc .flag")
    assert flagged.count() >= 1
    flagged.first.locator("xpath=..").locator(".label").click()
    assert page.locator("#detail .finding").count() >= 1
    quiet(r)
    r.page.close()


def test_a_window_of_the_big_recording(big_synth: SynthSummary, tmp_path: Path) -> None:
    from tracee_py.report import ReportSubject

    start = big_synth.start_ns + 3600 * 1_000_000_000
    subject = ReportSubject(from_ns=start, to_ns=start + 600 * 1_000_000_000)
    out = tmp_path / "window.html"
    summary = write_report(big_synth.root, out, subject, max_bytes=2 * MiB, verify_hashes=False)
    assert 0 < summary.processes < big_synth.processes
    assert summary.bytes <= 2 * MiB
    text = out.read_text()
    assert "processes from 2026-03-14T23:00:00" in text
