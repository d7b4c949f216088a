"""The instructor's link builder (hardtrain.views.linkbuilder).

The link it writes is checked by applying it to freshly built views of the page it names (the
same code a browser's page runs when the link opens): what the builder says it sets is set, what
it hides is hidden, what it locks is locked, and a value the page would refuse is named by the
builder before the link is sent.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from hardtrain.views import lab1, lab3
from hardtrain.views.linkbuilder import LinkBuilder, page_views

LABS = Path(__file__).resolve().parents[2] / "labs"


def _row(builder, target):
    return next(r for r in builder._rows if f"{r.view_key}.{r.name}" == target)


def test_page_views_are_the_views_the_page_shows():
    views, shown = page_views(LABS / "01_convex_vs_nonconvex.ipynb")
    assert [v.page_state.key for v in views] == ["bowl", "playground"]
    assert len(shown) >= len(views)
    for w in shown:
        w.close()


def test_a_built_link_sets_hides_and_locks_what_it_says():
    b = LinkBuilder(LABS)
    assert [p.key for p in b.pages][0] == "01" and b.link == ""
    b.page.value = "01"
    assert {f"{r.view_key}.{r.name}" for r in b._rows} >= {"bowl.loss", "bowl.span", "playground.optimizer",
                                                            "playground.seed"}
    loss = _row(b, "bowl.loss")
    loss.value.value = "sigmoid_squared"
    loss.lock.value = True
    _row(b, "playground.seed").hide.value = True
    _row(b, "playground.lr").value.value = "0.05"
    path, query = b.link.split("?")
    assert path == "01_convex_vs_nonconvex.ipynb" and b.notes == []
    params = dict(parse_qsl(query))
    assert params == {"bowl.loss": "sigmoid_squared", "playground.lr": "0.05", "hide": "playground.seed",
                      "lock": "bowl.loss"}
    assert b.box.value == b.link and 'href="01_convex_vs_nonconvex.ipynb?' in b.out.value

    # The page, built afresh, applies the link without a note and does what the builder said.
    bowl, playground = lab1.ConvexBowl(), lab1.ProductPlayground()
    assert bowl.page_state.apply(query) == [] and playground.page_state.apply(query) == []
    assert bowl.page_state.state() == {"loss": "sigmoid_squared"} and bowl.page_state.controls["loss"].disabled
    assert playground.page_state.state() == {"lr": "0.05"}
    assert playground.page_state.hidden == {"seed"} and playground.page_state.controls["seed"].layout.display == "none"
    assert bowl.page_state.locked == {"loss"} and playground.page_state.locked == set()


def test_the_course_link_names_the_tab_and_whole_views_hide():
    b = LinkBuilder(LABS)
    b.page.value = "03"
    b.target.value = "course"
    hide_dd = next(h for key, h, _ in b._whole if key == "dd")
    hide_dd.value = True
    parts = urlsplit(b.link)
    assert parts.path == "00_course.ipynb" and parts.fragment == "03"
    assert dict(parse_qsl(parts.query)) == {"hide": "dd"}
    dd = lab3.DoubleDescent()
    assert dd.page_state.apply(parts.query) == [] and dd.layout.display == "none"


def test_a_value_the_page_would_refuse_is_named_before_the_link_is_sent():
    b = LinkBuilder(LABS)
    b.page.value = "01"
    span = _row(b, "bowl.span")
    span.value.value = "1000"
    assert len(b.notes) == 1 and b.notes[0].startswith("bowl.span=1000: expected a number in")
    assert "bowl.span=1000" in b.out.value and "ht-info" in b.out.value
    span.value.value = "abc"
    assert "expected a number" in b.notes[0]
    span.value.value = ""
    assert b.notes == [] and "bowl.span" not in b.link


def test_changing_the_page_closes_the_views_read_for_the_last_one():
    b = LinkBuilder(LABS)
    b.page.value = "04b"
    old = list(b._shown)
    assert old and all(w.comm is not None for w in old)
    b.page.value = "02c"
    assert all(w.comm is None for w in old)
    assert {r.view_key for r in b._rows} == {"irrational"}
    with pytest.raises(FileNotFoundError):
        LinkBuilder(LABS / "nothing-here")
