"""Tests of the figure helpers in hardtrain.views.common that lab 1's sliders rely on.

Ground truth: the colour-bar labels are the affine map of evenly spaced positions, written out
by hand; the animate message is read from what the FigureWidget sends (a spy on its
``_send_animate_msg``), and the Python figure's state from the figure itself.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from hardtrain.views.common import colorbar_ticks, redraw_traces_only


def test_colorbar_ticks_label_evenly_spaced_positions():
    ticks = colorbar_ticks(0.5, 2.5)
    assert ticks["tickvals"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ticks["ticktext"] == ["0.5", "1", "1.5", "2", "2.5"]
    assert colorbar_ticks(0.0428, 1.06, n=2)["ticktext"] == ["0.0428", "1.06"]
    with pytest.raises(ValueError, match="n >= 2"):
        colorbar_ticks(0.0, 1.0, n=1)


def test_redraw_traces_only_sends_one_animate_frame_without_redraw():
    fig = go.FigureWidget(data=[go.Scatter(x=[0.0, 1.0], y=[0.0, 1.0]), go.Scatter(x=[2.0], y=[2.0])])
    sent = []
    fig._send_animate_msg = lambda **kw: sent.append(kw)
    with redraw_traces_only(fig):
        fig.data[1].update(x=np.array([3.0, 4.0], np.float32), y=np.array([5.0, 6.0], np.float32))
    assert len(sent) == 1, sent
    msg = sent[0]
    assert msg["animation_opts"]["frame"] == {"duration": 0, "redraw": False}
    assert msg["animation_opts"]["transition"]["duration"] == 0
    assert list(msg["trace_indexes"]) == [1]
    assert list(msg["styles_data"][0]["x"]) == [3.0, 4.0]
    assert list(fig.data[1].x) == [3.0, 4.0] and list(fig.data[0].x) == [0.0, 1.0]
    assert fig._in_batch_mode is False


def test_redraw_traces_only_on_a_plain_figure_and_inside_a_batch():
    fig = go.Figure(data=[go.Scatter(x=[0.0], y=[0.0])])
    with redraw_traces_only(fig):
        fig.data[0].x = [7.0]
    assert list(fig.data[0].x) == [7.0]
    widget = go.FigureWidget(fig)
    animated, updated = [], []
    widget._send_animate_msg = lambda **kw: animated.append(kw)
    widget._send_update_msg = lambda *a, **kw: updated.append(a)
    with widget.batch_update():  # the outer batch sends; the inner block adds to it
        with redraw_traces_only(widget):
            widget.data[0].x = [8.0]
    assert animated == [] and len(updated) == 1
    assert list(widget.data[0].x) == [8.0]


# --------------------------------------------------------------------------------------------
# The dashboards' own plotly.js (views/static): ground truth is plotly.py's bundled plotly.js
# (its version line and the trace modules it registers) and the views' source code.

import re  # noqa: E402
from pathlib import Path  # noqa: E402

import plotly  # noqa: E402

from hardtrain.views import common  # noqa: E402
from hardtrain.views import figures  # noqa: E402  (the figure transport: private helpers tested directly)

PLOTLY_PACKAGE_DATA = Path(plotly.__file__).parent / "package_data"
VIEWS = Path(common.__file__).parent


def _plotly_js_version(path: Path) -> str:
    head = path.read_text(encoding="utf-8", errors="replace")[:400]
    found = re.search(r"plotly\.js(?: \([^)]*\))? v(\d+\.\d+\.\d+)", head)
    assert found, f"no plotly.js version line at the top of {path}"
    return found.group(1)


def _trace_modules(path: Path) -> set[str]:
    """Trace types a plotly.js bundle registers (each module reads name:"<type>",basePlotModule)."""
    return set(re.findall(r'name:"(\w+)",basePlotModule', path.read_text(encoding="utf-8")))


def test_vendored_plotly_js_is_plotly_pys_version():
    """plotly.py validates figures against its own plotly.js schema: the same version draws them."""
    vendored = VIEWS / "static" / common.PLOTLY_JS
    assert _plotly_js_version(vendored) == _plotly_js_version(PLOTLY_PACKAGE_DATA / "plotly.min.js")
    assert common.PLOTLY_JS.endswith(f"-{_plotly_js_version(vendored)}.min.js")


def test_every_trace_type_the_views_draw_is_in_the_vendored_bundle():
    vendored = _trace_modules(VIEWS / "static" / common.PLOTLY_JS)
    full = _trace_modules(PLOTLY_PACKAGE_DATA / "plotly.min.js")
    # The reading of the bundles can tell them apart: the full one has heatmaps, 3-D and maps.
    assert {"scatter", "bar"} <= vendored < full
    assert {"heatmap", "surface", "scattergl"} <= full and not {"heatmap", "surface", "scattergl"} & vendored
    used = set()
    for source in VIEWS.glob("*.py"):
        for name in re.findall(r"\bgo\.([A-Z]\w*)\(", source.read_text(encoding="utf-8")):
            cls = getattr(go, name)
            if isinstance(cls, type) and issubclass(cls, plotly.basedatatypes.BaseTraceType):
                used.add(cls().type)
    assert {"scatter", "bar"} <= used, used  # the scan finds what lab 1 and 3 draw
    assert used <= vendored, f"trace types missing from {common.PLOTLY_JS}: {used - vendored}"


def test_lite_figure_widget_module_points_at_the_shared_copy():
    esm = common.LiteFigureWidget._esm
    assert "@PLOTLY_PATH@" not in esm
    assert f'const PLOTLY_PATH = "{common.SHARED_PLOTLY_JS}";' in esm
    assert "export default" in esm
    fig = common.LiteFigureWidget(go.Figure(go.Scatter(x=[0.0, 1.0], y=[1.0, 0.0])))
    assert fig._esm == esm  # anywidget sends the instance's module to the browser
    assert fig.data[0].type == "scatter"


def test_shared_plotly_js_is_placed_once_and_whole(tmp_path):
    source = VIEWS / "static" / common.PLOTLY_JS
    target = tmp_path / common.SHARED_PLOTLY_JS
    figures._place_shared_plotly_js(tmp_path)
    assert target.read_bytes() == source.read_bytes()
    assert target.stat().st_mode & 0o777 == 0o644
    mtime = target.stat().st_mtime_ns
    figures._place_shared_plotly_js(tmp_path)  # an equal copy is left alone
    assert target.stat().st_mtime_ns == mtime
    target.write_bytes(b"truncated")  # a damaged copy is replaced
    figures._place_shared_plotly_js(tmp_path)
    assert target.read_bytes() == source.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == [common.PLOTLY_JS]  # no temp files left


@pytest.mark.parametrize("env, expected", [
    ({"HARDTRAIN_SHARED_PLOTLY_BUNDLE": "1", "VOILA_PREHEAT": "False"}, "lite"),
    ({"HARDTRAIN_SHARED_PLOTLY_BUNDLE": "1"}, "plotly"),  # not a Voila kernel
    ({"HARDTRAIN_SHARED_PLOTLY_BUNDLE": "0", "VOILA_PREHEAT": "False"}, "plotly"),
    ({"VOILA_PREHEAT": "True"}, "plotly"),
])
def test_figure_widget_class_is_lite_only_under_voila(tmp_path, monkeypatch, env, expected):
    for name in ("HARDTRAIN_SHARED_PLOTLY_BUNDLE", "VOILA_PREHEAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    figures._figure_widget_class.cache_clear()
    try:
        cls = figures._figure_widget_class()
    finally:
        figures._figure_widget_class.cache_clear()
    assert cls is (common.LiteFigureWidget if expected == "lite" else go.FigureWidget)
    assert (tmp_path / common.SHARED_PLOTLY_JS).is_file() == (expected == "lite")


def test_figure_widget_class_falls_back_when_the_copy_cannot_be_written(tmp_path, monkeypatch):
    monkeypatch.setenv("HARDTRAIN_SHARED_PLOTLY_BUNDLE", "1")
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    (tmp_path / "_static").write_text("a file where the folder should be")
    monkeypatch.chdir(tmp_path)
    figures._figure_widget_class.cache_clear()
    try:
        assert figures._figure_widget_class() is go.FigureWidget
    finally:
        figures._figure_widget_class.cache_clear()
