"""The start page in a real browser: the table of labs, a working link to lab 1, no traceback."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tools.voila import PAGE_LOAD_TIMEOUT_S, ROOT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def start_page(open_voila_page):
    vp = open_voila_page("00_start_here.ipynb")
    # The code cell prints the versions once the kernel has imported jax and hardtrain.
    expect(vp.page.get_by_text("hardtrain 0.1.0 on JAX", exact=False)).to_be_visible(
        timeout=PAGE_LOAD_TIMEOUT_S * 1000)
    return vp


def test_table_of_labs_and_link_to_lab1(start_page):
    page = start_page.page
    table = page.locator("table").filter(has_text="Convex vs non-convex")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Why is a perceptron easy")

    link = rows.nth(0).locator("a[href$='01_convex_vs_nonconvex.ipynb']")
    expect(link).to_be_visible()
    # Resolve links as the browser would follow them (without following them: that would
    # execute a lab's notebook in another kernel).
    resolve = "a => new URL(a.href, document.baseURI).pathname"
    assert link.evaluate(resolve) == "/voila/render/01_convex_vs_nonconvex.ipynb"
    # Every notebook the page links to exists in labs/.
    for a in page.locator("a[href$='.ipynb']").all():
        path = a.evaluate(resolve)
        assert path.startswith("/voila/render/"), path
        name = path.removeprefix("/voila/render/")
        assert (ROOT / "labs" / name).is_file(), f"the start page links to a missing {name}"


def test_no_traceback_or_widget_error(start_page):
    expect(start_page.page.get_by_text("devices:", exact=False)).to_be_visible()
    assert start_page.page_errors() == []
