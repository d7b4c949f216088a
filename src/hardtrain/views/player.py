"""Watch it learn: replay a training run step by step in the browser (``static/player.js``).

The kernel sends the whole run once; Play redraws the chosen traces of a figure one step per
animation frame (about 4 s for a run), with no message to the kernel per frame, and gives the
traces back their data at the end. For figures drawn by :class:`~hardtrain.views.figures.LiteFigureWidget`
(Voila pages); elsewhere the player says it needs the dashboard view.
"""

from __future__ import annotations

import functools
from pathlib import Path

import anywidget
import numpy as np
import traitlets

from .widgets import css_class

__all__ = ["Player", "series"]


@functools.lru_cache(maxsize=1)
def _esm() -> str:
    return (Path(__file__).parent / "static" / "player.js").read_text(encoding="utf-8")


def series(trace: int, xs, ys, *, kind: str = "path") -> dict:
    """One replayed trace.

    - ``kind="path"``: ``xs``, ``ys`` of shape (runs, steps) (or (steps,) for one run); each
      run's points up to the current step are drawn.
    - ``kind="head"``: the same shapes; each run's current point is drawn.
    - ``kind="frames"``: ``xs`` of shape (n,), ``ys`` of shape (steps, n): the trace's whole data
      at each step (e.g. a histogram's bars).

    Values that are not finite become gaps. The arrays are kept (copied) and turned into the wire
    format only when the browser asks (:meth:`Player.show`). Raises ValueError when the shapes do
    not fit or the kind is unknown.
    """
    if kind not in ("path", "head", "frames"):
        raise ValueError(f"kind must be 'path', 'head' or 'frames', got {kind!r}")
    xs, ys = np.atleast_2d(np.array(xs, float)), np.atleast_2d(np.array(ys, float))
    if kind == "frames" and (xs.shape[0] != 1 or ys.shape[1] != xs.shape[1]):
        raise ValueError(f"frames: x must have shape (n,) and y (steps, n), got {xs.shape} and {ys.shape}")
    if kind != "frames" and xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same shape, got {xs.shape} and {ys.shape}")
    return {"trace": int(trace), "kind": kind, "x": xs, "y": ys}


def _frames(s: dict) -> int:
    return s["y"].shape[0] if s["kind"] == "frames" else s["x"].shape[1]


def _wire(s: dict, decimals: int = 4) -> dict:
    def lists(a):
        a = np.round(a, decimals)
        return [[float(v) if np.isfinite(v) else None for v in row] for row in a]

    return {**s, "x": lists(s["x"]), "y": lists(s["y"])}


class Player(anywidget.AnyWidget):
    """Play / Pause, a step slider and "step k of N" for one figure (class ``ht-player``).

    Args:
      figure: the figure's name (its ``ht-fig-<name>`` class, see :func:`~hardtrain.views.figures.figure_widget`).
      label: the word before the step number ("step", "epoch").
      every: training steps between two replayed frames (the step shown is frame x every).
    Call :meth:`show` with the run's :func:`series` after each new run.
    """

    _esm = _esm()
    figure = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("step").tag(sync=True)
    every = traitlets.Int(1).tag(sync=True)           # training steps per replayed frame
    frames = traitlets.Int(0).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)         # bumped by each new run
    request = traitlets.Int(-1).tag(sync=True)        # the browser asks for a version's data
    series = traitlets.List().tag(sync=True)          # sent only when asked
    series_version = traitlets.Int(-1).tag(sync=True)

    def __init__(self, figure: str, label: str = "step", every: int = 1, **kwargs):
        super().__init__(figure=figure, label=label, every=every, **kwargs)
        css_class(self, "ht-player-widget")
        self._traces: list[dict] = []
        self.observe(self._send_run, names="request")

    def show(self, traces: list[dict]) -> None:
        """Replace the run to replay (each item from :func:`series`). Only its length is sent
        now; the data go to the browser when the learner first presses Play for this run."""
        self._traces = list(traces)
        with self.hold_sync():
            self.frames = max((_frames(s) for s in traces), default=0)
            self.version += 1

    def _send_run(self, change) -> None:
        if change["new"] == self.version:
            with self.hold_sync():
                self.series = [_wire(s) for s in self._traces]
                self.series_version = self.version
