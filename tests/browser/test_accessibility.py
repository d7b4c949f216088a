"""Every lab page, audited as a screen-reader user or a keyboard user would meet it.

Each notebook in labs/ is opened once under Voila (fast mode) and, once its figures are drawn:
- axe-core (the engine of Deque's and Google Lighthouse's audits; bundled in
  axe-playwright-python, nothing fetched) finds no violation of impact "serious" or "critical"
  (names of controls, contrast, links told apart without colour, ARIA use...);
- every figure is an ARIA figure with a name (its titles) and a description: the view's text
  summary, which must hold text;
- every dashboard view has its "Copy link" button, and every figure its PNG / SVG / CSV buttons,
  each with an accessible name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.voila import PAGE_LOAD_TIMEOUT_S

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "labs").glob("*.ipynb"))

#: The page has run its notebook, every figure widget has drawn (or said it could not), and
#: every view has its link bar.
SETTLED_JS = """() => {
  const cells = document.getElementById('rendered_cells');
  if (!cells || getComputedStyle(cells).display === 'none') return false;
  const figures = [...document.querySelectorAll('.ht-export')].map((bar) => bar.parentElement);
  if (!figures.every((f) => f.querySelector('.main-svg') || f.classList.contains('ht-figure-error'))) return false;
  return document.querySelectorAll('.ht-view').length === document.querySelectorAll('.ht-view .ht-copy-link').length;
}"""

#: For every figure: its role, name and the text of the element that describes it.
FIGURES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map((gd) => {
  const id = gd.getAttribute('aria-describedby');
  const desc = id ? document.getElementById(id) : null;
  return {role: gd.getAttribute('role'), label: gd.getAttribute('aria-label'),
          description: desc ? desc.innerText.trim() : null,
          figure: [...gd.closest('[class*="ht-fig-"]').classList].find((c) => c.startsWith('ht-fig-'))};
})"""


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_lab_page_passes_the_accessibility_audit(open_voila_page, notebook):
    from axe_playwright_python.sync_playwright import Axe

    vp = open_voila_page(notebook)
    page = vp.page
    page.wait_for_function(SETTLED_JS, timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=500)
    page.wait_for_timeout(1200)  # the template names new slider handles within a second
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    report = [f"[{v['impact']}] {v['id']}: {v['help']}; e.g. {v['nodes'][0]['html'][:200]}" for v in bad]
    assert report == [], "\n".join(report)

    for fig in page.evaluate(FIGURES_JS):
        assert fig["role"] == "figure" and fig["label"] and fig["label"] != "Figure", fig
        assert fig["description"], f"{fig['figure']}: no text summary describes this figure"
    views = page.locator(".ht-view")
    assert page.get_by_role("button", name="Copy link").count() == views.count()
    bars = page.locator(".ht-export")
    assert bars.count() == page.locator(".js-plotly-plot").count()
    for kind in ("PNG", "SVG", "CSV"):
        assert page.get_by_role("button", name=f"as {kind}").count() == bars.count(), kind
    assert vp.page_errors() == [], vp.page_errors()
