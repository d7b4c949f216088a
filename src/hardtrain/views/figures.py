"""Figures of the dashboards: one plotly figure per view, created once, updated in place.

:func:`figure_widget` turns a prepared ``go.Figure`` into the widget the page shows. Under Voila
with ``HARDTRAIN_SHARED_PLOTLY_BUNDLE=1`` that is :class:`LiteFigureWidget`, which loads one
plotly.js bundle per page from ``labs/_static/`` instead of plotly's 5 MB per figure; elsewhere it
is plotly's own ``FigureWidget``. Also: the palette, compact float arrays for the wire, colour
bars for pictures, and :func:`redraw_traces_only` for edits that need no full replot.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from ..runtime import release_memory
from .widgets import css_class, log

__all__ = ["COLORS", "figure_widget", "LiteFigureWidget", "PLOTLY_JS", "SHARED_PLOTLY_JS", "figure_esm",
           "compact", "colorbar_trace", "colorbar_ticks", "redraw_traces_only"]


#: The views' line colours: Okabe & Ito's palette ("Color Universal Design", 2008), whose colours
#: stay apart under protanopia, deuteranopia and tritanopia (tests/unit/test_palette.py checks it
#: with Machado et al.'s simulation, IEEE TVCG 2009); its yellow is last (weak on white).
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]


def figure_widget(fig: go.Figure | None = None, *, height: int = 420, name: str = "",
                  legend_rows: int = 0) -> go.FigureWidget:
    """A plotly FigureWidget with the lab's look: white card, compact margins, fixed height.

    The legend sits above the plot when the figure has no main title (above the subplot titles
    when it has those), and below the x axis when it has a main title or when ``legend_rows``
    = n > 0 asks for room for n rows: a legend never covers a title (the browser tests check the
    boxes). Without ``legend_rows`` the rows below are estimated from the legend's text.

    One is created per view and updated in place (``with fw.batch_update(): ...``): re-creating
    a figure re-sends its data and redraws it from scratch. Under Voila it is a
    :class:`LiteFigureWidget` (a smaller plotly.js, loaded once per page), elsewhere plotly's own.

    Wrap a figure only once it holds its first data and layout: the browser builds the figure
    from the widget's state, and changes made between the widget's creation and the page load
    reach the browser only as messages that anywidget 0.11 may drop (a model not ready within
    2 s ignores them), which left figures empty in Voila.
    """
    fig = go.Figure(fig if fig is not None else go.Figure())
    cls = _figure_widget_class()
    # Subplot titles sit just above the plots: lift the legend above them, with room for it.
    titled = any(a.yref == "paper" and (a.y or 0) >= 1.0 for a in fig.layout.annotations)
    m = fig.layout.margin  # a view's own margins win over the defaults
    margin = {k: (getattr(m, k) if getattr(m, k) is not None else v)
              for k, v in dict(l=60, r=20, t=90 if titled else 50, b=50).items()}
    if legend_rows <= 0 and fig.layout.title.text:
        legend_rows = _legend_rows(fig)
    if legend_rows > 0:
        margin["b"] = max(margin["b"], 70 + 22 * int(legend_rows))
        legend = dict(orientation="h", yref="container", yanchor="bottom", y=0.0, x=0, font=dict(size=12))
    else:
        legend = dict(orientation="h", yanchor="bottom", y=1.09 if titled else 1.02, x=0)
    fig.update_layout(template="plotly_white", height=height, margin=margin,
                      paper_bgcolor="white", font=dict(size=13), legend=legend)
    fw = cls(fig)
    if name:
        css_class(fw, f"ht-fig-{name}")
    release_memory()  # the view has just done its first (heaviest) computation
    return fw


def _legend_rows(fig: go.Figure, width_px: float = 950.0) -> int:
    """Rows a horizontal legend needs: its entries packed greedily into ``width_px``.

    An entry is about 40 px of symbol and padding plus 7 px per character at the legend's font.
    """
    rows, used = 0, width_px
    for t in fig.data:
        if t.showlegend is False or not t.name:
            continue
        w = 40.0 + 7.0 * len(t.name)
        if used + w > width_px:
            rows, used = rows + 1, 0.0
        used += w
    return max(rows, 1)


#: plotly.js's "basic" distribution (npm plotly.js-basic-dist-min, MIT licence: scatter, bar and
#: pie traces), the same plotly.js version as plotly.py's own bundle; provenance in
#: static/README.md. The views draw heatmaps as layout images (:func:`heatmap_image`).
PLOTLY_JS = "plotly-basic-4.1.1.min.js"

#: Where the dashboards' pages load it from: a copy beside the notebooks, served by Voila's file
#: handler (allowed by voila.json's ``file_allowlist``).
SHARED_PLOTLY_JS = f"_static/{PLOTLY_JS}"

_STATIC = Path(__file__).parent / "static"


def _place_shared_plotly_js(folder: Path) -> None:
    """Copy :data:`PLOTLY_JS` into ``folder / SHARED_PLOTLY_JS`` unless an equal copy is there.

    Atomic (a temporary file renamed into place): kernels starting together never serve half a
    file. Raises OSError when the folder is not writable.
    """
    source = _STATIC / PLOTLY_JS
    target = folder / SHARED_PLOTLY_JS
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the server may run as another user
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@functools.lru_cache(maxsize=1)
def figure_esm() -> str:
    """The ES module of :class:`LiteFigureWidget`'s browser side (``static/figure.js``), with the
    path of the shared plotly.js filled in."""
    return (_STATIC / "figure.js").read_text(encoding="utf-8").replace("@PLOTLY_PATH@",
                                                                       SHARED_PLOTLY_JS)


class LiteFigureWidget(go.FigureWidget):
    """plotly's FigureWidget with hardtrain's browser side: the same Python API and messages,
    drawn by a 1.2 MB plotly.js (scatter, bar, pie) that a Voila page loads once by URL.

    Why: plotly's own front end carries the full 5 MB plotly.js in the widget's module, and
    evaluating it was the largest single cost between opening a dashboard and its first figure
    (measured side by side by ``benchmarks/browser_ab.py``; figures in ``benchmarks/RESULTS.md``);
    it also redraws the whole
    figure on every edit from Python. See ``static/figure.js`` for the protocol and for what it
    does not report back (point events; plotly.js's defaults).

    Only usable where the page can fetch :data:`SHARED_PLOTLY_JS` beside the notebook: under
    Voila (``/voila/render/...``); :func:`figure_widget` decides.
    """

    _esm = figure_esm()


@functools.lru_cache(maxsize=1)
def _figure_widget_class() -> type:
    """:class:`LiteFigureWidget` under Voila, else plotly's own FigureWidget.

    The lite class is used when the page will be a Voila page that can fetch the shared
    plotly.js: ``VOILA_PREHEAT`` is in the kernel's environment (Voila sets it for the kernels it
    starts), ``HARDTRAIN_SHARED_PLOTLY_BUNDLE=1`` (set by ``tasks.py serve``, ``tasks.py test``
    and ``binder/start``, whose Voila configuration allows the file), and the copy beside the
    notebook could be written. JupyterLab and nbmake keep plotly's own class, which needs no URL.
    """
    if os.environ.get("HARDTRAIN_SHARED_PLOTLY_BUNDLE") != "1" or "VOILA_PREHEAT" not in os.environ:
        return go.FigureWidget
    try:
        _place_shared_plotly_js(Path.cwd())
    except OSError:
        log.warning("could not place plotly.js beside the notebook; using plotly's own widget")
        return go.FigureWidget
    return LiteFigureWidget


def compact(a, decimals: int = 5) -> np.ndarray:
    """Data to send to the browser: float32 for 1-D arrays (sent as binary buffers by plotly),
    rounded float64 for 2-D arrays (sent as JSON lists; rounding keeps them short). NaN stays."""
    a = np.asarray(a)
    if a.ndim == 1:
        return a.astype(np.float32)
    return np.round(a.astype(np.float64), decimals)


def colorbar_trace(title: str, zmin: float, zmax: float, *, colorscale: str = "Viridis",
                   **colorbar) -> go.Scatter:
    """An invisible one-point trace that draws only a colour bar (for a :func:`heatmap_image`)."""
    return go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                      marker=dict(color=[zmin], cmin=zmin, cmax=zmax, colorscale=colorscale, size=0,
                                  showscale=True, colorbar=dict(title=title, **colorbar)))


def colorbar_ticks(zmin: float, zmax: float, n: int = 5) -> dict:
    """Tick positions and labels for a colour bar fixed to [0, 1] that shows values in [zmin, zmax].

    Why: changing a colour bar's ``cmin``/``cmax`` makes plotly.js recompute and redraw the
    whole figure, while new ``colorbar.ticktext`` only redraws the colour bar
    (``benchmarks/browser_lab1.py`` prints the edit costs). So a view
    whose colour range changes keeps the trace of
    :func:`colorbar_trace` at ``zmin=0, zmax=1`` (the range :func:`heatmap_image` maps to the
    colorscale) and updates ``marker.colorbar`` with this dict.

    Args:
      zmin, zmax: the values at the bottom and the top of the bar (any units; zmax > zmin).
      n: number of evenly spaced ticks, >= 2.
    Returns:
      ``{"tickvals": [0, ..., 1], "ticktext": [...]}``: n positions and the values there, printed
      with 3 significant digits.
    Raises:
      ValueError: n < 2.
    """
    if n < 2:
        raise ValueError(f"a colour bar needs n >= 2 ticks, got {n}")
    t = np.linspace(0.0, 1.0, n)
    return {"tickvals": [float(v) for v in t],
            "ticktext": [f"{zmin + float(v) * (zmax - zmin):.3g}" for v in t]}


@contextlib.contextmanager
def redraw_traces_only(fig: go.Figure):
    """Like ``fig.batch_update()``, but the browser redraws only the traces that changed.

    The changes made inside the block reach plotly.js as one ``Plotly.animate`` call with no
    transition and ``frame.redraw = false`` instead of a ``Plotly.update``: plotly.js then moves
    the changed scatter traces and skips its full replot (axes, legend, colour bars, images,
    every trace); ``benchmarks/browser_lab1.py`` measures both ways on lab 1's playground.

    Use it only for the data of scatter traces (``x``, ``y``, ``text``) on axes with a fixed
    range: axis autorange, colour bars and layout images are not redrawn by such a frame
    (change those with ``batch_update``). The Python figure is updated as by ``batch_update``,
    and a plain ``go.Figure`` (before :func:`figure_widget`) just takes the changes.

    Relies on plotly's ``BaseFigure._perform_batch_animate`` (the body of ``batch_animate``,
    whose frame options cannot be set), checked with plotly 7.1.0; ``tests/browser`` assert that
    the figure's data change in the page.
    """
    if getattr(fig, "_in_batch_mode", False):  # inside another batch: that one sends
        yield
        return
    fig._in_batch_mode = True
    try:
        yield
    finally:
        fig._in_batch_mode = False
        fig._perform_batch_animate({"transition": {"duration": 0, "easing": "linear"},
                                    "frame": {"duration": 0, "redraw": False}})
