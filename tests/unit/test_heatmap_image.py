"""heatmap_image (views.common): a loss surface as a PNG coloured like plotly's heatmap."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from hardtrain.views.common import (colorbar_trace, grid_points, heatmap_image, hover_points,
                                    image_placement)

VIRIDIS_LOW, VIRIDIS_HIGH = (0x44, 0x01, 0x54), (0xFD, 0xE7, 0x25)  # matplotlib's viridis ends


def decode(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGBA"))


def test_colours_orientation_and_range():
    z = np.array([[0.0, 1.0, 2.0],
                  [3.0, 4.0, np.nan]])  # row 0 is the bottom row, as in a plotly Heatmap
    uri, lo, hi = heatmap_image(z)
    img = decode(uri)
    assert img.shape == (2, 3, 4) and (lo, hi) == (0.0, 4.0)
    assert tuple(img[1, 0, :3]) == VIRIDIS_LOW      # z[0, 0] = min, drawn bottom-left
    assert tuple(img[0, 1, :3]) == VIRIDIS_HIGH     # z[1, 1] = max, drawn top-middle
    assert img[0, 2, 3] == 0 and (img[[0, 1, 1], [0, 0, 1], 3] == 255).all()  # NaN is transparent
    # the colour of a value halfway up the range is plotly's own midpoint colour of Viridis
    from plotly.colors import sample_colorscale, unlabel_rgb
    mid = np.array(unlabel_rgb(sample_colorscale("Viridis", [0.5])[0]))
    assert np.abs(img[1, 2, :3] - mid).max() <= 1  # z[0, 2] = 2 = (lo + hi) / 2


def test_explicit_range_clips():
    uri, lo, hi = heatmap_image(np.array([[-5.0, 5.0]]), zmin=0.0, zmax=1.0)
    img = decode(uri)
    assert (lo, hi) == (0.0, 1.0)
    assert tuple(img[0, 0, :3]) == VIRIDIS_LOW and tuple(img[0, 1, :3]) == VIRIDIS_HIGH


def test_rejects_non_2d():
    with pytest.raises(ValueError, match="2-D"):
        heatmap_image(np.zeros(5))


def test_placement_centres_pixels_on_the_grid():
    xs = np.linspace(-1.0, 1.0, 41)
    ys = np.linspace(-2.0, 2.0, 21)
    im = image_placement("data:", xs, ys)
    hx, hy = 2.0 / 40, 4.0 / 20
    # pixel i spans [left + i*w, left + (i+1)*w]; its centre must be xs[i] (same for rows, top down)
    w, h = im["sizex"] / len(xs), im["sizey"] / len(ys)
    np.testing.assert_allclose(im["x"] + (np.arange(41) + 0.5) * w, xs, atol=1e-12)
    np.testing.assert_allclose(im["y"] - (np.arange(21) + 0.5) * h, ys[::-1], atol=1e-12)
    assert w == pytest.approx(hx) and h == pytest.approx(hy)


def test_colorbar_trace_spans_the_range():
    t = colorbar_trace("loss", 0.5, 2.0)
    assert t.marker.cmin == 0.5 and t.marker.cmax == 2.0 and t.marker.showscale
    assert t.showlegend is False


def test_placement_on_another_subplot():
    im = image_placement("", [0.0, 1.0], [0.0, 1.0], xref="x2", yref="y2")
    assert (im["xref"], im["yref"]) == ("x2", "y2")
    assert (im["x"], im["y"], im["sizex"], im["sizey"]) == (-0.5, 1.5, 2.0, 2.0)


def surface_formula(x, y):
    return x ** 2 - 3.0 * x * y + np.sin(y)  # not symmetric in x and y: a swap would show


def test_grid_points_follow_the_heatmap_convention():
    xs = np.linspace(-1.0, 1.0, 7)
    ys = np.linspace(0.0, 3.0, 4)
    z = surface_formula(xs[None, :], ys[:, None])  # z[j, i] at (xs[i], ys[j])
    x, y, v = grid_points(xs, ys, z)
    assert x.shape == y.shape == v.shape == (28,) and v.dtype == np.float32
    np.testing.assert_allclose(v, surface_formula(x.astype(np.float64), y.astype(np.float64)),
                               rtol=1e-5, atol=1e-5)
    assert set(np.round(x, 6)) == set(np.round(xs, 6).astype(np.float32))
    x3, y3, v3 = grid_points(xs, ys, z, stride=3)  # every third point from the first, both axes
    assert sorted(set(x3.tolist())) == pytest.approx(xs[::3])
    assert sorted(set(y3.tolist())) == pytest.approx(ys[::3])
    assert len(v3) == 3 * 2
    np.testing.assert_allclose(v3, surface_formula(x3.astype(np.float64), y3.astype(np.float64)),
                               rtol=1e-5, atol=1e-5)


def test_grid_points_reject_a_transposed_surface_and_bad_stride():
    xs, ys = np.arange(3.0), np.arange(2.0)
    with pytest.raises(ValueError, match=r"\(len\(ys\), len\(xs\)\)"):
        grid_points(xs, ys, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="stride"):
        grid_points(xs, ys, np.zeros((2, 3)), stride=0)


def test_hover_points_are_invisible_and_carry_the_values():
    xs = ys = np.linspace(-2.0, 2.0, 5)
    z = surface_formula(xs[None, :], ys[:, None])
    t = hover_points(xs, ys, z, hovertemplate="loss=%{customdata:.3f}")
    assert t.type == "scatter" and t.mode == "markers" and t.marker.opacity == 0 and t.showlegend is False
    np.testing.assert_allclose(np.asarray(t.customdata), surface_formula(np.asarray(t.x), np.asarray(t.y)),
                               rtol=1e-5, atol=1e-5)
    assert "%{customdata" in t.hovertemplate
