"""Shared controls and figure helpers for the dashboards (ipywidgets + plotly).

Size: the shared toolkit of every dashboard (controls, figure transport, pictures, the job
runner, the exercise box). Splitting it into widgets/figures/images/longrun modules is the next
structural step (see the structure issue); until then its sections are marked.

Rules every view follows (see DESIGN.md): bad input shows a short message next to the control
and keeps the last good state; a callback never lets an exception reach the kernel's output
(no traceback on the page); figures are created once and updated in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from ..config import release_memory
from ..runtime import view_logger

__all__ = ["Status", "NumberField", "guarded", "figure_widget", "compact", "css_class",
           "labelled", "Timer", "ExerciseBox", "LongRun", "heatmap_image", "image_placement",
           "colorbar_trace", "colorbar_ticks", "grid_points", "hover_points", "redraw_traces_only",
           "LiteFigureWidget", "PLOTLY_JS"]

class _ViewLog:
    """The dashboards' logger, fetched when first used (:func:`hardtrain.runtime.view_logger`
    installs its handler then): importing this module changes no global logging state."""

    def __getattr__(self, name):
        return getattr(view_logger(), name)


log = _ViewLog()

#: Light, readable colours that keep contrast in Voila's light and dark themes (the figures sit
#: on their own white card).
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def css_class(widget: widgets.Widget, *names: str) -> widgets.Widget:
    """Add stable CSS classes (used by the browser tests and the Voila style sheet)."""
    for name in names:
        widget.add_class(name)
    return widget


class Status(widgets.HTML):
    """A one-line message area: ``ok``, ``info`` or ``error`` (class ``ht-status``).

    Errors carry the class ``ht-error`` so tests and screen readers can find them; the text is
    HTML-escaped, so a learner's input is never interpreted as markup.
    """

    def __init__(self, text: str = "", **kwargs):
        super().__init__(**kwargs)
        css_class(self, "ht-status")
        self.info(text)

    def _set(self, kind: str, text: str) -> None:
        self.value = f'<span class="ht-msg ht-{kind}" role="status">{html.escape(text)}</span>'

    def info(self, text: str) -> None:
        """Neutral message."""
        self._set("info", text)

    def ok(self, text: str) -> None:
        """Success message."""
        self._set("ok", text)

    def error(self, text: str) -> None:
        """Problem message (what was wrong, what is accepted)."""
        self._set("error", text)


def guarded(status_attr: str = "status"):
    """Decorate a view method used as a widget callback so that no exception escapes.

    ``ValueError`` (bad input) shows its message in ``self.<status_attr>``; any other
    exception shows a one-line summary and is logged. The previous figures stay as they were.
    """

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            status: Status = getattr(self, status_attr)
            try:
                return fn(self, *args, **kwargs)
            except ValueError as exc:
                status.error(str(exc))
            except Exception as exc:  # noqa: BLE001 - a dashboard must never die on a learner
                log.exception("dashboard callback failed")
                status.error(f"Could not update ({type(exc).__name__}: {exc}). "
                             "The last good result is still shown.")
            return None

        return wrapper

    return deco


class NumberField(widgets.HBox):
    """A text box for a number (or a few numbers) with validation and a message beside it.

    The box accepts what a learner types; on Enter or leaving the box the text is parsed. A
    malformed or out-of-range entry shows a message next to the box (class ``ht-error``) and
    ``value`` keeps the last good value; the next valid entry clears the message.

    Args:
      label: text before the box.
      value: initial value (a float, or a tuple of ``size`` floats).
      lo, hi: inclusive bounds of each number.
      size: how many comma-separated numbers the box holds (1 for a plain number).
      name: the class ``ht-<name>`` is added to the box, for tests and styling.
      on_change: called with the new value after a valid entry.
      positive: reject 0 (e.g. a learning rate).
    """

    def __init__(self, label: str, value, lo: float, hi: float, *, size: int = 1,
                 name: str = "", on_change: Callable | None = None, positive: bool = False,
                 width: str = "9em"):
        self.lo, self.hi, self.size, self.positive = lo, hi, size, positive
        self.label = label
        self.value = value
        self.on_change = on_change
        self.text = widgets.Text(value=self._format(value), continuous_update=False,
                                 description=label, style={"description_width": "initial"},
                                 layout=widgets.Layout(width=f"calc({width} + {len(label)}ch)"))
        self.message = widgets.HTML("", layout=widgets.Layout(margin="0 0 0 0.5em"))
        css_class(self.message, "ht-field-message")
        super().__init__([self.text, self.message])
        css_class(self, "ht-field", *( [f"ht-{name}"] if name else []))
        self.text.observe(self._changed, names="value")

    def _format(self, value) -> str:
        if self.size == 1:
            return f"{value:g}"
        return ", ".join(f"{v:g}" for v in value)

    def parse(self, text: str):
        """Parse ``text``; return the value or raise ValueError with what is accepted."""
        accepted = (f"a number in [{self.lo:g}, {self.hi:g}]" if self.size == 1 else
                    f"{self.size} numbers separated by commas, each in [{self.lo:g}, {self.hi:g}]")
        parts = [p for p in text.replace("\u2212", "-").replace(";", ",").split(",") if p.strip()]
        if len(parts) != self.size:
            raise ValueError(f"{self.label}: expected {accepted}, got {text.strip()[:40]!r}")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"{self.label}: expected {accepted}, got {text.strip()[:40]!r}") from None
        for v in nums:
            if not np.isfinite(v) or not self.lo <= v <= self.hi or (self.positive and v == 0):
                extra = " (and not 0)" if self.positive else ""
                raise ValueError(f"{self.label}: {v:g} is outside the accepted range; "
                                 f"expected {accepted}{extra}")
        return nums[0] if self.size == 1 else tuple(nums)

    def _changed(self, change) -> None:
        try:
            value = self.parse(change["new"])
        except ValueError as exc:
            self.message.value = f'<span class="ht-msg ht-error" role="alert">{html.escape(str(exc))}</span>'
            return
        self.message.value = ""
        self.value = value
        if self.on_change is not None:
            self.on_change(value)


def labelled(text: str, widget: widgets.Widget) -> widgets.Widget:
    """Set a widget's description with enough room to read it."""
    widget.description = text
    widget.style = {"description_width": "initial"}
    return widget


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
    (1.6 s of main-thread time against 0.7 s for plotly.js's 1.5 MB "cartesian" bundle, Chromium
    on the 2-core machine; side by side, ``benchmarks/browser_ab.py``, the 1.2 MB basic bundle
    took lab 1's first figure from 3.14 s to 2.19 s, medians of 5); it also redraws the whole
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
    even of another trace (measured in Chromium: a 101x101 heatmap under a scatter made each
    restyle of the scatter 66 ms instead of 46 ms). An image in the layout is decoded once and
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


def colorbar_trace(title: str, zmin: float, zmax: float, *, colorscale: str = "Viridis",
                   **colorbar) -> go.Scatter:
    """An invisible one-point trace that draws only a colour bar (for a :func:`heatmap_image`)."""
    return go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                      marker=dict(color=[zmin], cmin=zmin, cmax=zmax, colorscale=colorscale, size=0,
                                  showscale=True, colorbar=dict(title=title, **colorbar)))


