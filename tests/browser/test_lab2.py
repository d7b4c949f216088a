"""Lab 2 in a real browser: the reduction dashboard takes typed hypergraphs and presets.

Opens ``labs/02_np_hard_training.ipynb`` once (Voila executes the whole notebook first), then:
a malformed hypergraph gives a message next to the box and keeps the last good state; the next
valid one clears it and updates the figure; a preset gets the exact solver's verdict; the GD
view's figure is drawn. Selectors are the stable ``ht-lab2-*`` / ``ht-fig-*`` classes of
hardtrain.views.lab2; figure data are read from the live plotly graph div.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tools.voila import PAGE_ERROR_TEXTS, PAGE_LOAD_TIMEOUT_S, legends_over_titles

pytestmark = pytest.mark.browser

NOTEBOOK = "02_np_hard_training.ipynb"
FIGURES = ("reduction", "gd")
UPDATE_TIMEOUT_MS = 60_000

TRACE_JS = """([name, index]) => {
  const el = document.querySelector('.ht-fig-' + name);
  if (!el) return null;
  const gd = el.matches('.js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');
  if (!gd || !gd.data || !gd.data[index]) return null;
  const plain = (v) => ArrayBuffer.isView(v) ? Array.from(v) : (v === undefined ? null : v);
  return JSON.stringify([plain(gd.data[index].x), plain(gd.data[index].y)]);
}"""

RENDERED_OR_ERROR_JS = """([n, errorTexts]) => {
  const text = document.body ? document.body.innerText : '';
  return (window.__htRendered || []).length >= n || errorTexts.some((t) => text.includes(t));
}"""


def trace(page, name, index):
    raw = page.evaluate(TRACE_JS, [name, index])
    return None if raw is None else json.loads(raw)


def assert_clean(vp):
    problems = vp.page_errors()
    statuses = vp.page.locator(".ht-status").all_inner_texts()
    problems += [f"status line reports a failure: {s!r}" for s in statuses if "Could not update" in s]
    assert problems == [], "\n".join(problems)


def type_hypergraph(page, text):
    box = page.locator(".ht-lab2-hypergraph input")
    box.fill(text)
    box.press("Enter")


@pytest.fixture(scope="module")
def lab2_page(open_voila_page):
    vp = open_voila_page(NOTEBOOK)
    vp.page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[len(FIGURES), list(PAGE_ERROR_TEXTS)],
                              timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=500)
    return vp


def test_page_renders_both_figures_with_data(lab2_page):
    page = lab2_page.page
    assert_clean(lab2_page)
    assert legends_over_titles(page) == []
    plus = trace(page, "reduction", 0)
    minus = trace(page, "reduction", 1)
    # the paper's example with the gadget: + = origin, 2 subsets, 2 gadget points;
    # - = 3 unit vectors, 4 gadget points
    assert plus is not None and len(plus[0]) == 5 and len(minus[0]) == 7
    bars = trace(page, "gd", 0)
    assert bars is not None and sum(bars[1]) > 0  # restarts counted per error value
    expect(page.locator(".ht-lab2-reduction .ht-lab2-verdict")).to_contain_text("splittable")


def test_malformed_hypergraph_gives_message_then_valid_one_works(lab2_page):
    page = lab2_page.page
    before = trace(page, "reduction", 0)
    type_hypergraph(page, "1 2 | 2 x")
    msg = page.locator(".ht-lab2-reduction .ht-field-message .ht-error")
    expect(msg).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    expect(msg).to_contain_text("not a whole number")
    assert trace(page, "reduction", 0) == before  # the last good state is kept
    type_hypergraph(page, "1 2 | 3")
    expect(msg).to_contain_text("one element", timeout=UPDATE_TIMEOUT_MS)
    # a valid one: the square 1-2-3-4 plus a chord, 4 elements, 5 subsets (+ points: 1 + 5 + 2)
    type_hypergraph(page, "1 2 | 2 3 | 3 4 | 1 4 | 1 3")
    expect(page.locator(".ht-lab2-reduction .ht-field-message .ht-error")).to_have_count(0, timeout=UPDATE_TIMEOUT_MS)
    page.wait_for_function("([b]) => { const el = document.querySelector('.ht-fig-reduction');"
                           " const gd = el.matches('.js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');"
                           " return gd.data[0].x.length === 8; }", arg=[None], timeout=UPDATE_TIMEOUT_MS)
    verdict = page.locator(".ht-lab2-reduction .ht-lab2-verdict")
    expect(verdict).to_contain_text("not splittable", timeout=UPDATE_TIMEOUT_MS)
    expect(verdict).to_contain_text("no 3-node network")
    assert_clean(lab2_page)


def test_preset_gets_exact_verdict(lab2_page):
    page = lab2_page.page
    verdict = page.locator(".ht-lab2-reduction .ht-lab2-verdict")
    page.locator(".ht-lab2-preset select").select_option(label="paper example")
    expect(verdict).to_contain_text("a network classifies all 12 points", timeout=UPDATE_TIMEOUT_MS)
    expect(verdict).to_contain_text("a valid splitting")
    page.locator(".ht-lab2-preset select").select_option(label="triangle")
    expect(verdict).to_contain_text("no 3-node network", timeout=UPDATE_TIMEOUT_MS)
    # the gadget off: the unrestricted output unit cheats
    page.locator(".ht-lab2-gadget input").uncheck()
    expect(verdict).to_contain_text("not a splitting", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".ht-lab2-hypergraph input")).to_have_value("1 2 | 2 3 | 1 3")
    # a CNF formula in DIMACS: the assignment read off the splitting is checked on every clause
    page.locator(".ht-lab2-gadget input").check()
    page.locator(".ht-lab2-preset select").select_option(label="DIMACS formula")
    expect(verdict).to_contain_text("satisfies every clause", timeout=UPDATE_TIMEOUT_MS)
    dimacs = page.locator(".ht-lab2-dimacs textarea")
    dimacs.fill("p cnf 1 2\n1 0\n-1 0\n")
    dimacs.blur()
    expect(verdict).to_contain_text("unsatisfiable", timeout=UPDATE_TIMEOUT_MS)
    assert_clean(lab2_page)


def test_gd_button_adds_a_width(lab2_page):
    page = lab2_page.page
    before = trace(page, "gd", 1)
    page.locator(".ht-lab2-width select").select_option(label="3")
    page.locator(".ht-lab2-run-gd").click()
    page.wait_for_function("() => { const el = document.querySelector('.ht-fig-gd');"
                           " const gd = el.matches('.js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');"
                           " return gd.data[1].x && Array.from(gd.data[1].x).includes(3); }",
                           timeout=UPDATE_TIMEOUT_MS)
    after = trace(page, "gd", 1)
    assert len(after[0]) == len(before[0]) + 1  # one more width on the success-rate curve
    assert all(0.0 <= v <= 1.0 for v in after[1])
    expect(page.locator(".ht-lab2-gd .ht-longrun .ht-status")).to_contain_text("Done", timeout=UPDATE_TIMEOUT_MS)
    assert_clean(lab2_page)


def test_scaling_sweep_runs_and_stops(open_voila_page):
    """Part 2: the first small sweep is drawn; a long sweep shows progress and obeys Stop."""
    vp = open_voila_page("02b_scaling_and_loading.ipynb")
    page = vp.page
    vp.page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[1, list(PAGE_ERROR_TEXTS)],
                              timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=500)
    assert_clean(vp)
    first = trace(page, "scaling", 0)
    assert first is not None and len(first[0]) >= 1  # exact-solver times of the first sweep
    expect(page.locator(".ht-lab2-judd-table")).to_contain_text("3 of 4")  # XOR, one perceptron
    box = page.locator(".ht-lab2-max-n input")
    box.fill("30")
    box.press("Enter")
    page.locator(".ht-lab2-run-sweep").click()
    status = page.locator(".ht-lab2-scaling .ht-longrun .ht-status")
    expect(status).to_contain_text("n = ", timeout=UPDATE_TIMEOUT_MS)  # a chunk has finished
    page.locator(".ht-lab2-scaling .ht-stop").click()
    expect(status).to_contain_text("Stopped after", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".ht-lab2-scaling .ht-stop button, .ht-lab2-scaling button.ht-stop")).to_be_disabled()
    assert_clean(vp)
