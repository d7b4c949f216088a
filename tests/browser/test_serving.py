"""Serving the labs: the single-notebook launch draws its figures, a figure that cannot load its
drawing library says so on the page, and no page fetches anything from outside 127.0.0.1.

(The pages of the other browser tests are checked for outside requests too, through the
``open_voila_page`` fixture.)
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tools.voila import PAGE_LOAD_TIMEOUT_S, RENDER_WATCH_JS, returning_learner_js, VoilaServer, external_request

pytestmark = pytest.mark.browser

FIGURES_WITH_DATA_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(g => Array.isArray(g.data) && g.data.some(t => t.x && t.x.length > 0)).length"""


def test_single_notebook_launch_draws_its_figures_and_fetches_nothing_outside(chromium_browser, tmp_path):
    """``voila labs/01_convex_vs_nonconvex.ipynb`` (the page is served at /, not under
    voila/render/) with the shared plotly.js bundle, as a Binder terminal has it."""
    server = VoilaServer(tmp_path, "labs/01_convex_vs_nonconvex.ipynb", fast=True,
                         env={"HARDTRAIN_SHARED_PLOTLY_BUNDLE": "1"})
    server.start()
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        context.add_init_script(RENDER_WATCH_JS)
        context.add_init_script(returning_learner_js())  # views shown at once
        page = context.new_page()
        outside, errors = [], []
        page.on("request", lambda r: outside.append(external_request(r.url)) if external_request(r.url) else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url("/"), wait_until="commit", timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        page.wait_for_function(f"() => ({FIGURES_WITH_DATA_JS})() >= 2", timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        expect(page.locator(".ht-figure-error")).to_have_count(0)
        assert outside == [] and errors == [], (outside, errors)
        # the one plotly.js came from the server, beside the notebook
        assert page.evaluate("() => typeof window.Plotly === 'object' && typeof Plotly.newPlot") == "function"
    finally:
        context.close()
        server.stop()


def test_a_figure_whose_drawing_library_fails_says_so_on_the_page(open_voila_page):
    """plotly.js blocked: every figure shows a message (class ht-figure-error), not a blank box."""
    def block_plotly(page):
        page.route("**/plotly-basic-*.js", lambda route: route.abort())

    vp = open_voila_page("01_convex_vs_nonconvex.ipynb", setup=block_plotly)
    errors = vp.page.locator(".ht-figure-error")
    expect(errors.first).to_be_visible(timeout=PAGE_LOAD_TIMEOUT_S * 1000)
    expect(errors.first).to_contain_text("could not be drawn")
    expect(errors.first).to_have_attribute("role", "alert")
    vp.problems.clear()  # the blocked script's console errors are this test's point


def test_a_class_pool_preheats_only_the_lab_being_taught(tmp_path):
    """``tasks.py serve --lab 00_start --class-size 2``'s pool plan, given to a real Voila: two kernels
    run the start page ahead of the class, and no other notebook of labs/ gets one (without the
    plan Voila would preheat every notebook)."""
    import json
    import sys
    import time

    from tools.voila import ROOT

    sys.path.insert(0, str(ROOT))
    try:
        import tasks
    finally:
        sys.path.remove(str(ROOT))
    plan = tasks.pool_plan(ROOT / "labs", "00_start", 2)  # "00" alone also names 00_course
    assert plan == {"default": {"pool_size": 0}, "00_start_here.ipynb": {"pool_size": 2}}
    server = VoilaServer(tmp_path, "labs", fast=True, extra_args=[
        "--preheat_kernel=True", "--pool_size=1", "--VoilaKernelManager.fill_delay=0",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(plan)}"])
    server.start()
    try:
        deadline, counts = time.monotonic() + 120, []
        while time.monotonic() < deadline:
            counts.append(len(server.kernel_processes()))
            if counts[-1] >= 2 and len(counts) > 10 and counts[-10:] == [counts[-1]] * 10:
                break
            time.sleep(1)
        assert counts[-1] == 2 and max(counts) == 2, (counts, server.log_tail(30))
    finally:
        server.stop()


@pytest.mark.parametrize("leave", ["close the tab", "navigate away"])
def test_leaving_a_page_shuts_its_kernel_down_at_once(chromium_browser, voila_server, leave):
    """Voila's page asks the server to shut its kernel down when it unloads; hardtrain's template
    gives it the _xsrf cookie that request needs (without it the server refused it: 403)."""
    import time

    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        page.goto(voila_server.render_url("00_start_here.ipynb"), timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        expect(page.get_by_text("devices:", exact=False)).to_be_visible(timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        kernel_id = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data')"
                                  ".textContent).kernelId")
        assert voila_server.kernel_process(kernel_id) is not None
        if leave == "close the tab":
            page.close(run_before_unload=True)  # what a browser does when a tab is closed
        else:
            page.goto("about:blank")
        deadline = time.monotonic() + 15
        while voila_server.kernel_process(kernel_id) is not None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert voila_server.kernel_process(kernel_id) is None, voila_server.log_tail(20)
    finally:
        context.close()
