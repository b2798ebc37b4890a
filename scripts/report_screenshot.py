"""Take docs/report.png: the report of the demo-shaped incident fixture, opened in Debian's
headless chromium, with the process that read /etc/shadow selected.

    .venv/bin/python scripts/report_screenshot.py [OUT.png]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.report.conftest import write_incident  # noqa: E402
from tracee_py.report import ReportSubject, write_report  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "report.png"
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("no chromium: apt-get install chromium (scripts/setup.sh does)")
    with tempfile.TemporaryDirectory() as tmp:
        incident = write_incident(Path(tmp) / "data")
        html = Path(tmp) / "report.html"
        subject = ReportSubject(process_id=incident.id("incident"))
        write_report(incident.root, html, subject)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(html.as_uri())
            page.locator(f'.proc[data-id="{incident.id("cat")}"] .label').click()
            # The part read at a glance: the recording, the findings, the tree.
            page.evaluate("window.scrollTo(0, 0)")
            box = page.locator("#processes").bounding_box()  # page coordinates, at the top
            assert box is not None
            bottom = box["y"] + box["height"] + 16
            clip = {"x": 0, "y": 0, "width": 1400, "height": bottom}
            page.screenshot(path=str(out), full_page=True, clip=clip)
            browser.close()
    print(out)


if __name__ == "__main__":
    main()
