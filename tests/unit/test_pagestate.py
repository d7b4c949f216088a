"""Shareable page state in the kernel (hardtrain.views.pagestate): the address grammar applied to
real views and to plain widgets, without a browser (tests/browser/test_pagestate.py drives the
same views in Chromium)."""

from __future__ import annotations

import inspect
from urllib.parse import urlencode

import ipywidgets as widgets
import pytest

from hardtrain.views import lab1, lab2, lab3, lab4
from hardtrain.views.pagestate import PageState, controls_of
from hardtrain.views.widgets import NumberField, css_class


@pytest.fixture(autouse=True)
def _a_page_of_its_own(monkeypatch):
    """Each test is a page of its own: views other tests keep alive are not on it."""
    import weakref

    from hardtrain.views import pagestate

    monkeypatch.setattr(pagestate, "_PAGE", weakref.WeakValueDictionary())
    monkeypatch.setattr(pagestate, "_COURSE", False)


def _toy(key="toy"):
    box = widgets.VBox([
        css_class(widgets.Dropdown(options=[("Gradient descent", "gd"), ("Adam", "adam")], value="gd"), "ht-opt"),
        css_class(widgets.IntSlider(value=10, min=0, max=100, step=5), "ht-toy-steps"),
        css_class(widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.1), "ht-lab9-rate"),
        css_class(widgets.Checkbox(value=True), "ht-noise"),
        NumberField("Seed", 0, 0, 999, name="seed"),
        css_class(widgets.Button(description="Run"), "ht-run"),
        css_class(widgets.HTML("text"), "ht-summary"),
    ])
    return box, PageState(box, key)


def test_controls_are_found_by_their_css_names_and_displays_are_not():
    box, ps = _toy()
    assert list(ps.controls) == ["opt", "steps", "rate", "noise", "seed", "run"]
    assert ps.defaults == {"opt": "gd", "steps": "10", "rate": "0.5", "noise": "1", "seed": "0", "run": None}
    dup = widgets.VBox([css_class(widgets.IntSlider(), "ht-a"), css_class(widgets.IntSlider(), "ht-a")])
    with pytest.raises(ValueError, match="two controls named 'a'"):
        controls_of(dup)


def test_a_link_sets_values_through_the_widgets_and_names_what_it_refused():
    box, ps = _toy()
    seen = []
    ps.controls["steps"].observe(lambda c: seen.append(c["new"]), names="value")
    notes = ps.apply("?toy.opt=Adam&toy.steps=42&toy.rate=7&toy.noise=0&toy.seed=12&toy.bogus=1&other.x=2")
    assert ps.controls["opt"].value == "adam"  # by label
    assert ps.controls["steps"].value == 40 and seen == [40]  # snapped to the slider's step
    assert ps.controls["rate"].value == 0.5  # out of range: kept
    assert ps.controls["noise"].value is False
    assert ps.controls["seed"].value == 12
    assert any("toy.rate=7" in n and "[0, 1]" in n and "kept 0.5" in n for n in notes), notes
    assert any("toy.bogus" in n for n in notes)
    assert any("other.x" in n for n in notes)  # toy is the page's only view here
    assert "Not applied from the link" in ps.note.value
    assert ps.link.state == {"opt": "adam", "steps": "40", "noise": "0", "seed": "12"}


def test_bad_values_of_every_kind_keep_the_default():
    box, ps = _toy()
    notes = ps.apply(urlencode({"toy.opt": "sgd", "toy.steps": "many", "toy.noise": "maybe",
                                "toy.seed": "-3", "toy.run": "1"}))
    assert len(notes) == 5
    assert ps.state() == {} and ps.link.state == {}


def test_hide_and_lock_by_control_by_name_and_by_view():
    box, ps = _toy()
    ps.apply("hide=toy.opt,noise&lock=toy.steps,seed,run")
    assert ps.controls["opt"].layout.display == "none" and ps.controls["noise"].layout.display == "none"
    assert ps.controls["steps"].layout.display != "none"
    steps, seed, run = ps.controls["steps"], ps.controls["seed"], ps.controls["run"]
    assert steps.disabled and seed.text.disabled and run.disabled
    run.disabled = False  # a view re-enabling its button after a run
    assert run.disabled
    box2, ps2 = _toy("whole")
    ps2.apply("hide=whole")
    assert box2.layout.display == "none"
    ps2.apply("lock=whole")
    assert all(w.disabled for n, w in ps2.controls.items() if n not in ("seed",)) and ps2.controls["seed"].text.disabled


