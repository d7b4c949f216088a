"""The start page's link builder (hardtrain.views.linkbuilder) in a real browser: an instructor
picks lab 1, sets and locks the loss of the bowl, hides the playground's seed, and the link the
builder shows opens lab 1 that way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tools.voila import PAGE_LOAD_TIMEOUT_S

pytestmark = pytest.mark.browser

TIMEOUT_MS = PAGE_LOAD_TIMEOUT_S * 1000


def test_the_link_builder_writes_a_link_that_opens_the_lab_that_way(open_voila_page):
    vp = open_voila_page("00_start_here.ipynb")
    page = vp.page
    builder = page.locator(".ht-link-builder")
    expect(builder).to_be_visible(timeout=TIMEOUT_MS)
    builder.get_by_label("Lab page").select_option(label="1 · Convex vs non-convex loss surfaces")
    loss_row = builder.locator(".ht-builder-bowl-loss")
    expect(loss_row).to_be_visible(timeout=60_000)
    loss_row.locator("select").select_option(label="squared error of a sigmoid")
    loss_row.get_by_label("lock").check()
    builder.locator(".ht-builder-playground-seed").get_by_label("hide").check()
    link = builder.locator(".ht-builder-link a")
    expect(link).to_have_attribute("href", "01_convex_vs_nonconvex.ipynb?bowl.loss=sigmoid_squared"
                                   "&hide=playground.seed&lock=bowl.loss", timeout=30_000)
    expect(builder.locator(".ht-builder-text input")).to_have_value(link.get_attribute("href"))

    with page.context.expect_page(timeout=30_000) as opened:
        link.click()
    lab = opened.value
    select = lab.locator(".ht-lab1-bowl .ht-bowl-loss select")
    expect(select).to_be_disabled(timeout=TIMEOUT_MS)
    assert select.evaluate("(el) => el.options[el.selectedIndex].text").replace("\xa0", " ") == \
        "squared error of a sigmoid"
    seed = lab.locator(".ht-lab1-playground .ht-seed")
    expect(lab.locator(".ht-lab1-playground .ht-seed.ht-hidden")).to_have_count(1, timeout=60_000)
    expect(seed).to_be_hidden()
    expect(lab.locator(".ht-link-note .ht-msg")).to_have_count(0)
    assert vp.page_errors() == [], vp.page_errors()
