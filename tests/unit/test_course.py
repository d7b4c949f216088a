"""The course page (hardtrain.views.course): every lab notebook as a tab of one page and one kernel.

Checked against the notebooks themselves: each tab holds, in order, the notebook's Markdown
cells and the widgets its code cells return; links between labs become tab links; a failing cell
shows one line and no traceback; the address's fragment and the tabs follow each other.
"""

from __future__ import annotations

import json
from pathlib import Path

import ipywidgets as widgets
import pytest

from hardtrain.views import course as C
from hardtrain.views import pagestate

LABS = Path(__file__).resolve().parents[2] / "labs"


@pytest.fixture(autouse=True)
def _not_the_course_kernel_afterwards(monkeypatch):
    """Course() marks its kernel as the course page's (pagestate.whole_course); other tests run
    in the same process afterwards, as on an ordinary lab page."""
    monkeypatch.setattr(pagestate, "_COURSE", False)


def _notebook(folder: Path, name: str, cells: list[tuple[str, str]]) -> Path:
    nb = {"cells": [{"cell_type": t, "metadata": {}, "source": s, **({"outputs": [], "execution_count": None}
                                                                      if t == "code" else {})} for t, s in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = folder / name
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_every_lab_notebook_is_a_page_with_its_title():
    pages = C.lab_pages(LABS)
    names = sorted(p.name for p in LABS.glob("0*.ipynb") if p.name != "00_course.ipynb")
    assert [p.path.name for p in pages] == names
    assert pages[0].key == "00" and pages[0].tab_title == "Start"
    for p in pages[1:]:
        first_heading = next(line for c in json.loads(p.path.read_text())["cells"] if c["cell_type"] == "markdown"
                             for line in "".join(c["source"]).splitlines() if line.startswith("# "))
        assert p.title == first_heading[2:].strip()
        assert p.tab_title.startswith(p.key.lstrip("0") + " · ") and "Lab" not in p.tab_title
        assert p.path.name.startswith(p.key + "_")


def test_links_between_labs_become_tab_links_and_formulas_stay_for_the_page():
    out = C.render_markdown("[a](02c_irrational_optima.ipynb) [b](https://arxiv.org/abs/1806.07572) $2^H H!$")
    assert 'href="#02c"' in out and 'href="https://arxiv.org/abs/1806.07572"' in out and "$2^H H!$" in out


def test_no_lab_notebook_and_a_broken_notebook_are_refused_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no lab notebook"):
        C.lab_pages(tmp_path)
    (tmp_path / "01_broken.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="01_broken.ipynb"):
        C.lab_pages(tmp_path)


def test_a_page_is_its_notebooks_text_and_widgets_in_order_with_one_namespace(tmp_path):
    _notebook(tmp_path, "00_start.ipynb", [("markdown", "# Start\n\nSee [lab](01_x.ipynb).")])
    _notebook(tmp_path, "01_x.ipynb", [
        ("markdown", "# Lab 1 · X things"),
        ("code", "import ipywidgets as w\nn = 3"),
        ("code", "w.IntSlider(value=n)"),          # a name from the cell before
        ("code", "print('hello <b>')\n1 / 0"),     # prints, then fails
        ("markdown", "after"),
        ("code", "w.Button(description=str(n))"),
    ])
    course = C.Course(tmp_path)
    assert [p.key for p in course.pages] == ["00", "01"] and course.tabs.titles == ("Start", "1 · X things")
    assert course.tabs.selected_index == 0 and "01" not in course.built  # built when chosen
    course.show("01")
    assert course.tabs.selected_index == 1 and course.address.page == "01"
    kids = course.tabs.children[1].children
    kinds = [type(k).__name__ for k in kids]
    assert kinds == ["HTMLMath", "IntSlider", "HTML", "HTML", "HTMLMath", "Button"], kinds
    assert kids[1].value == 3 and kids[5].description == "3"
    assert kids[2].value == "<pre>hello &lt;b&gt;\n</pre>"
    assert "ZeroDivisionError" in kids[3].value and "Traceback" not in kids[3].value
    assert "ht-course-error" in kids[3]._dom_classes
    course.show("01")  # built once
    assert course.tabs.children[1].children == kids


def test_the_address_and_the_tabs_follow_each_other(tmp_path):
    for name in ("00_start.ipynb", "01_a.ipynb", "01b_b.ipynb", "02_c.ipynb"):
        _notebook(tmp_path, name, [("markdown", f"# {name}")])
    course = C.Course(tmp_path, open_page="01b")
    assert course.tabs.selected_index == 2 and course.address.page == "01b"
    course.address.opened_with = "02"         # the page was opened at .../00_course.ipynb#02
    assert course.tabs.selected_index == 3 and "02" in course.built
    course.tabs.selected_index = 1            # a tab chosen in the page
    assert course.address.page == "01" and "01" in course.built
    course.address.page = "01b"               # Back, or a link to #01b
    assert course.tabs.selected_index == 2
    course.address.page = "99"                # a stale fragment: nothing changes
    assert course.tabs.selected_index == 2
    with pytest.raises(ValueError, match="open_page"):
        C.Course(tmp_path, open_page="07")


def test_the_start_page_keeps_its_widgets_and_redraws_its_progress_table(tmp_path):
    _notebook(tmp_path, "00_start.ipynb", [("code", "from hardtrain.views.progress import course_progress\n"
                                                     "course_progress()"),
                                            ("code", "import ipywidgets as w\nw.Text('an instructor typed this')")])
    _notebook(tmp_path, "01_a.ipynb", [("markdown", "# A")])
    course = C.Course(tmp_path)
    progress, kept = course.tabs.children[0].children
    course.show("01")
    course.show("00")
    progress2, kept2 = course.tabs.children[0].children
    assert kept2 is kept and kept.value == "an instructor typed this"  # e.g. the link builder's state
    assert progress2 is not progress and "ht-course-progress" in progress2._dom_classes
    assert progress.comm is None  # the old table was closed
    assert list(course.built) == ["00", "01"]


def test_a_tab_chosen_by_address_is_built_once(tmp_path, monkeypatch):
    for name in ("00_start.ipynb", "01_a.ipynb"):
        _notebook(tmp_path, name, [("markdown", f"# {name}")])
    course = C.Course(tmp_path)
    calls = []
    build = course._build
    monkeypatch.setattr(course, "_build", lambda page: calls.append(page.key) or build(page))
    course.address.opened_with = "01"
    course.address.page = "00"
    course.address.page = "01"
    assert calls == ["01"]


def test_the_real_course_builds_lab_2_with_its_views(monkeypatch):
    monkeypatch.setattr(pagestate, "_COURSE", False)
    monkeypatch.chdir(LABS)
    course = C.Course()
    assert pagestate._COURSE is True
    course.show("02")
    shown = [type(k).__name__ for k in course.tabs.children[course._keys.index("02")].children]
    assert "GDRestartsView" in shown and "PredictThenReveal" in shown and "HTML" not in shown, shown
    import ast

    cells = json.loads((LABS / "02_np_hard_training.ipynb").read_text())["cells"]
    shows = sum(c["cell_type"] == "code" and isinstance(ast.parse("".join(c["source"])).body[-1], ast.Expr)
                for c in cells)
    assert shown.count("HTMLMath") == sum(c["cell_type"] == "markdown" for c in cells)
    assert len(shown) - shown.count("HTMLMath") == shows


def test_a_link_to_a_view_not_built_yet_is_not_reported_on_the_course_page(monkeypatch):
    from hardtrain.views import lab1

    import gc

    monkeypatch.setattr(pagestate, "_COURSE", False)
    monkeypatch.setattr(pagestate, "_PAGE", type(pagestate._PAGE)())  # a fresh page: only the bowl
    gc.collect()
    bowl = lab1.ConvexBowl()
    assert list(pagestate._PAGE) == ["bowl"] and "reduction" in pagestate._ALL_KEYS
    assert any("reduction" in n for n in bowl.page_state.apply("reduction.preset=triangle"))
    pagestate.whole_course()
    assert bowl.page_state.apply("reduction.preset=triangle&hide=seed") == []
    assert bowl.page_state.apply("nosuchview.x=1") != []  # a name no lab has is still reported
    assert isinstance(bowl, widgets.Box)
