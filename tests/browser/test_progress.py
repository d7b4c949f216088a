"""Predict, then reveal, and the learner's progress, in a real browser (a first visit: empty
localStorage).

Lab 1's first page: both views stay hidden behind their questions; committing without a choice
says so and reveals nothing; a committed prediction reveals its view (drawn at full width) with
the comparison; a checked exercise answer is kept. After a reload (a new kernel) the predictions
and the answer come back from the browser's storage without a click. The start page then counts
them, and its button downloads them as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hardtrain.exercises.predictions import for_lab
from tools.voila import PAGE_LOAD_TIMEOUT_S

pytestmark = pytest.mark.browser

TIMEOUT_MS = PAGE_LOAD_TIMEOUT_S * 1000
LAB1 = "01_convex_vs_nonconvex.ipynb"
WIDTH_JS = ("(sel) => { const gd = document.querySelector(`${sel}.js-plotly-plot, ${sel} .js-plotly-plot`);"
            " return gd ? gd.getBoundingClientRect().width : 0; }")


def test_predict_then_reveal_and_progress_survive_a_reload(open_voila_page, voila_server):
    vp = open_voila_page(LAB1, first_visit=True)
    page = vp.page
    bowl_q = page.locator(".ht-predict-lab1-bowl-curvature")
    expect(bowl_q).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(".ht-predict-lab1-minimisers")).to_be_visible(timeout=TIMEOUT_MS)
    bowl, playground = page.locator(".ht-lab1-bowl"), page.locator(".ht-lab1-playground")
    expect(bowl).to_be_hidden()
    expect(playground).to_be_hidden()

    bowl_q.locator(".ht-predict-commit").click()  # nothing chosen yet
    expect(bowl_q.locator(".ht-predict-feedback")).to_contain_text("Choose one of the options first")
    expect(bowl).to_be_hidden()

    bowl_q.get_by_label("no, it curves upwards or stays flat in every direction").check()
    bowl_q.locator(".ht-predict-commit").click()
    expect(bowl).to_be_visible(timeout=30_000)
    expect(bowl_q.locator(".ht-predict-feedback")).to_contain_text("As you predicted")
    page.wait_for_function(f"() => ({WIDTH_JS})('.ht-fig-bowl') > 600", timeout=30_000)

    play_q = page.locator(".ht-predict-lab1-minimisers")
    play_q.get_by_label("two points").check()
    play_q.locator(".ht-predict-commit").click()
    expect(playground).to_be_visible(timeout=30_000)
    expect(play_q.locator(".ht-predict-feedback")).to_contain_text("Not what you predicted")
    expect(play_q.locator(".ht-predict-feedback")).to_contain_text("hyperbola")

    # the Hessian of (aw - 1)^2 at the origin is [[0, -2], [-2, 0]]: eigenvalues -2 and 2
    saddle = page.locator(".ht-exercise").first
    saddle.locator(".ht-answer input").fill("-2, 2")
    saddle.locator(".ht-check").click()
    expect(saddle.locator(".ht-correct")).to_contain_text("Correct", timeout=30_000)

    old_kernel = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    page.reload(wait_until="commit")
    expect(bowl).to_be_visible(timeout=TIMEOUT_MS)
    expect(playground).to_be_visible(timeout=TIMEOUT_MS)
    assert page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId") != old_kernel
    expect(bowl_q.get_by_label("no, it curves upwards or stays flat in every direction")).to_be_checked()
    expect(play_q.locator(".ht-predict-feedback")).to_contain_text("Not what you predicted")
    expect(saddle.locator(".ht-answer input")).to_have_value("-2, 2", timeout=30_000)
    assert vp.page_errors() == [], vp.page_errors()

    start = page.context.new_page()  # same browser, same storage
    start.goto(voila_server.render_url("00_start_here.ipynb"), timeout=TIMEOUT_MS)
    row = start.locator(".ht-progress-table tr[data-lab='1']")
    expect(row).to_be_visible(timeout=TIMEOUT_MS)
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text(f"2 of {len(for_lab(1))}")
    expect(cells.nth(1)).to_have_text("1")
    expect(cells.nth(2)).to_have_text("1 of 3")
    expect(start.locator(".ht-progress-table tr[data-lab='4'] td").nth(0)).to_have_text(f"0 of {len(for_lab(4))}")
    with start.expect_download(timeout=30_000) as info:
        start.locator(".ht-progress-export").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))["hardtrain_progress"]
    assert data["prediction"]["lab1.bowl-curvature"]["correct"] is True
    assert data["prediction"]["lab1.minimisers"] | {"at": None} == {"choice": 1, "correct": False, "at": None}
    assert data["exercise"]["lab1.saddle"]["correct"] is True and data["exercise"]["lab1.saddle"]["answer"] == "-2, 2"
