"""Make assets/screenshot-lab1.png, the README's picture of lab 1 in Voila.

Starts Voila on a free 127.0.0.1 port (normal mode, not the tests' fast mode), opens lab 1 in
Debian's Chromium through Playwright, waits for every figure, and saves the gradient-descent
playground (section 2) as it appears to a learner.

    .venv/bin/python assets/screenshot.py [--out assets/screenshot-lab1.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.voila import VoilaServer, launch_chromium  # noqa: E402  (shared server code)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "assets" / "screenshot-lab1.png"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = VoilaServer(Path(tmp), "labs", fast=False).start()
        try:
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                page = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
                page.goto(server.render_url("01_convex_vs_nonconvex.ipynb"), timeout=300_000)
                page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4",
                                       timeout=300_000)
                view = page.locator(".ht-lab1-playground")
                view.scroll_into_view_if_needed()
                page.wait_for_timeout(1000)
                view.screenshot(path=args.out)
                browser.close()
        finally:
            server.stop()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
