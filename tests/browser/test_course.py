"""The course page (labs/00_course.ipynb, hardtrain.views.course) in a real browser.

One page and one kernel for the whole course: choosing a tab builds that lab in the kernel that is
already running (no new page, no new kernel), its figures appear, and the address's fragment
names the lab; the labs' links to each other switch tabs; Back returns to the previous lab; an
address with a fragment and a view's settings opens that lab with those settings.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tools.voila import PAGE_LOAD_TIMEOUT_S

pytestmark = pytest.mark.browser

TIMEOUT_MS = PAGE_LOAD_TIMEOUT_S * 1000
KERNEL_JS = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


def _tab(page, key: str):
    return page.get_by_role("tab", name=re.compile(rf"^{key.lstrip('0')} · "))


def test_one_kernel_serves_every_lab_as_a_tab(open_voila_page):
    vp = open_voila_page("00_course.ipynb")
    page = vp.page
    expect(page.locator(".ht-course-page-00 .ht-progress-table")).to_be_visible(timeout=TIMEOUT_MS)
    kernel = page.evaluate(KERNEL_JS)
    documents = page.evaluate("() => performance.getEntriesByType('navigation').length")

    _tab(page, "02c").click()
    expect(page.locator(".ht-course-page-02c .js-plotly-plot").first).to_be_visible(timeout=60_000)
    expect(page.locator(".ht-course-page-02c .ht-predict-lab2-irrational")).to_be_visible()
    assert page.url.endswith("#02c"), page.url
    # the text's link to part 1 of lab 2 switches tabs in the same page
    page.locator(".ht-course-page-02c a[href='#02']").first.click()
    expect(page.locator(".ht-course-page-02 .ht-fig-gd.js-plotly-plot, .ht-course-page-02 .ht-fig-gd .js-plotly-plot")
           .first).to_be_visible(timeout=60_000)
    expect(_tab(page, "02")).to_have_attribute("aria-selected", "true")
    assert page.url.endswith("#02"), page.url
    page.go_back()
    expect(_tab(page, "02c")).to_have_attribute("aria-selected", "true", timeout=30_000)
    expect(page.locator(".ht-course-page-02c .js-plotly-plot").first).to_be_visible()
    assert page.evaluate(KERNEL_JS) == kernel
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == documents
    assert vp.page_errors() == [], vp.page_errors()


def test_an_address_opens_its_lab_with_its_settings(open_voila_page):
    vp = open_voila_page("00_course.ipynb?bowl.loss=sigmoid_squared&lock=bowl.loss#01")
    page = vp.page
    expect(_tab(page, "01")).to_have_attribute("aria-selected", "true", timeout=TIMEOUT_MS)
    loss = page.locator(".ht-course-page-01 .ht-lab1-bowl .ht-bowl-loss select")
    expect(loss).to_be_disabled(timeout=60_000)
    assert loss.evaluate("(el) => el.options[el.selectedIndex].text").replace("\xa0", " ") == "squared error of a sigmoid"
    expect(page.locator(".ht-course-page-01 .ht-lab1-bowl .ht-summary")).to_contain_text("not convex")
    expect(page.locator(".ht-course-page-01 .ht-link-note .ht-msg")).to_have_count(0)
    assert "#01" in page.url and "bowl.loss=sigmoid_squared" in page.url
    assert vp.page_errors() == [], vp.page_errors()
