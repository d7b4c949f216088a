"""Fixtures of the browser tests: one Voila server and one Chromium per session.

The server is ``python -m voila labs --no-browser`` on a free port of 127.0.0.1 with
``HARDTRAIN_FAST=1``; its Jupyter folders, TMPDIR and hardtrain cache live under pytest's
tmp_path_factory. The kernels use ``$JAX_COMPILATION_CACHE_DIR`` when set (``tasks.py test`` sets
it to the per-user cache that the notebook tests fill first), else a private, cold one.
Chromium is Debian's (``$HARDTRAIN_CHROMIUM``, default /usr/bin/chromium) driven by
playwright.sync_api. Without it the tests are skipped with the reason, unless
``HARDTRAIN_REQUIRE_BROWSER=1`` or ``CI=true``: then they fail.

On a failure the report shows the Voila log tail and where the page's screenshot was saved
(under pytest's basetemp: pytest-playwright empties test-results/ at every session start).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tools.voila import (PAGE_ERROR_TEXTS, PAGE_LOAD_TIMEOUT_S, RENDER_WATCH_JS, VoilaServer,
                         browser_required, classify_console, external_request, launch_chromium,
                         missing_browser_reason, returning_learner_js)


@pytest.fixture(scope="session")
def browser_available():
    """Skip (or, under CI / HARDTRAIN_REQUIRE_BROWSER=1, fail) when Chromium cannot run."""
    reason = missing_browser_reason()
    if reason is not None:
        if browser_required():
            pytest.fail(f"browser tests are required here (CI or HARDTRAIN_REQUIRE_BROWSER=1) "
                        f"but cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    return True


@pytest.fixture(scope="session")
def voila_server(browser_available, tmp_path_factory):
    """A running Voila server for labs/ (fast mode), stopped with its kernels at the end.

    Its log is ``<pytest basetemp>/voila0/voila.log``."""
    server = VoilaServer(tmp_path_factory.mktemp("voila"), "labs", fast=True,
                         extra_args=["--show_tracebacks=True"],
                         # short, for test_pagestate (a headless page is never hidden by itself)
                         env={"HARDTRAIN_HIDDEN_TAB_SECONDS": "3"})
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(f"could not start Voila: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium_browser(browser_available):
    """Chromium, launched once per session."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        try:
            browser = launch_chromium(pw)
        except Exception as exc:  # noqa: BLE001 - e.g. a broken Chromium install
            message = f"Chromium did not start: {exc}"
            if browser_required():
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        yield browser
        browser.close()
    finally:
        pw.stop()


@dataclass
class VoilaPage:
    """A Playwright page on a Voila dashboard, with the console problems it collected."""

    page: object
    context: object
    server: VoilaServer
    artifacts: Path
    problems: list[str] = field(default_factory=list)
    initial: dict | None = None  # what a test module recorded right after the page loaded
    figures: list[str] = field(default_factory=list)  # the figures the page shows, if known

    def page_errors(self) -> list[str]:
        """Python tracebacks and widget errors visible on the page, plus console problems."""
        found = list(self.problems)
        text = self.page.evaluate("() => document.body ? document.body.innerText : ''")
        found += [f"page text contains {t!r}" for t in PAGE_ERROR_TEXTS if t in text]
        n = self.page.locator(".jp-OutputArea-output[data-mime-type*=error]").count()
        if n:
            found.append(f"{n} error output(s): "
                         + " | ".join(self.page.locator(
                             ".jp-OutputArea-output[data-mime-type*=error]").all_inner_texts())[:2000])
        return found

    def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory):
    """Where screenshots of failed tests go: under pytest's basetemp, because pytest-playwright
    owns test-results/ and empties it at the start of every session."""
    return tmp_path_factory.mktemp("browser-artifacts", numbered=False)


@pytest.fixture(scope="session")
def open_voila_page(chromium_browser, voila_server, artifacts_dir):
    """Factory: ``open_voila_page(notebook)`` opens voila/render/<notebook> in a new context.

    It returns as soon as the response starts (Voila streams the page while the notebook runs);
    callers wait for what they need. Console errors are classified on the fly (harmless ones,
    such as "Unsatisfied version", are dropped), and any request that leaves 127.0.0.1 is a
    problem (:func:`tools.voila.external_request`).
    """
    opened: list[VoilaPage] = []

    def open_page(notebook: str, viewport=(1400, 1000), setup=None, first_visit=False) -> VoilaPage:
        """``setup(page)``, if given, runs before the page is loaded (e.g. to route requests).

        By default the browser context is a returning learner's, whose predictions are stored,
        so every view is shown at once; ``first_visit=True`` opens it with empty storage."""
        context = chromium_browser.new_context(viewport={"width": viewport[0],
                                                         "height": viewport[1]})
        context.add_init_script(RENDER_WATCH_JS)
        if not first_visit:
            context.add_init_script(returning_learner_js())
        page = context.new_page()
        if setup is not None:
            setup(page)
        vp = VoilaPage(page, context, voila_server, artifacts=artifacts_dir)

        def on_console(msg):
            loc = msg.location or {}
            problem = classify_console(msg.type, msg.text, loc.get("url", ""), voila_server)
            if problem:
                vp.problems.append(problem)

        def on_request(request):
            problem = external_request(request.url)
            if problem:
                vp.problems.append(problem)

        page.on("console", on_console)
        page.on("request", on_request)  # every page: nothing may be fetched from outside 127.0.0.1
        page.on("pageerror", lambda exc: vp.problems.append(f"pageerror: {exc}"))
        page.goto(voila_server.render_url(notebook), wait_until="commit",
                  timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        opened.append(vp)
        return vp

    yield open_page
    for vp in opened:
        try:
            vp.close()
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed browser test: screenshot of its page and the Voila log tail in the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages = []
    for value in getattr(item, "funcargs", {}).values():
        for vp in (value.values() if isinstance(value, dict) else [value]):
            if isinstance(vp, VoilaPage) and all(vp is not p for p in pages):
                pages.append(vp)
    for i, vp in enumerate(pages):
        try:
            shot = vp.screenshot(f"{item.name}-{i}")
            report.sections.append(("browser screenshot", f"{vp.page.url}: {shot}"))
        except Exception as exc:  # noqa: BLE001 - the page may be gone
            report.sections.append(("browser screenshot", f"not taken: {exc}"))
    if pages:
        report.sections.append(("voila log tail", pages[0].server.log_tail(40)))
