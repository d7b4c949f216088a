"""The replay's kernel side (hardtrain.views.player): what goes to the browser, and when."""

from __future__ import annotations

import numpy as np
import pytest

from hardtrain.views.player import Player, _wire, series


def test_series_shapes_and_kinds():
    s = series(3, np.zeros((4, 10)), np.ones((4, 10)))
    assert s["kind"] == "path" and s["x"].shape == (4, 10)
    f = series(0, np.arange(5), np.zeros((7, 5)), kind="frames")
    assert f["y"].shape == (7, 5)
    with pytest.raises(ValueError, match="same shape"):
        series(0, np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="frames"):
        series(0, np.arange(5), np.zeros((7, 4)), kind="frames")
    with pytest.raises(ValueError, match="kind"):
        series(0, [1], [1], kind="bars")


def test_the_run_is_sent_only_when_the_browser_asks_for_its_version():
    p = Player("fig", every=5)
    run = np.array([[0.0, np.nan, 2.0]])
    p.show([series(1, run, run), series(2, np.arange(3), np.zeros((4, 3)), kind="frames")])
    assert p.frames == 4 and p.version == 1 and p.series == []  # only the length went out
    p.request = 0  # a stale request (an older run)
    assert p.series == []
    p.request = 1
    assert p.series_version == 1 and len(p.series) == 2
    assert p.series[0]["x"] == [[0.0, None, 2.0]]  # not finite -> a gap (JSON has no NaN)
    p.show([series(1, run, run)])
    assert p.version == 2 and p.series_version == 1  # the browser knows its data are stale


def test_wire_rounds_and_keeps_the_shape():
    w = _wire(series(0, [[1.234567, 2.0]], [[3.0, np.inf]]))
    assert w["x"] == [[1.2346, 2.0]] and w["y"] == [[3.0, None]]
