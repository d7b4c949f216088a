"""A real JupyterHub for a class (deploy/local/jupyterhub_config.py) on 127.0.0.1: three students
log in, each gets their own server, and each one's browser shows lab 1's dashboard through the hub.

JupyterHub comes from the lock (pip), its proxy from the npm registry (``tasks.py test`` installs
configurable-http-proxy into .venv/chp and passes its path as ``HARDTRAIN_CHP``). Without the
proxy the test is skipped, except under CI, where ``tasks.py test`` refuses to start.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tools.voila import PAGE_LOAD_TIMEOUT_S, RENDER_WATCH_JS, returning_learner_js, ROOT, external_request, free_port

pytestmark = pytest.mark.browser

STUDENTS = ("ada", "grace", "alan")


@pytest.fixture(scope="module")
def hub(browser_available, tmp_path_factory):
    chp = os.environ.get("HARDTRAIN_CHP") or ""
    if not Path(chp).is_file():
        pytest.skip("no configurable-http-proxy (HARDTRAIN_CHP): run through `python3 tasks.py test`")
    workdir = tmp_path_factory.mktemp("hub")
    port = free_port()
    env = dict(os.environ, HARDTRAIN_HUB_PORT=str(port), HARDTRAIN_CHP=chp, HARDTRAIN_REPO=str(ROOT),
               HARDTRAIN_CACHE_DIR=str(workdir / "cache"), JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
               JUPYTER_DATA_DIR=str(workdir / "data"), HARDTRAIN_HUB_HOMES=str(workdir / "homes"))
    log = (workdir / "hub.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f",
                             str(ROOT / "deploy" / "local" / "jupyterhub_config.py")],
                            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    text = ""
    while time.monotonic() < deadline and proc.poll() is None:
        text = (workdir / "hub.log").read_text(errors="replace")
        if re.search(r"JupyterHub is now running at", text):
            break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"JupyterHub did not start:\n{text[-3000:]}", pytrace=False)
    try:
        yield f"http://127.0.0.1:{port}", workdir / "hub.log"
    finally:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        subprocess.run(["pkill", "-f", f"jupyterhub.singleuser.*{port}"], check=False)


def test_three_students_open_lab_1_through_the_hub(hub, chromium_browser):
    url, log = hub
    contexts, pages, outside = [], [], []
    try:
        for name in STUDENTS:
            context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_init_script(RENDER_WATCH_JS)
            context.add_init_script(returning_learner_js())  # views shown at once
            page = context.new_page()
            page.on("request", lambda r: outside.append(external_request(r.url)) if external_request(r.url) else None)
            page.goto(f"{url}/hub/login", timeout=60_000)
            page.fill("#username_input", name)
            page.fill("#password_input", "any")
            page.click("#login_submit")
            contexts.append(context)
            pages.append(page)
        for name, page in zip(STUDENTS, pages):
            # the hub spawns the student's server and sends the browser to its default URL: lab 1
            page.wait_for_url(re.compile(rf"/user/{name}/voila/render/labs/01_convex_vs_nonconvex\.ipynb"),
                              timeout=PAGE_LOAD_TIMEOUT_S * 1000)
            page.wait_for_function("(window.__htRendered || []).length >= 2", timeout=PAGE_LOAD_TIMEOUT_S * 1000,
                                   polling=250)
            expect(page.locator(".ht-lab1-bowl .ht-status")).to_contain_text("Slice of")
            assert "Traceback" not in page.locator("body").inner_text()
        # nothing leaves 127.0.0.1, and formulas are typeset by the MathJax bundled with the page
        assert outside == [], outside
        assert pages[0].locator("mjx-container").count() > 0
        # three students, three servers: each page's kernel lives in that student's server
        hub_log = log.read_text(errors="replace")
        for name in STUDENTS:
            assert re.search(rf"User {name} took [0-9.]+ seconds to start", hub_log), hub_log[-2000:]
    finally:
        for context in contexts:
            context.close()
