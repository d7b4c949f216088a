"""Pictures for heat maps: a loss surface drawn as a PNG in the figure's layout, with hover points.

A ``Heatmap`` trace is slower to redraw than one picture in the layout; these helpers colour a
grid of values with a plotly colour scale into a PNG data URI, place it on the axes, and add
sparse invisible points that show the value under the mouse.
"""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go

__all__ = ["heatmap_image", "image_placement", "grid_points", "hover_points"]


@functools.lru_cache(maxsize=8)
def _colorscale_table(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Stops (K,) and RGB colours (K, 3) of a named plotly colorscale."""
    from plotly.colors import get_colorscale, hex_to_rgb, unlabel_rgb

    stops, colours = [], []
    for pos, colour in get_colorscale(name):
        stops.append(float(pos))
        colours.append(hex_to_rgb(colour) if colour.startswith("#") else unlabel_rgb(colour))
    return np.asarray(stops), np.asarray(colours, np.float64)


def heatmap_image(z, *, colorscale: str = "Viridis", zmin: float | None = None,
                  zmax: float | None = None) -> tuple[str, float, float]:
    """A 2-D array as a PNG data URI, coloured like a plotly heatmap, for ``layout.images``.

    Why: a plotly ``Heatmap`` trace is recomputed and redrawn on every restyle of the figure,
    even of another trace (the cost is measured in ``benchmarks/browser_lab1.py``; figures in
    ``benchmarks/RESULTS.md``). An image in the layout is decoded once and
    only moved. And the dashboards' plotly.js has no heatmap trace (:data:`PLOTLY_JS`).
    Place the picture with :func:`image_placement` (the browser interpolates between the
    pixels); :func:`colorbar_trace` draws its scale and :func:`hover_points` the values under
    the mouse.

    Args:
      z: array of shape (rows, cols); row j is drawn at the j-th y value from the *bottom*
        (plotly's heatmap convention, entry [j, i] at (x[i], y[j])). NaN and inf are transparent.
      colorscale: a plotly colorscale name.
      zmin, zmax: colour range; default the finite min and max of ``z``.
    Returns:
      (data URI of an RGBA PNG with ``rows`` x ``cols`` pixels, zmin, zmax).
    Raises:
      ValueError: ``z`` is not 2-D.
    """
    import base64
    import io

    from PIL import Image

    z = np.asarray(z, np.float64)
    if z.ndim != 2:
        raise ValueError(f"heatmap_image needs a 2-D array, got shape {z.shape}")
    finite = np.isfinite(z)
    lo = float(np.min(z[finite])) if zmin is None and finite.any() else float(zmin if zmin is not None else 0.0)
    hi = float(np.max(z[finite])) if zmax is None and finite.any() else float(zmax if zmax is not None else 1.0)
    t = np.clip((np.where(finite, z, lo) - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    stops, colours = _colorscale_table(colorscale)
    rgba = np.empty(z.shape + (4,), np.uint8)
    for c in range(3):
        rgba[..., c] = np.rint(np.interp(t, stops, colours[:, c]))
    rgba[..., 3] = np.where(finite, 255, 0)
    buf = io.BytesIO()
    Image.fromarray(rgba[::-1], "RGBA").save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), lo, hi


def image_placement(source: str, xs, ys, *, xref: str = "x", yref: str = "y") -> dict:
    """A ``layout.images`` entry that draws a :func:`heatmap_image` of z[j, i] at (xs[i], ys[j]).

    Pixel centres sit on the grid points, as a plotly ``Heatmap`` trace would draw them: the
    picture reaches half a grid step beyond the first and last points.

    Args:
      source: the image's data URI ("" for none yet).
      xs: (cols,) increasing, evenly spaced x values; ys: (rows,) likewise for y.
      xref, yref: the axes the picture sits on ("x", "y" for the first subplot).
    Returns:
      a dict for ``fig.add_layout_image`` (top-left corner, size, stretched, below the traces).
    """
    xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
    hx = float(xs[1] - xs[0]) if len(xs) > 1 else 1.0
    hy = float(ys[1] - ys[0]) if len(ys) > 1 else 1.0
    return dict(source=source, xref=xref, yref=yref, x=float(xs[0]) - hx / 2, y=float(ys[-1]) + hy / 2,
                sizex=float(xs[-1] - xs[0]) + hx, sizey=float(ys[-1] - ys[0]) + hy,
                sizing="stretch", layer="below")


def grid_points(xs, ys, z, stride: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The points of a grid surface as three flat arrays, for :func:`hover_points`.

    Args:
      xs: (cols,) x coordinates; ys: (rows,) y coordinates.
      z: (rows, cols), entry [j, i] at (xs[i], ys[j]) (plotly's heatmap convention, as in
        :func:`heatmap_image`).
      stride: keep every stride-th point along each axis (>= 1), starting with the first.
    Returns:
      (x, y, z) as float32 arrays of equal length ceil(rows / stride) * ceil(cols / stride),
      row by row.
    Raises:
      ValueError: z is not (len(ys), len(xs)), or stride < 1.
    """
    xs, ys, z = np.asarray(xs), np.asarray(ys), np.asarray(z)
    if int(stride) < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if z.shape != (len(ys), len(xs)):
        raise ValueError(f"z has shape {z.shape}; the grid needs (len(ys), len(xs)) = {(len(ys), len(xs))}")
    s = int(stride)
    X, Y = np.meshgrid(xs[::s], ys[::s])
    return (X.ravel().astype(np.float32), Y.ravel().astype(np.float32),
            z[::s, ::s].ravel().astype(np.float32))


def hover_points(xs, ys, z, *, hovertemplate: str, stride: int = 1) -> go.Scatter:
    """Invisible markers on the grid points of a :func:`heatmap_image`, showing values on hover.

    Why: a layout image has no hover, and the dashboards' plotly.js (the "basic" distribution,
    see :data:`PLOTLY_JS`) has no heatmap trace. Each point carries its value in ``customdata``;
    after a new surface on the same grid, update only ``customdata`` (third array of
    :func:`grid_points`). Keep the number of points to a few thousand (``stride``): each is an
    SVG element.

    Args:
      xs, ys, z, stride: as in :func:`grid_points`.
      hovertemplate: a plotly hover template; ``%{x}``, ``%{y}`` and ``%{customdata}`` (the
        value) are available.
    Returns:
      a ``go.Scatter`` (mode "markers", fully transparent, no legend entry).
    Raises:
      ValueError: as :func:`grid_points`.
    """
    x, y, v = grid_points(xs, ys, z, stride)
    return go.Scatter(x=x, y=y, customdata=v, mode="markers", showlegend=False,
                      marker=dict(size=6, opacity=0), hovertemplate=hovertemplate)
