"""Lab 3 in a real browser: precomputed figures at load, a live sweep with progress, Stop,
keyboard-operable controls, bad input kept next to its field, editable assumptions, answer box.

Two pages: ``labs/03_overparameterization.ipynb`` (double descent, lazy training) and
``labs/03b_price_of_accuracy.ipynb`` (width vs hardness, the price of accuracy). Voila executes
each notebook before it shows it (fast mode: HARDTRAIN_FAST=1). Each test compares the live
plotly data (``<graph div>.data``) before and after its action; selectors are the stable classes
of hardtrain.views.lab3.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tools.voila import (CHANGED_JS, legends_over_titles, GRAPH_JS, PAGE_ERROR_TEXTS, PAGE_LOAD_TIMEOUT_S, RENDERED_OR_ERROR_JS,
               trace, trace_raw)

pytestmark = pytest.mark.browser

PAGES = {"03_overparameterization.ipynb": ("dd", "lazy"), "03b_price_of_accuracy.ipynb": ("easy", "price")}
RUN_TIMEOUT_MS = 150_000  # a fast-mode sweep: seconds when warm, tens of seconds with cold compiles
UPDATE_TIMEOUT_MS = 60_000

LENGTH_JS = "([name, index, n]) => {" + GRAPH_JS + """
  const gd = graph(name);
  return !!(gd && gd.data && gd.data[index] && gd.data[index].x && gd.data[index].x.length >= n);
}"""


def assert_clean(vp):
    problems = vp.page_errors()
    statuses = vp.page.locator(".ht-status").all_inner_texts()
    problems += [f"status line reports a failure: {s!r}" for s in statuses
                 if "Could not update" in s or "Stopped by an error" in s]
    assert problems == [], "\n".join(problems)


@pytest.fixture(scope="module")
def lab3(open_voila_page):
    """{figure name: the VoilaPage that shows it}, both lab-3 pages opened and rendered."""
    pages = {}
    for notebook, figures in PAGES.items():
        vp = open_voila_page(notebook)
        vp.page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[len(figures), list(PAGE_ERROR_TEXTS)],
                                  timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=500)
        vp.figures = list(figures)
        for name in figures:
            pages[name] = vp
    return pages


def test_pages_render_precomputed_results_without_errors(lab3):
    for name, vp in lab3.items():
        assert_clean(vp)
        expect(vp.page.locator(f".ht-lab3-{name}")).to_be_visible()
        assert legends_over_titles(vp.page) == [], name
    # Grey full-scale curves are in the figures from the start (no computation at page load).
    dd = trace(lab3["dd"].page, "dd", 0)
    assert dd and len(dd[0]) >= 9, f"double descent: no precomputed curve ({dd})"
    lazy = trace(lab3["lazy"].page, "lazy", 0)
    assert lazy and len(lazy[0]) >= 5, lazy
    easy = trace(lab3["easy"].page, "easy", 1)  # random labels, full scale
    assert easy and len(easy[0]) >= 4, easy
    price = trace(lab3["price"].page, "price", 0)
    assert price and len(price[0]) >= 3, price
    # The source of the grey curves is named on the page, with its command.
    # (files made before the one command line record the alias python -m hardtrain.overparam)
    expect(lab3["dd"].page.locator(".ht-lab3-dd")).to_contain_text(
        re.compile(r"python -m hardtrain\.(overparam precompute|experiments precompute lab3)"))
    # The price view states its assumptions and their sources.
    expect(lab3["price"].page.locator(".ht-lab3-price .ht-cost")).to_contain_text("gCO2/kWh")
    expect(lab3["price"].page.locator(".ht-lab3-price")).to_contain_text("IEA")


def test_double_descent_live_sweep_marks_the_threshold(lab3):
    page = lab3["dd"].page
    view = ".ht-lab3-dd"
    n = int(page.locator(f"{view} .ht-dd-n select").input_value())
    page.locator(f"{view} .ht-dd-run").click()
    page.wait_for_function(LENGTH_JS, arg=["dd", 2, 5], timeout=RUN_TIMEOUT_MS, polling=200)
    expect(page.locator(f"{view} .ht-status").first).to_contain_text("Done", timeout=RUN_TIMEOUT_MS)
    xs, test_err = trace(page, "dd", 2)
    assert len(xs) == len(test_err) >= 5 and n in [round(x) for x in xs], xs
    assert all(0.0 <= e <= 1.0 for e in test_err)
    threshold = trace(page, "dd", 6)
    assert [round(x) for x in threshold[0]] == [n, n], threshold  # the line N = n
    # The progress bar of the run reached the end.
    bar = page.locator(f"{view} .ht-dd-progress .ht-progress")
    expect(bar).to_be_visible()
    expect(page.locator(f"{view} .ht-summary")).to_contain_text("Your run")
    assert_clean(lab3["dd"])


def test_label_noise_slider_by_keyboard_switches_the_full_scale_curve(lab3):
    page = lab3["dd"].page
    view = ".ht-lab3-dd"
    before = trace_raw(page, "dd", 0)
    handle = page.locator(f"{view} .ht-dd-noise .noUi-handle")
    handle.focus()
    assert handle.evaluate("h => document.activeElement === h"), "slider handle not focusable"
    for _ in range(3):  # 0.15 -> 0.00
        page.keyboard.press("ArrowLeft")
    expect(page.locator(f"{view} .ht-dd-noise .widget-readout")).to_have_text("0.00")
    page.wait_for_function(CHANGED_JS, arg=["dd", 0, ["x", "y"], before], timeout=UPDATE_TIMEOUT_MS,
                           polling=100)
    name = trace(page, "dd", 0, ("name",))[0]
    assert "noise 0" in name and "0.15" not in name, name
    assert_clean(lab3["dd"])


def test_seed_field_rejects_bad_input(lab3):
    page = lab3["dd"].page
    field = page.locator(".ht-lab3-dd .ht-dd-seed")
    box = field.locator("input")
    error = field.locator(".ht-field-message .ht-error")
    before = trace_raw(page, "dd", 2)
    box.fill("seven")
    box.press("Enter")
    expect(error).to_contain_text("expected a number in [0, 99999]", timeout=UPDATE_TIMEOUT_MS)
    box.fill("-1")
    box.press("Enter")
    expect(error).to_contain_text("outside the accepted range", timeout=UPDATE_TIMEOUT_MS)
    assert trace_raw(page, "dd", 2) == before, "a rejected seed changed the figure"
    box.fill("3")
    box.press("Enter")
    expect(error).to_have_count(0, timeout=UPDATE_TIMEOUT_MS)
    assert_clean(lab3["dd"])


def test_stop_button_ends_a_sweep_early(lab3):
    page = lab3["lazy"].page
    view = ".ht-lab3-lazy"
    run_status = page.locator(f"{view} .ht-lazy-progress .ht-status")
    # The largest settings: the widest net (4096 units, 500 steps, 4 seeds) takes seconds even
    # with compiled code cached, long enough for the Stop click to land before it ends.
    page.locator(f"{view} .ht-lazy-steps select").select_option("500")
    page.locator(f"{view} .ht-lazy-seeds .noUi-handle").focus()
    for _ in range(3):  # 1 -> 4 (fast mode starts at 1)
        page.keyboard.press("ArrowRight")
    expect(page.locator(f"{view} .ht-lazy-seeds .widget-readout")).to_have_text("4")
    page.locator(f"{view} .ht-lazy-run").click()
    stop = page.locator(f"{view} .ht-lazy-progress .ht-stop")
    expect(stop).to_be_enabled(timeout=UPDATE_TIMEOUT_MS)
    stop.click()
    expect(run_status).to_contain_text("Stopped after", timeout=RUN_TIMEOUT_MS)
    expect(stop).to_be_disabled()
    expect(page.locator(f"{view} .ht-lazy-run")).to_be_enabled()
    xs = trace(page, "lazy", 1)[0]
    assert 1 <= len(xs) < 5, f"the sweep did not stop early: {xs}"  # fast mode has 5 widths
    expect(page.locator(f"{view} .ht-status").last).to_contain_text("Stopped")
    assert_clean(lab3["lazy"])


def test_assumptions_are_editable_and_bad_input_keeps_the_estimate(lab3):
    page = lab3["price"].page
    view = ".ht-lab3-price"
    box_text = page.locator(f"{view} .ht-cost")
    field = page.locator(f"{view} .ht-watts")
    inp = field.locator("input")
    inp.fill("700")
    inp.press("Enter")
    expect(box_text).to_contain_text("700 W", timeout=UPDATE_TIMEOUT_MS)
    kwh_700 = re.search(r"([\d.,e+]+) kWh", box_text.inner_text()).group(1)
    inp.fill("70")
    inp.press("Enter")
    expect(box_text).to_contain_text("70 W", timeout=UPDATE_TIMEOUT_MS)
    kwh_70 = re.search(r"([\d.,e+]+) kWh", box_text.inner_text()).group(1)
    assert float(kwh_700.replace(",", "")) == pytest.approx(10 * float(kwh_70.replace(",", "")), rel=0.01)
    inp.fill("-5")
    inp.press("Enter")
    expect(field.locator(".ht-error")).to_contain_text("outside the accepted range", timeout=UPDATE_TIMEOUT_MS)
    expect(box_text).to_contain_text("70 W")  # the last good estimate stays
    # Grid intensity: CO2 scales with it, energy does not.
    grid = page.locator(f"{view} .ht-grid input")
    grid.fill("25")
    grid.press("Enter")
    expect(box_text).to_contain_text("grid 25 gCO2/kWh", timeout=UPDATE_TIMEOUT_MS)
    assert_clean(lab3["price"])


def test_exercise_box_gives_feedback_without_the_answer(lab3):
    vp = lab3["price"]
    box = vp.page.locator(".ht-exercise").filter(has_text="from 0.1 down to 0.07")
    answer = box.locator(".ht-answer input")
    feedback = box.locator(".ht-feedback").first
    answer.fill("12.86")  # (0.10 / 0.07) x 9: multiplied instead of raising to the power
    answer.press("Enter")
    expect(feedback).to_contain_text("Not yet", timeout=UPDATE_TIMEOUT_MS)
    expect(feedback).to_contain_text("multiplied")
    assert "24.8" not in feedback.inner_text()
    assert_clean(vp)


def test_kernels_stay_under_600_mb(lab3):
    vp = lab3["dd"]
    kernels = vp.server.kernel_processes()
    assert kernels, "no kernel process found"
    rss = {k.pid: k.memory_info().rss / 2**20 for k in kernels}
    assert max(rss.values()) < 600, f"kernel RSS in MB: {rss}"