def test_the_state_follows_the_controls_and_leaves_defaults_out():
    box, ps = _toy()
    ps.controls["rate"].value = 0.8
    ps.controls["seed"].text.value = "7"
    assert ps.link.state == {"rate": "0.8", "seed": "7"}
    ps.controls["rate"].value = 0.5
    assert ps.link.state == {"seed": "7"}


def test_bad_keys_are_refused():
    with pytest.raises(ValueError, match="view key"):
        PageState(widgets.VBox(), "a.b")



@pytest.mark.parametrize("make", [lab1.ProductPlayground, lab3.DoubleDescent, lab4.PruningCurves])
def test_a_views_own_address_restores_its_settings_in_a_new_view(make):
    first = make()
    ps = first.page_state
    changed = 0
    for name, w in ps.controls.items():  # move each settable control off its default
        if ps.defaults[name] is None or isinstance(w, NumberField):
            continue
        options = getattr(w, "options", None)
        if options is not None and len(options) > 1:
            w.index = (w.index + 1) % len(options)
            changed += 1
        elif isinstance(w, widgets.Checkbox):
            w.value = not w.value
            changed += 1
    assert changed >= 1
    state = ps.state()
    assert state and ps.link.state == state
    second = make()
    notes = second.page_state.apply(urlencode({f"{ps.key}.{k}": v for k, v in state.items()}))
    assert notes == []
    assert second.page_state.state() == state


def test_every_view_is_shareable_with_a_unique_key():
    keys = []
    for mod in (lab1, lab2, lab3, lab4):
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if cls.__module__ == mod.__name__ and issubclass(cls, widgets.Box) and "ht-view" in inspect.getsource(cls):
                assert hasattr(cls, "page_key"), f"{cls.__name__} is not @shareable"
                keys.append(cls.page_key)
    assert len(keys) == 17 and len(set(keys)) == len(keys)


def test_the_example_links_of_the_syllabus_apply_without_a_note():
    """course/README.md's example links: each sets what it says on a freshly built view."""
    import re
    from pathlib import Path
    from urllib.parse import parse_qs

    text = (Path(__file__).parents[2] / "course" / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"`(\d\d[a-z]?_\w+\.ipynb)\?([^`]+)`", text)
    assert len(links) >= 4, links
    builders = {"bowl": lab1.ConvexBowl, "dd": lab3.DoubleDescent, "curves": lab4.PruningCurves,
                "reduction": lab2.ReductionView}
    for notebook, query in links:
        keys = {k.split(".")[0] for k, v in parse_qs(query).items() if "." in k}
        assert len(keys) == 1, (notebook, query)
        key = keys.pop()
        cls = builders[key]
        assert f".{cls.__name__}(" in (Path(__file__).parents[2] / "labs" / notebook).read_text(), \
            f"{notebook} does not show the view {key!r}"
        view = cls()
        notes = view.page_state.apply(query)
        assert notes == [], (query, notes)
        for name, values in parse_qs(query).items():
            if name.startswith(key + "."):
                assert view.page_state.state().get(name[len(key) + 1:]) == values[0], (query, name)


def test_the_documented_hidden_tab_delay_is_the_default():
    """README and course/README.md say a hidden page frees its kernel after 5 minutes."""
    from pathlib import Path

    from hardtrain import runtime

    root = Path(__file__).parents[2]
    assert runtime.HIDDEN_TAB_SECONDS == 5 * 60
    assert "hidden for 5 minutes" in (root / "course" / "README.md").read_text(encoding="utf-8")
    assert "left hidden for 5 minutes" in (root / "README.md").read_text(encoding="utf-8")


def test_the_syllabus_table_names_each_views_page():
    """course/README.md's table of views: every shareable view once, on the page that shows it."""
    import re
    from pathlib import Path

    root = Path(__file__).parents[2]
    rows = dict(re.findall(r"^\| `([\w-]+)` \| (\d\d[a-z]?) \|", (root / "course" / "README.md").read_text(encoding="utf-8"),
                           re.M))
    shown = {}
    for mod in (lab1, lab2, lab3, lab4):
        for name, cls in inspect.getmembers(mod, inspect.isclass):
            if hasattr(cls, "page_key") and cls.__module__ == mod.__name__:
                pages = [nb.name[:3].rstrip("_") for nb in sorted((root / "labs").glob("0*.ipynb"))
                         if f"{mod.__name__.rsplit('.', 1)[1]}.{name}(" in nb.read_text(encoding="utf-8")]
                assert len(pages) == 1, (name, pages)
                shown[cls.page_key] = pages[0]
    assert rows == shown
