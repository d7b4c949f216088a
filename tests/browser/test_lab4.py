"""Lab 4 in a real browser (Voila + Chromium): pruning curves, ablations, layer fractions.

Opens ``labs/04_pruning.ipynb`` and ``labs/04b_pruning_ablations.ipynb`` once each (Voila runs the
whole notebook first), then drives them with the keyboard and the mouse: the precomputed curves
are drawn from assets/lab4/ with the dense and chance lines, hiding a method hides its trace, a
bad seed shows a message beside the box and no traceback, a live study (fast mode) fills the
dashed traces of the ticked methods with a progress bar, the prune-early figure draws the
study's scores-at-step-k curve, and in the layer view a new sparsity redraws the bars and
reports layer collapse while the Masks buttons switch between at-init and after-training masks;
the Network toggle (mouse and keyboard) swaps the MLP's precomputed study for the CNN's and
back. Selectors are the stable ``ht-lab4-*`` / ``ht-fig-*`` classes of hardtrain.views.lab4.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tools.voila import GRAPH_JS, legends_over_titles, PAGE_ERROR_TEXTS, PAGE_LOAD_TIMEOUT_S, RENDERED_OR_ERROR_JS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CURVES = ["random", "magnitude", "snip", "grasp", "grasp_abs", "synflow", "after_finetune", "after_lr_rewind",
          "after_weight_rewind", "imp_lr_rewind", "lottery"]
N = len(CURVES)
HIDDEN_AT_START = {"grasp_abs", "after_weight_rewind", "imp_lr_rewind"}
LIVE_TIMEOUT_MS = 150_000  # the fast-mode live study: ~20 s warm, more with cold compiles

TRACES_JS = "(name) => {" + GRAPH_JS + """
  const gd = graph(name);
  if (!gd || !gd.data) return null;
  return JSON.stringify(gd.data.map((t) => ({name: t.name, x: plain(t.x), y: plain(t.y),
                                               visible: t.visible === undefined ? true : t.visible})));
}"""


def traces(page, name):
    raw = page.evaluate(TRACES_JS, name)
    return None if raw is None else json.loads(raw)


def wait_until(page, name, predicate_js, timeout=60_000):
    page.wait_for_function("([name]) => {" + GRAPH_JS + "const gd = graph(name); if (!gd || !gd.data) return false;"
                           + predicate_js + "}", arg=[name], timeout=timeout, polling=200)


def assert_clean(vp):
    problems = vp.page_errors()
    statuses = vp.page.locator(".ht-status").all_inner_texts()
    problems += [f"status line reports a failure: {s!r}" for s in statuses
                 if "Could not update" in s or "Stopped by an error" in s]
    assert problems == [], "\n".join(problems)


def open_page(open_voila_page, notebook, n_figures):
    vp = open_voila_page(notebook)
    vp.page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[n_figures, list(PAGE_ERROR_TEXTS)],
                              timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=500)
    return vp


@pytest.fixture(scope="module")
def study():
    return json.loads((ROOT / "assets" / "lab4" / "pruning_study.json").read_text())


@pytest.fixture(scope="module")
def cnn_study():
    return json.loads((ROOT / "assets" / "lab4" / "pruning_study_cnn.json").read_text())


def arch_button(page, view, label):
    return page.locator(f".ht-lab4-{view} .ht-lab4-arch button", has_text=label)


def first_mean(study, name):
    accs = study["curves"][name]["accuracy"][0]
    return 100 * sum(accs) / len(accs)


@pytest.fixture(scope="module")
def curves_page(open_voila_page):
    return open_page(open_voila_page, "04_pruning.ipynb", 2)


@pytest.fixture(scope="module")
def ablations_page(open_voila_page):
    return open_page(open_voila_page, "04b_pruning_ablations.ipynb", 2)


def test_curves_page_shows_the_precomputed_study(curves_page, study):
    vp = curves_page
    assert_clean(vp)
    assert legends_over_titles(vp.page) == []
    data = traces(vp.page, "pruning-curves")
    assert data is not None
    for i, m in enumerate(CURVES):
        want = study["curves"][m]["sparsity"]
        assert len(data[i]["x"]) == len(want), m
        # x is the percentage of weights remaining
        assert data[i]["x"] == pytest.approx([100 * (1 - s) for s in want], rel=1e-4)
        mean0 = 100 * sum(study["curves"][m]["accuracy"][0]) / len(study["curves"][m]["accuracy"][0])
        assert data[i]["y"][0] == pytest.approx(mean0, abs=1e-3)
        assert (data[i]["visible"] is True) == (m not in HIDDEN_AT_START), m
    assert all(not t["x"] for t in data[N:2 * N])  # no live run yet
    dense, chance = data[2 * N], data[2 * N + 1]
    assert dense["y"][0] == pytest.approx(100 * sum(study["dense"]) / len(study["dense"]), abs=1e-3)
    assert chance["name"].startswith("chance") and chance["y"] == pytest.approx([10.0, 10.0])
    expect(vp.page.locator(".ht-lab4-provenance")).to_contain_text("python -m hardtrain.pruning precompute")
    expect(vp.page.locator(".ht-exercise")).to_have_count(2)


def test_hiding_a_method_with_the_keyboard(curves_page):
    page = curves_page.page
    box = page.locator(".ht-lab4-show-snip input")
    box.focus()
    page.keyboard.press("Space")
    wait_until(page, "pruning-curves", "return gd.data[2].visible === false;")
    assert not box.is_checked()
    box.focus()  # the widget may have re-rendered: focus it again
    page.keyboard.press("Space")
    wait_until(page, "pruning-curves", "return gd.data[2].visible !== false;")


def test_bad_seed_shows_a_message_and_keeps_the_last_good_one(curves_page):
    page = curves_page.page
    field = page.locator(".ht-lab4-curves .ht-lab4-seed")
    box = field.locator("input")
    box.fill("minus one")
    box.press("Enter")
    expect(field.locator(".ht-error")).to_contain_text("number in [0, 9999]")
    box.fill("3")
    box.press("Enter")
    expect(field.locator(".ht-error")).to_have_count(0)
    assert_clean(curves_page)


def test_live_study_fills_the_dashed_traces(curves_page):
    page = curves_page.page
    page.locator(".ht-lab4-curves .ht-lab4-run").click()
    progress = page.locator(".ht-lab4-curves .ht-longrun .ht-status")
    wait_until(page, "pruning-curves", f"return gd.data[{N}].x && gd.data[{N}].x.length > 0;",
               timeout=LIVE_TIMEOUT_MS)
    expect(progress).to_contain_text("Done", timeout=LIVE_TIMEOUT_MS)
    data = traces(page, "pruning-curves")
    for i, m in enumerate(CURVES):  # the ticked methods get live points, the hidden ones none
        live = data[N + i]
        if m in HIDDEN_AT_START:
            assert not live["x"], m
        else:
            assert len(live["x"]) >= 2, m
            assert all(0 <= y <= 100 for y in live["y"])
    expect(page.locator(".ht-lab4-curves .ht-summary")).to_contain_text("live")
    assert_clean(curves_page)


def test_ablation_page_renders_both_figures(ablations_page, study):
    vp = ablations_page
    assert_clean(vp)
    assert legends_over_titles(vp.page) == []
    bars = traces(vp.page, "ablations")
    assert [b["name"] for b in bars] == ["original", "shuffled", "reinit", "inverted"]
    key = max(study["ablations"], key=float)
    assert len(bars[0]["x"]) == len(study["ablations"][key])
    assert len(bars[0]["x"]) == 6 and "|GraSP|" in bars[0]["x"]
    layers = traces(vp.page, "layers")
    # six at-init methods, magnitude after training, the lottery ticket (no IMP round reaches 99%)
    assert len(layers) == 8 and [len(t["x"]) for t in layers] == [3] * 7 + [0]
    shapes = vp.page.evaluate("() => {" + GRAPH_JS + "return JSON.stringify(graph('ablations').layout.shapes);}")
    assert json.loads(shapes)[0]["y0"] == pytest.approx(10.0)  # the chance line
    expect(vp.page.locator(".ht-lab4-ablations .ht-summary")).to_contain_text("shuffled")
    expect(vp.page.locator(".ht-exercise")).to_have_count(3)  # inversion, layer budget, SynFlow sum


def test_new_sparsity_redraws_the_layer_fractions(ablations_page):
    page = ablations_page.page
    page.evaluate("() => {" + GRAPH_JS + "window.__htLayersBefore = JSON.stringify(plain(graph('layers').data[0].y));}")
    select = page.locator(".ht-lab4-layers .ht-lab4-sparsity select")
    select.focus()
    select.select_option(label="99.9%")
    wait_until(page, "layers", "return JSON.stringify(plain(gd.data[0].y)) !== window.__htLayersBefore;",
               timeout=120_000)
    expect(page.locator(".ht-lab4-layers .ht-status")).to_contain_text("99.9%")
    after = traces(page, "layers")
    # 0.1% of the weights left: every bar is at most a few percent
    assert max(y for t in after for y in t["y"]) < 5.0
    expect(page.locator(".ht-lab4-layers .ht-summary")).to_contain_text("collapse")
    assert_clean(ablations_page)


def test_masks_buttons_choose_at_init_or_after_training(ablations_page, study):
    page = ablations_page.page
    select = page.locator(".ht-lab4-layers .ht-lab4-sparsity select")
    select.select_option(label="95.6%")
    wait_until(page, "layers", "return gd.data[7].x && gd.data[7].x.length === 3;")  # the lottery ticket's mask
    item = next(v for k, v in study["layers"].items() if abs(float(k) - 0.956) < 1e-4)
    lot = traces(page, "layers")[7]
    assert lot["y"] == pytest.approx([100 * item["lottery"]["remaining"][k] for k in study["layer_names"]], rel=1e-3)
    page.locator(".ht-lab4-layer-group button", has_text="after training").click()
    wait_until(page, "layers", "return gd.data[0].visible === false && gd.data[6].visible !== false;")
    vis = [t["visible"] for t in traces(page, "layers")]
    assert vis == [False] * 6 + [True, True]
    page.locator(".ht-lab4-layer-group button", has_text="at initialisation").click()
    wait_until(page, "layers", "return gd.data[0].visible !== false && gd.data[6].visible === false;")
    page.locator(".ht-lab4-layer-group button", has_text="both").click()
    wait_until(page, "layers", "return gd.data[6].visible !== false && gd.data[0].visible !== false;")
    assert_clean(ablations_page)


def test_network_toggle_switches_the_curves(curves_page, study, cnn_study):
    page = curves_page.page
    before = traces(page, "pruning-curves")
    mlp_y = first_mean(study, "snip")
    cnn_y = first_mean(cnn_study, "snip")
    assert abs(mlp_y - cnn_y) > 1e-3  # the two studies differ where the test looks
    expect(arch_button(page, "curves", "CNN")).to_be_enabled(timeout=30_000)  # unlocked after a live run
    arch_button(page, "curves", "CNN").click()
    wait_until(page, "pruning-curves", f"return gd.data[2].y && Math.abs(gd.data[2].y[0] - {cnn_y}) < 1e-3;")
    after = traces(page, "pruning-curves")
    for i, m in enumerate(pruning_names()):
        assert after[i]["x"] == pytest.approx([100 * (1 - s) for s in cnn_study["curves"][m]["sparsity"]],
                                              rel=1e-4), m
    assert all(not t["x"] for t in after[N:2 * N])  # an MLP live run is not drawn over the CNN's curves
    expect(page.locator(".ht-lab4-provenance")).to_contain_text("CNN")
    expect(page.locator(".ht-lab4-provenance")).to_contain_text("--architecture cnn")
    expect(page.locator(".ht-lab4-curves .ht-status").last).to_contain_text("Live CNN study")
    # back to the MLP with the keyboard: its precomputed curves, and its live run if one was made
    mlp = arch_button(page, "curves", "MLP")
    mlp.focus()
    page.keyboard.press("Enter")
    wait_until(page, "pruning-curves", f"return gd.data[2].y && Math.abs(gd.data[2].y[0] - {mlp_y}) < 1e-3;")
    back = traces(page, "pruning-curves")
    assert [t["x"] for t in back[:N]] == [t["x"] for t in before[:N]]
    expect(page.locator(".ht-lab4-provenance")).to_contain_text("MLP 40-100-100-10")
    assert_clean(curves_page)


def pruning_names():
    return CURVES


def test_prune_early_figure_shows_the_scores_at_step_k(curves_page, study, cnn_study):
    page = curves_page.page
    data = traces(page, "prune-early")
    early = study["early"]
    methods = ["magnitude", "snip", "grasp", "synflow"]
    for i, m in enumerate(methods):
        assert data[i]["x"] == early["steps"], m
        want = [100 * sum(a) / len(a) for a in early["accuracy"][m]]
        assert data[i]["y"] == pytest.approx(want, abs=1e-3), m
    # the reference lines: random, LR rewinding and the lottery ticket at the same sparsity
    s = early["sparsity"]
    lot = study["curves"]["lottery"]
    j = next(i for i, x in enumerate(lot["sparsity"]) if abs(x - s) < 1e-4)
    want_lot = 100 * sum(lot["accuracy"][j]) / len(lot["accuracy"][j])
    assert data[6]["y"] == pytest.approx([want_lot, want_lot], abs=1e-3)
    assert data[-1]["y"] == pytest.approx([10.0, 10.0])  # chance
    expect(page.locator(".ht-lab4-early .ht-summary")).to_contain_text("Precomputed only")
    cnn_y = 100 * sum(cnn_study["early"]["accuracy"]["magnitude"][-1]) / 3
    arch_button(page, "early", "CNN").click()
    wait_until(page, "prune-early", f"return gd.data[0].y && Math.abs(gd.data[0].y.at(-1) - {cnn_y}) < 1e-3;")
    title = page.evaluate("() => {" + GRAPH_JS + "return graph('prune-early').layout.title.text;}")
    assert title.startswith("CNN")
    arch_button(page, "early", "MLP").click()
    assert_clean(curves_page)


def test_network_toggle_switches_the_ablations_and_layers(ablations_page, cnn_study):
    page = ablations_page.page
    before = traces(page, "ablations")
    arch_button(page, "ablations", "CNN").click()
    key = max(cnn_study["ablations"], key=float)
    want = 100 * sum(cnn_study["ablations"][key]["snip"]["shuffled"]) / len(cnn_study["ablations"][key]["snip"]["shuffled"])
    wait_until(page, "ablations", f"return gd.data[1].y && Math.abs(gd.data[1].y[1] - {want}) < 1e-3;")
    after = traces(page, "ablations")
    assert [t["y"] for t in after] != [t["y"] for t in before]
    expect(page.locator(".ht-lab4-ablations .ht-summary")).to_contain_text("shuffled")
    title = page.evaluate("() => {" + GRAPH_JS + "return graph('ablations').layout.title.text;}")
    assert title.startswith("CNN ablations")
    # the layer view: conv layers and the linear head
    button = arch_button(page, "layers", "CNN")
    button.focus()
    page.keyboard.press("Space")
    wait_until(page, "layers", "return gd.data[0].x && gd.data[0].x.length === 4;", timeout=120_000)
    layers = traces(page, "layers")
    assert layers[0]["x"] == ["conv 1", "conv 2", "conv 3", "linear"]
    expect(page.locator(".ht-lab4-layers .ht-summary")).to_contain_text("speedup")
    expect(page.locator(".ht-lab4-layers .ht-status").last).to_contain_text("CNN")
    assert_clean(ablations_page)


def test_a_figure_saves_as_png_svg_and_csv_with_its_provenance(curves_page, study):
    """The export buttons under a figure (views/static/figure.js): PNG and SVG from plotly.js in
    the browser, the data as CSV with the page's address and the precomputed study's provenance."""
    import csv
    import io

    page = curves_page.page
    bar = page.locator(".ht-fig-pruning-curves .ht-export")
    for label in ("PNG", "SVG", "CSV"):
        expect(bar.get_by_role("button", name=f"Save this figure's", exact=False)
               .filter(has_text=label)).to_have_count(1)
    files = {}
    for label in ("png", "svg", "csv"):
        with page.expect_download(timeout=30_000) as info:
            bar.locator(f".ht-export-{label}").click()
        download = info.value
        files[label] = (download.suggested_filename, Path(download.path()).read_bytes())
    name, png = files["png"]
    assert name == "04-pruning-pruning-curves.png" and png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    name, svg = files["svg"]
    assert name.endswith(".svg") and b"<svg" in svg[:2000] and b"test accuracy" in svg
    name, raw = files["csv"]
    text = raw.decode("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("# page: http://127.0.0.1") for line in comments)
    assert any(line.startswith("# provenance: ") and study["provenance"]["command"] in line for line in comments), comments
    rows = list(csv.DictReader(io.StringIO("\n".join(l for l in text.splitlines() if not l.startswith("#")))))
    shown = traces(page, "pruning-curves")
    assert len(rows) == sum(max(len(t["x"] or []), len(t["y"] or [])) for t in shown)
    # every point of the SNIP curve is in the file, with the values the figure draws
    i = next(k for k, t in enumerate(shown) if t["name"] and "SNIP" in t["name"])
    mine = [r for r in rows if int(r["trace"]) == i]
    assert [float(r["y"]) for r in mine] == pytest.approx(shown[i]["y"], rel=1e-6)
    assert [float(r["x"]) for r in mine] == pytest.approx(shown[i]["x"], rel=1e-6)
    assert_clean(curves_page)