def colorbar_ticks(zmin: float, zmax: float, n: int = 5) -> dict:
    """Tick positions and labels for a colour bar fixed to [0, 1] that shows values in [zmin, zmax].

    Why: changing a colour bar's ``cmin``/``cmax`` makes plotly.js recompute and redraw the
    whole figure, while new ``colorbar.ticktext`` only redraws the colour bar (12-20 ms in lab
    1's page in Chromium here; ``benchmarks/browser_lab1.py`` prints the edit costs). So a view
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
    every trace). Measured in lab 1's page in Chromium (``benchmarks/browser_lab1.py``, median of
    12): the playground's trajectories restyled in 27 ms, animated in 16 ms.

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


class Timer:
    """Context manager measuring wall time in milliseconds (``.ms``)."""

    def __enter__(self):
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = 1e3 * (time.perf_counter() - self._t)
        return False


class ExerciseBox(widgets.VBox):
    """An answer box with a Check button for one exercise of :mod:`hardtrain.exercises`.

    Lets learners check answers inside a Voila dashboard, where no code can be typed. The text
    is parsed as one number or several comma-separated numbers; the feedback (correct, or a
    hint that never contains the answer) appears under the box (class ``ht-feedback``).

    Args:
      exercise_id: an id from ``hardtrain.exercises.list_exercises()``.
    Raises:
      ValueError: unknown exercise id.
    """

    def __init__(self, exercise_id: str):
        from .. import exercises

        known = dict(exercises.list_exercises())
        if exercise_id not in known:
            raise ValueError(f"unknown exercise {exercise_id!r}; known: {', '.join(known)}")
        self.exercise_id = exercise_id
        self.question = widgets.HTML(f"<b>Exercise.</b> {html.escape(known[exercise_id])}")
        self.answer = css_class(widgets.Text(placeholder="your answer, e.g. 12 or 1.5, -2",
                                             continuous_update=False,
                                             layout=widgets.Layout(width="18em")), "ht-answer")
        self.button = css_class(widgets.Button(description="Check", icon="check"), "ht-check")
        self.feedback = css_class(widgets.HTML(), "ht-feedback")
        self.button.on_click(lambda _: self.check())
        self.answer.observe(lambda _: self.check(), names="value")
        super().__init__([self.question, widgets.HBox([self.answer, self.button]), self.feedback])
        css_class(self, "ht-exercise")

    def check(self) -> None:
        """Parse the typed answer and show the feedback (never raises)."""
        from .. import exercises

        text = self.answer.value.replace("\u2212", "-").strip()
        if not text:
            self.feedback.value = '<span class="ht-msg ht-info">Type an answer first.</span>'
            return
        try:
            parts = [float(p) for p in text.replace(";", ",").split(",") if p.strip()]
        except ValueError:
            self.feedback.value = ('<span class="ht-msg ht-error" role="alert">Type a number, or '
                                   'numbers separated by commas (e.g. <code>-1.5, 2</code>).</span>')
            return
        answer = parts[0] if len(parts) == 1 else tuple(parts)
        self.feedback.value = exercises.check(self.exercise_id, answer)._repr_html_()


#: What a long computation yields after each chunk of work: (fraction done in [0, 1], message).
Progress = tuple[float, str]


class LongRun(widgets.HBox):
    """A progress bar with a Stop button for a computation done in chunks.

    The computation is a generator written by the view: it does one chunk of work (one width of
    a sweep, one instance size...), updates its figures if it likes, then ``yield``s
    ``(fraction_done, message)``. :meth:`start` drives it from the kernel's asyncio event loop,
    awaiting between chunks, so the kernel handles other messages meanwhile: a click on Stop
    (or on any other control) is processed after the current chunk, and the run ends there.
    A chunk should therefore take well under a second.

    An exception inside the generator ends the run with a one-line message in the widget's
    status (class ``ht-error``), never a traceback; ``on_done`` is still called.

    Args:
      description: the label in front of the bar, e.g. ``"Sweep"``.
      budget_s: wall-time budget in seconds; the run stops by itself past it (and says so).
        None for no budget.
    Attributes:
      bar: the ``FloatProgress`` (class ``ht-progress``); stop_button (class ``ht-stop``);
      status: a :class:`Status` (class ``ht-status``) with the message, elapsed time and outcome.
      running, stopped: the state of the current/last run (``stopped`` is True when the last
      run ended by Stop, by the budget or by an error rather than by finishing).
    """

    def __init__(self, description: str = "Progress", *, budget_s: float | None = None):
        if budget_s is not None and not budget_s > 0:
            raise ValueError(f"budget_s must be a positive number of seconds or None, got {budget_s!r}")
        self.budget_s = budget_s
        self.bar = css_class(widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description=description,
                                                   layout=widgets.Layout(width="22em")), "ht-progress")
        self.stop_button = css_class(widgets.Button(description="Stop", icon="stop", disabled=True,
                                                    tooltip="Stop after the current step",
                                                    layout=widgets.Layout(width="7em")), "ht-stop")
        self.status = Status("")
        self.stop_button.on_click(lambda _: self.stop())
        self.running = False
        self.stopped = False
        self._stop_requested = False
        self._task: asyncio.Task | None = None
        super().__init__([self.bar, self.stop_button, self.status])
        css_class(self, "ht-longrun")

    def stop(self) -> None:
        """Ask the current run to stop after its current chunk (no effect when idle)."""
        if self.running:
            self._stop_requested = True
            self.status.info("Stopping after the current step...")

    def start(self, steps: Iterator[Progress], on_done: Callable[[bool], None] | None = None) -> bool:
        """Run ``steps`` in the background of the kernel's event loop and return at once.

        Args:
          steps: a generator yielding ``(fraction_done, message)`` after each chunk.
          on_done: called as ``on_done(stopped)`` when the run ends (also after an error).
        Returns:
          True if the run started; False if one is already running (the message says so).
        Without a running event loop (a plain Python script) this runs to the end like
        :meth:`run_blocking`.
        """
        if self.running:
            self.status.error("Already running: press Stop first.")
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.run_blocking(steps, on_done)
            return True
        self._begin()
        self._task = loop.create_task(self._drive(steps, on_done))
        return True

    def run_blocking(self, steps: Iterator[Progress], on_done: Callable[[bool], None] | None = None) -> bool:
        """Run ``steps`` to the end (or the budget) before returning; Stop cannot interrupt it.

        Used by notebook cells that must have results when they finish (nbmake, first figures).
        Returns:
          ``stopped`` (True when the budget or an error ended the run).
        """
        if self.running:
            self.status.error("Already running: press Stop first.")
            return True
        self._begin()
        t0 = time.perf_counter()
        outcome = None
        try:
            for item in steps:
                outcome = self._step(item, t0)
                if outcome:
                    break
        except Exception as exc:  # noqa: BLE001 - shown, not raised: the page must not break
            outcome = self._failed(exc)
        finally:
            _close(steps)
        return self._finish(outcome, t0, on_done)

    # ---------------------------------------------------------------- internals
    def _begin(self) -> None:
        self.running, self.stopped, self._stop_requested = True, False, False
        self.bar.value = 0.0
        self.bar.bar_style = ""
        self.stop_button.disabled = False
        self.status.info("Starting...")

    def _step(self, item, t0: float) -> str | None:
        """Show one progress report; return why to stop, or None to go on."""
        try:
            frac, message = item
            frac = float(frac)
        except (TypeError, ValueError):
            raise TypeError("a LongRun generator must yield (fraction_done, message) pairs") from None
        self.bar.value = min(max(frac, 0.0), 1.0) if frac == frac else self.bar.value
        elapsed = time.perf_counter() - t0
        self.status.info(f"{message} ({elapsed:.1f} s)")
        if self._stop_requested:
            return "stopped"
        if self.budget_s is not None and elapsed > self.budget_s:
            return "budget"
        return None

    def _failed(self, exc: Exception) -> str:
        log.exception("long computation failed")
        self._error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
        return "error"

    def _finish(self, outcome: str | None, t0: float, on_done) -> bool:
        elapsed = time.perf_counter() - t0
        release_memory()
        self.running = False
        self.stop_button.disabled = True
        self.stopped = outcome is not None
        if outcome is None:
            self.bar.value = 1.0
            self.bar.bar_style = "success"
            self.status.ok(f"Done in {elapsed:.1f} s.")
        elif outcome == "stopped":
            self.bar.bar_style = "warning"
            self.status.info(f"Stopped after {elapsed:.1f} s; the results so far are shown.")
        elif outcome == "budget":
            self.bar.bar_style = "warning"
            self.status.info(f"Stopped at the {self.budget_s:g} s budget; the results so far are shown.")
        else:
            self.bar.bar_style = "danger"
            self.status.error(f"Stopped by an error ({self._error}); the results so far are shown.")
        if on_done is not None:
            try:
                on_done(self.stopped)
            except Exception as exc:  # noqa: BLE001
                log.exception("on_done failed")
                self.status.error(f"Could not finish ({type(exc).__name__}: {exc}).")
        return self.stopped

    async def _drive(self, steps, on_done) -> None:
        t0 = time.perf_counter()
        outcome = None
        try:
            for item in steps:
                outcome = self._step(item, t0)
                if outcome:
                    break
                # Hand the loop back to the kernel: it handles a Stop click (or any message).
                await asyncio.sleep(0.001)
        except Exception as exc:  # noqa: BLE001
            outcome = self._failed(exc)
        finally:
            _close(steps)
        self._finish(outcome, t0, on_done)


def _close(steps) -> None:
    close = getattr(steps, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001
            log.exception("closing a LongRun generator failed")

