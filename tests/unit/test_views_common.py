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
