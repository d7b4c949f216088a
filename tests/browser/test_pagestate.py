"""Shareable pages in a real browser (hardtrain.views.pagestate): settings read from and written
to the address, instructor links that hide and lock controls, notes for what a link could not
apply, "Copy link", and a page left hidden that gives its kernel back and comes back with its
settings.

Lab 1's first page is opened three times: with an instructor's link; with the address the first
page ended on (the round trip must draw the same figure); and that second page hidden past
``HARDTRAIN_HIDDEN_TAB_SECONDS`` (the session server's is short, see conftest) and shown again.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tools.voila import PAGE_ERROR_TEXTS, PAGE_LOAD_TIMEOUT_S, RENDERED_OR_ERROR_JS, lab1_layout, trace_raw

pytestmark = pytest.mark.browser

NOTEBOOK = "01_convex_vs_nonconvex.ipynb"
LINK = ("?playground.optimizer=adam&playground.lr=0.05&playground.steps=abc&nosuch.view=1"
        "&hide=playground.seed&lock=bowl.span")
TIMEOUT_MS = PAGE_LOAD_TIMEOUT_S * 1000

#: Pretend the page went behind another tab, or came back (headless pages are always visible).
VISIBILITY_JS = """(state) => {
  Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
  Object.defineProperty(document, 'hidden', {value: state === 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""

KERNEL_ID_JS = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


def _open(vp_factory, query: str):
    vp = vp_factory(NOTEBOOK + query)
    vp.page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[len(lab1_layout()[NOTEBOOK]), list(PAGE_ERROR_TEXTS)],
                              timeout=TIMEOUT_MS, polling=500)
    return vp


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _playground(vp) -> str:
    return trace_raw(vp.page, "playground", 0, keys=("x", "y"))


@pytest.fixture(scope="module")
def pages(open_voila_page):
    return {}


def test_an_instructors_link_sets_hides_and_locks_controls(open_voila_page, pages):
    vp = pages["first"] = _open(open_voila_page, LINK)
    page = vp.page
    playground = page.locator(".ht-lab1-playground")
    expect(playground.locator(".ht-optimizer select")).to_have_value("adam", timeout=TIMEOUT_MS)
    expect(playground.locator(".ht-lr .widget-readout")).to_contain_text("0.05", timeout=TIMEOUT_MS)
    # what the link could not apply is named under its view, and the defaults stay
    note = playground.locator(".ht-link-note")
    expect(note).to_contain_text("playground.steps=abc", timeout=TIMEOUT_MS)
    expect(note).to_contain_text("kept 100")
    expect(page.locator(".ht-link-note", has_text="nosuch.view")).to_have_count(1)
    expect(playground.locator(".ht-steps select")).to_have_value("100")
    # hidden: not drawn; locked: drawn but cannot change
    expect(playground.locator(".ht-seed")).to_be_hidden()
    span = page.locator(".ht-lab1-bowl .ht-span")
    expect(span).to_be_visible()
    expect(span.locator(".slider")).to_have_attribute("disabled", "true")
    before = span.locator(".widget-readout").inner_text()
    span.locator(".noUi-handle").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    time.sleep(1.0)
    assert span.locator(".widget-readout").inner_text() == before
    assert not vp.page_errors(), vp.page_errors()


def test_the_address_follows_the_controls_and_copy_link_gives_it(pages):
    vp = pages.get("first")
    if vp is None:
        pytest.fail("the first page did not open (see the previous test)")
    page = vp.page
    figure_before = _playground(vp)
    page.locator(".ht-lab1-playground .ht-steps select").select_option("200")
    page.wait_for_function("() => new URLSearchParams(location.search).get('playground.steps') === '200'",
                           timeout=60_000)
    deadline = time.monotonic() + 60
    while _playground(vp) == figure_before and time.monotonic() < deadline:
        time.sleep(0.3)
    params = _params(page.url)
    assert params["playground.optimizer"] == ["adam"] and params["playground.lr"] == ["0.05"]
    assert params["hide"] == ["playground.seed"] and params["lock"] == ["bowl.span"]
    assert "playground.seed" not in params  # defaults are left out of the address
    button = page.locator(".ht-lab1-playground .ht-copy-link")
    expect(button).to_have_accessible_name("Copy link")
    button.click()
    box = page.locator(".ht-lab1-playground .ht-link-box")
    expect(box).to_be_visible()
    assert box.input_value() == page.url
    pages["url"] = page.url
    pages["figure"] = _playground(vp)


def test_opening_the_copied_link_draws_the_same_figure(open_voila_page, voila_server, pages):
    url = pages.get("url")
    if url is None:
        pytest.fail("no link was copied (see the previous test)")
    vp = pages["second"] = _open(open_voila_page, "?" + urlsplit(url).query)
    page = vp.page
    expect(page.locator(".ht-lab1-playground .ht-steps select")).to_have_value("200", timeout=TIMEOUT_MS)
    deadline = time.monotonic() + 60
    while _playground(vp) != pages["figure"] and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _playground(vp) == pages["figure"]
    expect(page.locator(".ht-lab1-playground .ht-seed")).to_be_hidden()


def test_a_page_left_hidden_frees_its_kernel_and_comes_back_with_its_settings(voila_server, pages):
    vp = pages.get("second")
    if vp is None:
        pytest.fail("the second page did not open (see the previous test)")
    page = vp.page
    kernel_id = page.evaluate(KERNEL_ID_JS)
    assert voila_server.kernel_process(kernel_id) is not None
    url = page.url
    page.evaluate(VISIBILITY_JS, "hidden")
    deadline = time.monotonic() + 30
    while voila_server.kernel_process(kernel_id) is not None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert voila_server.kernel_process(kernel_id) is None, voila_server.log_tail(20)
    with page.expect_navigation(timeout=TIMEOUT_MS):
        page.evaluate(VISIBILITY_JS, "visible")
    page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[len(lab1_layout()[NOTEBOOK]), list(PAGE_ERROR_TEXTS)], timeout=TIMEOUT_MS)
    assert page.evaluate(KERNEL_ID_JS) != kernel_id
    expect(page.locator(".ht-lab1-playground .ht-steps select")).to_have_value("200", timeout=TIMEOUT_MS)
    expect(page.locator(".ht-lab1-playground .ht-optimizer select")).to_have_value("adam")
    assert _params(page.url) == _params(url)
