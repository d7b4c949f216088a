"""The Binder route: Voila as a Jupyter Server extension, launched through binder/start.

On Binder, the labs open at ``/voila/render/labs/<notebook>`` of a Jupyter Server that
repo2docker starts in the repository root, through ``binder/start``. That path differs from
``voila labs/`` (the tests' other server): Voila's configuration comes from ``voila.json`` in the
server's working directory and the environment from binder/start. This test runs the same
launch on 127.0.0.1 and checks that a lab page draws its figures, loads plotly.js once by URL
(the shared basic bundle: binder/start must switch it on, voila.json's file_allowlist must
allow it) rather than 5 MB per figure through the websocket, loads no other plotly bundle, and
shows no traceback.
"""

from __future__ import annotations

import os
import re
import sys

import pytest

from hardtrain.views.common import PLOTLY_JS

from tools.voila import (PAGE_ERROR_TEXTS, PAGE_LOAD_TIMEOUT_S, RENDER_WATCH_JS, returning_learner_js, ROOT, VoilaServer,
               classify_console, external_request)

pytestmark = pytest.mark.browser

NOTEBOOK = "01_convex_vs_nonconvex.ipynb"
BUNDLE_PATH = "/voila/files/labs/_static/" + PLOTLY_JS


class BinderServer(VoilaServer):
    """``bash binder/start python -m jupyter_server`` in the repository root, as on Binder."""

    READY_LINE = re.compile(r"Jupyter Server .* is running at")

    def environment(self) -> dict[str, str]:
        env = super().environment()
        # What binder/start must set by itself (the tests' default would hide its absence).
        for name in ("HARDTRAIN_SHARED_PLOTLY_BUNDLE", "MALLOC_ARENA_MAX"):
            env.pop(name, None)
        return env

    def command(self, port: int) -> list[str]:
        return ["bash", str(ROOT / "binder" / "start"), sys.executable, "-m", "jupyter_server",
                "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                "--ServerApp.port_retries=0", "--IdentityProvider.token=",
                # CI machines run the tests as root; Binder never does (it runs as jovyan).
                *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
                *self.extra_args]


@pytest.fixture(scope="module")
def binder_server(browser_available, tmp_path_factory):
    server = BinderServer(tmp_path_factory.mktemp("binder"), fast=True)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(f"could not start the Binder-like Jupyter Server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def test_lab_page_on_the_binder_route(binder_server, chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RENDER_WATCH_JS)
    context.add_init_script(returning_learner_js())  # views shown at once
    page = context.new_page()
    problems, bundle_fetches, ws_bytes = [], [], [0]

    def on_console(msg):
        loc = msg.location or {}
        problem = classify_console(msg.type, msg.text, loc.get("url", ""), binder_server)
        if problem:
            problems.append(problem)

    def on_websocket(ws):
        ws.on("framereceived", lambda payload: ws_bytes.__setitem__(0, ws_bytes[0] + len(payload)))

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    plotly_urls = []

    def on_response(r):
        url = r.url.split("?")[0]
        if url.endswith(BUNDLE_PATH):
            bundle_fetches.append(r.status)
        elif "plotly" in url.lower():
            plotly_urls.append(url)

    page.on("response", on_response)
    page.on("websocket", on_websocket)
    outside = []
    page.on("request", lambda r: outside.append(external_request(r.url)) if external_request(r.url) else None)
    try:
        page.goto(binder_server.url(f"voila/render/labs/{NOTEBOOK}"), wait_until="commit",
                  timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        page.wait_for_function("(window.__htRendered || []).length >= 2",
                               timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=200)
        text = page.locator("body").inner_text()
        problems += [f"page shows {t!r}" for t in PAGE_ERROR_TEXTS if t in text]
        assert problems == [], "\n".join(problems) + "\n" + binder_server.log_tail()
        # plotly's bundle came by URL, once for both figures, and the websocket stayed small
        # (an inline bundle is ~5 MB per figure).
        assert bundle_fetches == [200], (bundle_fetches, binder_server.log_tail())
        # voila.json's extension_denylist reaches the server extension: jupyterlab-plotly's
        # 4.8 MB copy of plotly.js (for fig.show(), unused here) is not loaded.
        assert plotly_urls == [], plotly_urls
        assert ws_bytes[0] < 2 * 2**20, f"{ws_bytes[0] / 2**20:.1f} MB through the websocket"
        assert "Slice of" in page.locator(".ht-lab1-bowl .ht-status").inner_text()
        # Nothing leaves 127.0.0.1 on this route either: no CDN style sheets (hardtrain's template)
        # and no MathJax from cdnjs; the page's formulas are typeset by its bundled MathJax.
        assert outside == [], outside
        assert page.locator("mjx-container").count() > 0
    finally:
        context.close()


def test_closing_a_lab_tab_on_the_binder_route_frees_its_kernel(binder_server, chromium_browser):
    """The unload beacon works under Jupyter Server's Voila extension too (a student with many
    tabs on Binder's 2 GB gets each closed tab's memory back at once)."""
    import time

    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(binder_server.url("voila/render/labs/00_start_here.ipynb"), timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        page.get_by_text("devices:", exact=False).wait_for(timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        kernel_id = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data')"
                                  ".textContent).kernelId")
        assert binder_server.kernel_process(kernel_id) is not None
        page.close(run_before_unload=True)
        deadline = time.monotonic() + 15
        while binder_server.kernel_process(kernel_id) is not None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert binder_server.kernel_process(kernel_id) is None, binder_server.log_tail(20)
    finally:
        context.close()
