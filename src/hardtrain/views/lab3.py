"""Lab 3 dashboards: overparameterisation and the price of accuracy.

Size: one module for the four dashboards of lab 3's two pages, because they share the helpers
at the top (precomputed layer, seed means and bands, the provenance note) and each is only
layout and drawing code around one experiment.

Each view is one widget (controls + one FigureWidget + a summary + a status line) bound to an
experiment of :mod:`hardtrain.experiments` (``double_descent``, ``lazy_training``,
``width_makes_easy``, ``price_of_accuracy``): its sizes come from the experiment's ``Config``
(:func:`hardtrain.experiments.session_preset`: ``live()``, or ``tiny()`` in fast mode), its
numbers from the experiment's sweep and from :mod:`hardtrain.compute`; none holds numerics or
sizes of its own. A view opens on the full-scale results precomputed by
``python -m hardtrain.experiments precompute lab3`` (``assets/lab3/``, read by
:mod:`hardtrain.experiments.lab3_assets`, drawn in grey, no computation at page load) and runs
the learner's own live sweep on demand, one width per step, with a progress bar and a Stop
button (:class:`LongRun`).
"""

from __future__ import annotations

import dataclasses
import html
import math

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import compute
from ..experiments import (double_descent, lab3_assets, lazy_training, price_of_accuracy, session_preset,
                           width_makes_easy)
from ..hardness import format_hypergraph
from .common import (COLORS, LongRun, NumberField, Status, compact, css_class, figure_widget, guarded)
from .pagestate import shareable
from .player import Player, series

__all__ = ["DoubleDescent", "LazyTraining", "WidthMakesEasy", "PriceOfAccuracy"]

GREY = "#7f7f7f"


def _precomputed(name: str) -> dict | None:
    """A precomputed result of ``assets/lab3/``, or None when it is absent or unreadable (the
    view then says so and how to make it: :func:`_precomputed_note`)."""
    try:
        return lab3_assets.load(name)
    except (FileNotFoundError, ValueError):
        return None


def _dropdown(label, options, value, name):
    w = widgets.Dropdown(options=options, value=value, description=label,
                         style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))
    return css_class(w, f"ht-{name}")


def _button(text, name):
    return css_class(widgets.Button(description=text, button_style="primary"), f"ht-{name}")


def _seed_mean(result: dict | None, name: str):
    """(widths, mean over seeds) of a metric of a SweepResult dict; empty arrays when absent."""
    if not result or name not in result.get("metrics", {}):
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    return (np.asarray(result["widths"], np.float32),
            np.asarray([np.mean(v) for v in result["metrics"][name]], np.float32))


def _seed_std(result: dict | None, name: str) -> np.ndarray:
    """Standard deviation over seeds of a metric (zeros for one seed; empty when absent)."""
    if not result or name not in result.get("metrics", {}):
        return np.zeros(0, np.float32)
    return np.asarray([np.std(v) if np.size(v) > 1 else 0.0 for v in result["metrics"][name]], np.float32)


def _bands(result: dict | None, name: str) -> dict:
    """Plotly error bars of +- one standard deviation over seeds (hidden with one seed)."""
    std = _seed_std(result, name)
    seeds = len(result["metrics"][name][0]) if result and np.ndim(result["metrics"][name][0]) else 1
    return dict(type="data", array=compact(std), visible=bool(seeds > 1 and std.size))


def _row(*children):
    return widgets.HBox(list(children), layout=widgets.Layout(flex_flow="row wrap", align_items="center"))


def _precomputed_note(doc: dict | None) -> str:
    if not doc:
        return ("No precomputed full-scale results found (assets/lab3/); make them with "
                "<code>python -m hardtrain.experiments precompute lab3 --out assets/lab3/</code>.")
    p = doc.get("provenance", {})
    m = p.get("machine", {})
    return (f"Grey: full scale, precomputed by <code>{html.escape(p.get('command', '?'))}</code> on "
            f"{html.escape(str(m.get('cpu_count', '?')))} CPU cores ({html.escape(str(m.get('jax_backend', '?')))}), "
            f"{html.escape(p.get('date', '?'))}, jax {html.escape(p.get('versions', {}).get('jax', '?'))}.")


# --------------------------------------------------------------------------------------------
# Section 1: double descent
# --------------------------------------------------------------------------------------------

@shareable("dd")
class DoubleDescent(widgets.VBox):
    """Model-wise double descent on MNIST-1D with label noise, live and at full scale.

    Model "random features": random ReLU features fitted by the minimum-norm least-squares
    solution (Belkin et al., PNAS 2019, arXiv 1812.11118), swept over the number of features N,
    with the interpolation threshold N = n marked. Model "MLP (Adam)": a one-hidden-layer ReLU
    MLP per width trained by Adam (Nakkiran et al., arXiv 1912.02292), with the first width that
    fits every training label marked. Sizes: :class:`hardtrain.experiments.double_descent.Config`.
    """

    MODELS = double_descent.MODELS

    def __init__(self, model: str = "random features", n_train: int = 500, label_noise: float = 0.15,
                 seed: int = 0):
        self.preset = session_preset(double_descent.Config, n_train=n_train, label_noise=label_noise)
        self.n_choices = self.preset.n_train_choices
        self.status = Status("")
        self.model = _dropdown("Model", self.MODELS, model, "dd-model")
        n_train = self.preset.n_train if self.preset.n_train in self.n_choices else self.n_choices[-1]
        self.n_train = _dropdown("Training samples n", self.n_choices, n_train, "dd-n")
        self.noise = css_class(widgets.FloatSlider(value=self.preset.label_noise, min=0.0, max=0.5, step=0.05,
                                                   description="Label noise", readout_format=".2f",
                                                   continuous_update=False,
                                                   style={"description_width": "initial"}), "ht-dd-noise")
        self.seed = NumberField("Seed", seed, 0, 99999, name="dd-seed")
        self.button = _button("Run sweep", "dd-run")
        self.longrun = css_class(LongRun("Sweep", budget_s=120), "ht-dd-progress")
        self.summary = css_class(widgets.HTML(), "ht-summary")
        self.note = css_class(widgets.HTML(), "ht-provenance")  # the CSV export copies it
        self._docs = {"random features": _precomputed("double_descent_rf.json"),
                      "MLP (Adam)": _precomputed("double_descent_mlp.json")}
        fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], subplot_titles=(
            "Error vs model size", "Norm of the solution"))
        fig.add_trace(go.Scatter(name="test error (full scale)", mode="lines+markers",
                                 line=dict(color=GREY, width=2), marker=dict(size=5)), 1, 1)   # 0
        fig.add_trace(go.Scatter(name="train error (full scale)", mode="lines",
                                 line=dict(color=GREY, dash="dot")), 1, 1)                   # 1
        fig.add_trace(go.Scatter(name="test error (yours)", mode="lines+markers",
                                 line=dict(color=COLORS[0], width=3)), 1, 1)                 # 2
        fig.add_trace(go.Scatter(name="train error (yours)", mode="lines+markers",
                                 line=dict(color=COLORS[1], dash="dot")), 1, 1)              # 3
        fig.add_trace(go.Scatter(name="norm (full scale)", mode="lines+markers", showlegend=False,
                                 line=dict(color=GREY)), 1, 2)                               # 4
        fig.add_trace(go.Scatter(name="norm (yours)", mode="lines+markers", showlegend=False,
                                 line=dict(color=COLORS[0])), 1, 2)                          # 5
        fig.add_trace(go.Scatter(name="interpolation threshold (yours)", mode="lines",
                                 line=dict(color=COLORS[3], dash="dash")), 1, 1)             # 6
        fig.add_trace(go.Scatter(name="interpolation threshold (full scale)", mode="lines",
                                 line=dict(color=GREY, dash="longdash")), 1, 1)              # 7
        fig.add_trace(go.Scatter(name="chance (90% error, 10 classes)", mode="lines",
                                 line=dict(color="#444444", width=1, dash="dot")), 1, 1)     # 8
        fig.update_xaxes(type="log", title_text="number of features N", row=1, col=1)
        fig.update_xaxes(type="log", title_text="number of features N", row=1, col=2)
        fig.update_yaxes(title_text="error (fraction wrong)", range=[-0.02, 1.0], row=1, col=1)
        fig.update_yaxes(type="log", title_text="norm of the solution", row=1, col=2)
        self.fig = fig  # a plain Figure until it holds its first data (see figure_widget)
        self.button.on_click(lambda _: self.start())
        for w in (self.model, self.n_train, self.noise):
            w.observe(lambda _: self._settings_changed(), names="value")
        self.controls = [_row(self.model, self.n_train, self.noise, self.seed),
                         _row(self.button, self.longrun)]
        super().__init__([*self.controls, self.summary, self.note, self.status])
        css_class(self, "ht-view", "ht-lab3-dd")
        self._settings_changed()
        self.fig = figure_widget(self.fig, height=440, name="dd")
        self.children = [*self.controls, self.fig, self.summary, self.note, self.status]

    # ---------------------------------------------------------------- precomputed layer
    def _full_scale(self):
        doc = self._docs.get(self.model.value)
        if not doc:
            return None, None, doc
        noise = float(self.noise.value)
        key = "noise_0" if noise < 0.075 else "noise_0.15"
        return doc["result"].get(key), key.split("_")[1], doc

    @guarded()
    def _settings_changed(self):
        rf = self.model.value == "random features"
        res, noise, doc = self._full_scale()
        xs, test = _seed_mean(res, "test_error")
        _, train = _seed_mean(res, "train_error")
        _, norm = _seed_mean(res, "norm")
        x_title = "number of features N" if rf else "hidden units m"
        with self.fig.batch_update():
            seeds = len(res["settings"].get("seeds", [0])) if res else 0
            self.fig.data[0].update(x=compact(xs), y=compact(test), error_y=_bands(res, "test_error"),
                                    name=(f"test error (full scale, n = {res['settings']['n_train']}, noise {noise}"
                                          + (f", ± 1 std over {seeds} seeds)" if seeds > 1 else ", one seed)"))
                                    if res else "test error (full scale)")
            self.fig.data[1].update(x=compact(xs), y=compact(train))
            self.fig.data[4].update(x=compact(xs), y=compact(norm))
            for i in (2, 3, 5, 6):
                self.fig.data[i].update(x=[], y=[])
            self._mark_threshold(res, rf, trace=7, which="full scale")
            lo, hi = (float(xs.min()), float(xs.max())) if res and len(xs) else (1.0, 1.0)
            self.fig.data[8].update(x=[lo, hi] if res else [], y=[0.9, 0.9] if res else [])
            self.fig.layout.xaxis.title.text = x_title
            self.fig.layout.xaxis2.title.text = x_title
            self.fig.layout.yaxis2.title.text = ("||B||, min-norm least squares" if rf
                                                 else "||θ||, all weights and biases")
        self.note.value = f'<span class="ht-note">{_precomputed_note(doc)}</span>'
        self.summary.value = self._describe(res, "full scale") if res else ""
        self.status.info("Press Run sweep for your own run with these settings.")

    def _mark_threshold(self, res, rf, trace: int = 6, which: str = "yours"):
        """Trace 6 marks the live run's threshold, trace 7 the full-scale one (two n may differ)."""
        line = self.fig.data[trace]
        if res is None:
            line.update(x=[], y=[])
            return
        if rf:
            n = res["settings"]["n_train"]
            line.update(x=[n, n], y=[0.0, 1.0], name=f"N = n = {n} (interpolation threshold, {which})")
        else:
            ws, train = _seed_mean(res, "train_error")
            hit = ws[train == 0]
            if hit.size:
                line.update(x=[hit[0], hit[0]], y=[0.0, 1.0],
                            name=f"first width with zero train error ({which}): {int(hit[0])}")
            else:
                line.update(x=[], y=[], name=f"no width fits every training label ({which})")

    def _describe(self, res: dict, which: str) -> str:
        ws, test = _seed_mean(res, "test_error")
        _, train = _seed_mean(res, "train_error")
        _, norm = _seed_mean(res, "norm")
        if ws.size == 0:
            return ""
        i = int(np.argmax(test))
        n = res["settings"]["n_train"]
        zero = ws[train == 0]
        fit = f"first zero train error at {int(zero[0])}" if zero.size else "no size fits every training label"
        unit = "features" if self.model.value == "random features" else "hidden units"
        return (f"<p><b>{which.capitalize()}</b> (n = {n}, label noise {res['settings']['label_noise']:.2f}): "
                f"test error peaks at <b>{test[i]:.3f}</b> with {int(ws[i])} {unit}; smallest size "
                f"{test[0]:.3f}, largest {test[-1]:.3f}; {fit}; the norm of the solution is largest at "
                f"{int(ws[int(np.argmax(norm))])}.</p>")

    # --------------------------------------------------------------------------- live
    def config(self) -> double_descent.Config:
        """The preset with the controls' values (n, label noise, one seed for everything)."""
        return dataclasses.replace(self.preset, n_train=int(self.n_train.value),
                                   label_noise=float(self.noise.value)).with_seed(int(self.seed.value))

    def sweep(self):
        """The live sweep for the current settings (a :mod:`hardtrain.experiments.double_descent` sweep)."""
        if self.model.value == "random features":
            return double_descent.RandomFeaturesSweep.from_config(self.config())
        return double_descent.MLPWidthSweep.from_config(self.config())

    def _steps(self, sweep):
        rf = self.model.value == "random features"
        if rf:
            n = int(self.n_train.value)
            with self.fig.batch_update():
                self.fig.data[6].update(x=[n, n], y=[0.0, 1.0], name=f"N = n = {n} (interpolation threshold, yours)")
        for frac, message in sweep.steps():
            r = sweep.result.to_dict()
            xs, test = _seed_mean(r, "test_error")
            _, train = _seed_mean(r, "train_error")
            _, norm = _seed_mean(r, "norm")
            with self.fig.batch_update():
                self.fig.data[2].update(x=compact(xs), y=compact(test))
                self.fig.data[3].update(x=compact(xs), y=compact(train))
                self.fig.data[5].update(x=compact(xs), y=compact(norm))
            yield frac, message
        if not rf:
            with self.fig.batch_update():
                self._mark_threshold(sweep.result.to_dict(), False)

    @guarded()
    def start(self, blocking: bool = False):
        """Run the live sweep (in the background; ``blocking=True`` for notebooks and tests)."""
        if self.longrun.running:
            self.status.info("A sweep is running: press Stop first.")
            return
        sweep = self.sweep()
        self.button.disabled = True
        self.status.info(f"Sweeping {len(sweep.widths)} sizes...")

        def done(stopped):
            self.button.disabled = False
            text = self._describe(sweep.result.to_dict(), "your run")
            res, _, _ = self._full_scale()
            self.summary.value = text + (self._describe(res, "full scale") if res else "")
            self.status.ok(f"{'Stopped' if stopped else 'Done'}: {len(sweep.result.widths)} of "
                           f"{len(sweep.widths)} sizes.")

        if blocking:
            self.longrun.run_blocking(self._steps(sweep), done)
        else:
            self.longrun.start(self._steps(sweep), done)


# --------------------------------------------------------------------------------------------
# Section 2: lazy training
# --------------------------------------------------------------------------------------------

@shareable("lazy")
class LazyTraining(widgets.VBox):
    """Relative weight change vs width in the NTK parameterisation, with the m^-1/2 law.

    Calls :class:`hardtrain.experiments.lazy_training.LazyTrainingSweep` (Jacot et al.,
    arXiv 1806.07572; Lee et al., arXiv 1902.06720; Chizat et al., arXiv 1812.07956) and fits the
    slope with :func:`hardtrain.compute.fit_power_law`. Sizes:
    :class:`hardtrain.experiments.lazy_training.Config`.
    """

    def __init__(self, steps: int = 200, seeds: int = 2):
        self.preset = session_preset(lazy_training.Config, steps=steps, seeds=tuple(range(seeds)))
        self.widths = self.preset.widths
        self.status = Status("")
        self.steps = _dropdown("GD steps", (20, 50, 200, 500), self.preset.steps, "lazy-steps")
        self.lr = _dropdown("Learning rate", (0.25, 0.5, 1.0, 2.0), self.preset.lr, "lazy-lr")
        self.seeds = css_class(widgets.IntSlider(value=len(self.preset.seeds), min=1, max=4, description="Seeds",
                                                 continuous_update=False,
                                                 style={"description_width": "initial"}), "ht-lazy-seeds")
        self.button = _button("Run sweep", "lazy-run")
        self.longrun = css_class(LongRun("Widths", budget_s=120), "ht-lazy-progress")
        self.summary = css_class(widgets.HTML(), "ht-summary")
        self.note = css_class(widgets.HTML(), "ht-provenance")  # the CSV export copies it
        self._doc = _precomputed("lazy_training.json")
        fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], subplot_titles=(
            "Relative weight change ||θ_T − θ_0|| / ||θ_0||", "Final training loss"))
        fig.add_trace(go.Scatter(name="full scale", mode="lines+markers", line=dict(color=GREY)), 1, 1)  # 0
        fig.add_trace(go.Scatter(name="yours", mode="lines+markers", line=dict(color=COLORS[0], width=3)), 1, 1)  # 1
        fig.add_trace(go.Scatter(name="theory: ∝ m^-1/2", mode="lines",
                                 line=dict(color=COLORS[3], dash="dash")), 1, 1)                 # 2
        fig.add_trace(go.Scatter(name="loss (full scale)", mode="lines+markers", showlegend=False,
                                 line=dict(color=GREY)), 1, 2)                                   # 3
        fig.add_trace(go.Scatter(name="loss (yours)", mode="lines+markers", showlegend=False,
                                 line=dict(color=COLORS[0])), 1, 2)                              # 4
        fig.update_xaxes(type="log", title_text="width m", row=1, col=1)
        fig.update_yaxes(type="log", title_text="relative change", row=1, col=1)
        fig.update_xaxes(type="log", title_text="width m", row=1, col=2)
        fig.update_yaxes(title_text="loss", rangemode="tozero", row=1, col=2)
        self.fig = fig
        self.button.on_click(lambda _: self.start())
        self.controls = [_row(self.steps, self.lr, self.seeds), _row(self.button, self.longrun)]
        super().__init__([*self.controls, self.summary, self.note, self.status])
        css_class(self, "ht-view", "ht-lab3-lazy")
        self._draw_full_scale()
        self.fig = figure_widget(self.fig, height=420, name="lazy")
        self.player = Player("lazy", label="GD step")  # replays your sweep, step by step, in the browser
        self.children = [*self.controls, self.fig, self.player, self.summary, self.note, self.status]

    def _draw_full_scale(self):
        res = self._doc["result"]["sweep"] if self._doc else None
        xs, change = _seed_mean(res, "relative_change")
        _, loss = _seed_mean(res, "final_loss")
        with self.fig.batch_update():
            self.fig.data[0].update(x=compact(xs), y=compact(change))
            self.fig.data[3].update(x=compact(xs), y=compact(loss))
            self._reference(xs, change)
        self.note.value = f'<span class="ht-note">{_precomputed_note(self._doc)}</span>'
        self.summary.value = self._describe(res, "full scale") if res else ""
        self.status.info("Press Run sweep to measure it yourself.")

    def _reference(self, xs, change):
        if xs.size:
            ref = change[0] * (xs / xs[0]) ** -0.5
            self.fig.data[2].update(x=compact(xs), y=compact(ref))

    @staticmethod
    def _describe(res, which) -> str:
        if not res or len(res["widths"]) < 2:
            return ""
        xs, change = _seed_mean(res, "relative_change")
        _, loss = _seed_mean(res, "final_loss")
        fit = compute.fit_power_law(xs, change)
        return (f"<p><b>{which.capitalize()}</b>: from m = {int(xs[0])} to m = {int(xs[-1])} the relative weight "
                f"change falls from {change[0]:.3f} to {change[-1]:.4f}; fitted slope <b>{fit.exponent:.2f}</b> "
                f"(r² = {fit.r2:.3f}; theory −0.5), while the final loss stays between {loss.min():.3f} and "
                f"{loss.max():.3f}.</p>")

    def _run_steps(self, sweep):
        for frac, message in sweep.steps():
            r = sweep.result.to_dict()
            xs, change = _seed_mean(r, "relative_change")
            _, loss = _seed_mean(r, "final_loss")
            with self.fig.batch_update():
                self.fig.data[1].update(x=compact(xs), y=compact(change))
                self.fig.data[4].update(x=compact(xs), y=compact(loss))
                self._reference(xs, change)
            yield frac, message

    def _replay(self, sweep) -> None:
        """Give the player the widths done: the seed-mean relative change and loss at each
        recorded step (a change of 0, at step 0, is a gap on the log axis)."""
        if not sweep.history:
            return
        xs = np.array(sweep.result.widths[:len(sweep.history)], float)
        change = np.stack([h["relative_change"].mean(0) for h in sweep.history], axis=1)  # (F, W)
        loss = np.stack([h["loss"].mean(0) for h in sweep.history], axis=1)
        self.player.every = sweep.history_every
        self.player.show([series(1, xs, np.where(change > 0, change, np.nan), kind="frames"),
                          series(4, xs, loss, kind="frames")])

    @guarded()
    def start(self, blocking: bool = False):
        """Run the live width sweep (``blocking=True`` for notebooks and tests)."""
        if self.longrun.running:
            self.status.info("A sweep is running: press Stop first.")
            return
        steps = int(self.steps.value)
        every = max(1, steps // 50)  # about 50 frames for the replay (each step choice is a multiple)
        config = dataclasses.replace(self.preset, steps=steps, lr=float(self.lr.value),
                                     seeds=tuple(range(int(self.seeds.value))), history_every=every)
        sweep = lazy_training.LazyTrainingSweep.from_config(config)
        self.button.disabled = True

        def done(stopped):
            self.button.disabled = False
            self._replay(sweep)
            full = self._doc["result"]["sweep"] if self._doc else None
            self.summary.value = self._describe(sweep.result.to_dict(), "your run") + (
                self._describe(full, "full scale") if full else "")
            self.status.ok(f"{'Stopped' if stopped else 'Done'}: {len(sweep.result.widths)} of "
                           f"{len(sweep.widths)} widths.")

        (self.longrun.run_blocking if blocking else self.longrun.start)(self._run_steps(sweep), done)


# --------------------------------------------------------------------------------------------
# Section 3: width makes a hard search easy
# --------------------------------------------------------------------------------------------

@shareable("easy")
class WidthMakesEasy(widgets.VBox):
    """Gradient-descent success rate vs width: lab 2's Set-Splitting training set and random labels.

    Calls :class:`hardtrain.experiments.width_makes_easy.HardInstanceSweep` on
    :func:`hardtrain.experiments.width_makes_easy.hard_instance` (Blum & Rivest, Neural Networks
    1992; lab 2's GD relaxation) and :class:`hardtrain.experiments.width_makes_easy.MemorisationSweep`
    (Zhang et al., ICLR 2017, arXiv 1611.03530). Sizes:
    :class:`hardtrain.experiments.width_makes_easy.Config`.
    """

    def __init__(self, restarts: int = 16, seed: int = 0):
        self.preset = session_preset(width_makes_easy.Config, restarts=restarts, memo_seeds=restarts, seed=seed)
        self.widths = self.preset.widths
        self.status = Status("")
        self.restarts = _dropdown("Restarts / seeds per width", (4, 8, 16, 32), self.preset.restarts,
                                  "easy-restarts")
        self.seed = NumberField("Seed", self.preset.seed, 0, 99999, name="easy-seed")
        self.button = _button("Run sweep", "easy-run")
        self.longrun = css_class(LongRun("Widths", budget_s=180), "ht-easy-progress")
        self.summary = css_class(widgets.HTML(), "ht-summary")
        self.note = css_class(widgets.HTML(), "ht-provenance")  # the CSV export copies it
        self._doc = _precomputed("width_makes_easy.json")
        fig = go.Figure()
        fig.add_trace(go.Scatter(name="hard instance (full scale)", mode="lines+markers",
                                 line=dict(color=GREY)))                                       # 0
        fig.add_trace(go.Scatter(name="random labels (full scale)", mode="lines+markers",
                                 line=dict(color=GREY, dash="dot"), marker=dict(symbol="square")))  # 1
        fig.add_trace(go.Scatter(name="hard instance (yours)", mode="lines+markers",
                                 line=dict(color=COLORS[0], width=3)))                          # 2
        fig.add_trace(go.Scatter(name="random labels (yours)", mode="lines+markers",
                                 line=dict(color=COLORS[2], width=3, dash="dot"),
                                 marker=dict(symbol="square")))                                 # 3
        fig.add_trace(go.Scatter(x=[2, 2], y=[0, 1], mode="lines", name="width 2: Blum & Rivest's network",
                                 line=dict(color=COLORS[3], dash="dash")))                      # 4
        fig.update_layout(title="Fraction of GD runs that fit every training label",
                          xaxis=dict(type="log", title="hidden units"),
                          yaxis=dict(title="success rate", range=[-0.03, 1.03]))
        self.fig = fig
        self.button.on_click(lambda _: self.start())
        self.controls = [_row(self.restarts, self.seed), _row(self.button, self.longrun)]
        super().__init__([*self.controls, self.summary, self.note, self.status])
        css_class(self, "ht-view", "ht-lab3-easy")
        self._draw_full_scale()
        self.fig = figure_widget(self.fig, height=400, name="easy")
        self.children = [*self.controls, self.fig, self.summary, self.note, self.status]

    def _draw_full_scale(self):
        res = self._doc["result"] if self._doc else {}
        hard = res.get("hard_instance")
        memo = res.get("memorisation")
        with self.fig.batch_update():
            for i, r in ((0, hard), (1, memo)):
                xs, ys = _seed_mean(r, "success")
                self.fig.data[i].update(x=compact(xs), y=compact(ys))
        self.note.value = f'<span class="ht-note">{_precomputed_note(self._doc)}</span>'
        self.summary.value = self._describe(hard, memo, "full scale") + self._instance_text()
        self.status.info("Press Run sweep to try it yourself.")

    @staticmethod
    def _describe(hard, memo, which) -> str:
        parts = []
        if hard and "missing" not in hard and hard.get("widths"):
            xs, ys = _seed_mean(hard, "success")
            parts.append("hard instance: " + ", ".join(f"width {int(x)} {y:.0%}" for x, y in zip(xs, ys)))
        elif hard and "missing" in hard:
            parts.append(f"hard instance: {html.escape(hard['missing'])}")
        if memo and memo.get("widths"):
            xs, ys = _seed_mean(memo, "success")
            parts.append(f"random labels (n = {memo['settings']['n_train']}): "
                         + ", ".join(f"width {int(x)} {y:.0%}" for x, y in zip(xs, ys)))
        return f"<p><b>{which.capitalize()}</b>: " + "; ".join(parts) + ".</p>" if parts else ""

    @staticmethod
    def _instance_text() -> str:
        n, subsets = width_makes_easy.hard_instance()
        return (f"<p>The hard instance: Set-Splitting on {n} elements with {len(subsets)} subsets "
                f"(<code>{html.escape(format_hypergraph(subsets))}</code>), turned into a training set by "
                "Blum & Rivest's reduction (lab 2). It is splittable, so a 2-unit threshold network fits it "
                "exactly, and lab 2's exact solver finds one at once: NP-hardness concerns the family "
                "of such training sets, not this one. Here it is hard for gradient descent at width 2.</p>")

    def _run_steps(self, hard, memo):
        total = (len(hard.widths) if hard else 0) + len(memo.widths)
        done = 0
        if hard is not None:
            for _, message in hard.steps():
                done += 1
                xs, ys = _seed_mean(hard.result.to_dict(), "success")
                with self.fig.batch_update():
                    self.fig.data[2].update(x=compact(xs), y=compact(ys))
                yield done / total, "hard instance, " + message
        for _, message in memo.steps():
            done += 1
            xs, ys = _seed_mean(memo.result.to_dict(), "success")
            with self.fig.batch_update():
                self.fig.data[3].update(x=compact(xs), y=compact(ys))
            yield done / total, "random labels, " + message

    @guarded()
    def start(self, blocking: bool = False):
        """Run both live sweeps (``blocking=True`` for notebooks and tests)."""
        if self.longrun.running:
            self.status.info("A sweep is running: press Stop first.")
            return
        k = int(self.restarts.value)
        config = dataclasses.replace(self.preset, restarts=k, memo_seeds=k, seed=int(self.seed.value))
        hard = width_makes_easy.HardInstanceSweep.from_config(config)
        memo = width_makes_easy.MemorisationSweep.from_config(config)
        self.button.disabled = True
        with self.fig.batch_update():
            self.fig.data[2].update(x=[], y=[])
            self.fig.data[3].update(x=[], y=[])

        def done(stopped):
            self.button.disabled = False
            self.summary.value = self._describe(hard.result.to_dict() if hard else None,
                                                memo.result.to_dict(), "your run") + self._instance_text()
            self.status.ok(f"{'Stopped' if stopped else 'Done'}.")

        (self.longrun.run_blocking if blocking else self.longrun.start)(self._run_steps(hard, memo), done)


# --------------------------------------------------------------------------------------------
# Section 4: the price of accuracy
# --------------------------------------------------------------------------------------------

@shareable("price")
class PriceOfAccuracy(widgets.VBox):
    """Fit error vs compute on your own runs, compare exponents, and price a smaller error.

    Runs :class:`hardtrain.experiments.price_of_accuracy.CostLadder` (FLOPs from XLA, wall time
    on this machine; rungs: :class:`hardtrain.experiments.price_of_accuracy.Config`), fits
    :func:`hardtrain.compute.fit_power_law`, shows the exponent beside the published ones
    (:data:`hardtrain.compute.PUBLISHED_EXPONENTS`, Thompson et al., arXiv 2007.05558) and answers
    "what would dividing my error by k cost?" with :func:`hardtrain.compute.halving_cost` under
    editable :class:`hardtrain.compute.Assumptions` (Strubell et al., ACL 2019).
    """

    def __init__(self):
        self.preset = session_preset(price_of_accuracy.Config)
        self.rungs = self.preset.rungs
        self.status = Status("")
        a = compute.DEFAULT_ASSUMPTIONS
        self.watts = NumberField("Power (W)", a.watts, 0.1, 100000, name="watts", positive=True,
                                 on_change=lambda _: self._price())
        self.pue = NumberField("PUE", a.pue, 1.0, 3.0, name="pue", on_change=lambda _: self._price())
        self.grid = NumberField("Grid (gCO2/kWh)", a.grid_gco2_per_kwh, 0.0, 2000, name="grid",
                                on_change=lambda _: self._price())
        self.price = NumberField(f"Price ({a.currency}/kWh)", a.price_per_kwh, 0.0, 10, name="kwh-price",
                                 on_change=lambda _: self._price())
        self.factor = _dropdown("Divide my error by", (2, 4, 10), 2, "factor")
        self.factor.observe(lambda _: self._price(), names="value")
        self.button = _button("Measure my ladder", "ladder-run")
        self.longrun = css_class(LongRun("Rungs", budget_s=180), "ht-ladder-progress")
        self.summary = css_class(widgets.HTML(), "ht-summary")
        self.price_box = css_class(widgets.HTML(), "ht-cost")
        self.sources = widgets.HTML(
            "<details><summary>Where the default assumptions come from</summary><ul>"
            + "".join(f"<li>{html.escape(s)}</li>" for s in a.sources) + "</ul></details>")
        self._doc = _precomputed("cost_ladder.json")
        self._rows = self._rows_from_doc(self._doc)
        self._source = "full scale (precomputed)"
        fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], subplot_titles=(
            "Test error vs training compute", "Compute factor to divide the error"))
        fig.add_trace(go.Scatter(name="runs", mode="markers+text", textposition="top center",
                                 marker=dict(size=10, color=COLORS[0])), 1, 1)                 # 0
        fig.add_trace(go.Scatter(name="fitted power law", mode="lines",
                                 line=dict(color=COLORS[0], dash="dash")), 1, 1)               # 1
        fig.add_trace(go.Scatter(name="theory: compute ∝ (1/error)^4", mode="lines",
                                 line=dict(color=COLORS[2], dash="dot")), 1, 1)                # 2
        fig.add_trace(go.Scatter(name="ImageNet trend: (1/error)^9", mode="lines",
                                 line=dict(color=COLORS[1], dash="dot")), 1, 1)                # 3
        fig.add_trace(go.Bar(name="factor", showlegend=False, marker=dict(color=[COLORS[0], COLORS[2], COLORS[1]]),
                             texttemplate="%{y:.3g}x", textposition="outside"), 1, 2)          # 4
        fig.update_xaxes(type="log", title_text="training FLOPs", row=1, col=1)
        fig.update_yaxes(type="log", title_text="test error", row=1, col=1)
        fig.update_yaxes(type="log", title_text="x compute", row=1, col=2)
        self.fig = fig
        self.button.on_click(lambda _: self.start())
        self.controls = [_row(self.button, self.longrun),
                         _row(self.watts, self.pue), _row(self.grid, self.price, self.factor)]
        super().__init__([self.controls[0], self.summary, *self.controls[1:], self.price_box,
                          self.sources, self.status])
        css_class(self, "ht-view", "ht-lab3-price")
        self._redraw()
        self.fig = figure_widget(self.fig, height=440, name="price")
        self.children = [self.controls[0], self.fig, self.summary, *self.controls[1:], self.price_box,
                         self.sources, self.status]

    @staticmethod
    def _rows_from_doc(doc):
        if not doc:
            return []
        return [{"width": r["rung"]["width"], "n_train": r["rung"]["n_train"], "steps": r["rung"]["steps"],
                 "flops": r["flops"], "seconds": r["seconds"], "test_error": r["test_error"],
                 "train_error": r.get("train_error")}
                for r in doc["result"]["rungs"]]

    def assumptions(self) -> compute.Assumptions:
        """The assumptions the fields show (validated by :class:`hardtrain.compute.Assumptions`)."""
        return compute.DEFAULT_ASSUMPTIONS.replace(watts=float(self.watts.value), pue=float(self.pue.value),
                                                   grid_gco2_per_kwh=float(self.grid.value),
                                                   price_per_kwh=float(self.price.value))

    def _fit(self):
        rows = [r for r in self._rows if r["test_error"] > 0]
        if len(rows) < 2:
            return None, rows
        return compute.fit_power_law([r["flops"] for r in rows], [r["test_error"] for r in rows]), rows

    @guarded()
    def _redraw(self):
        fit, rows = self._fit()
        f = np.array([r["flops"] for r in rows], np.float64)
        e = np.array([r["test_error"] for r in rows], np.float64)
        factor = float(self.factor.value)
        with self.fig.batch_update():
            self.fig.data[0].update(x=compact(f), y=compact(e), name=f"runs ({self._source})",
                                    text=[f"m={r['width']}" for r in rows])
            if fit is not None:
                alpha = compute.compute_exponent(fit)
                f_end = f[-1] * (factor ** alpha if math.isfinite(alpha) and alpha < 60 else 10.0)
                span = np.geomspace(f[0], max(f_end, f[-1] * 1.01), 40)
                self.fig.data[1].update(x=compact(span), y=compact(fit(span)),
                                        name=f"fit: error ∝ compute^{fit.exponent:.3f} (r² {fit.r2:.2f})")
                for i, k in ((2, 4.0), (3, 9.0)):
                    self.fig.data[i].update(x=compact(span), y=compact(e[-1] * (span / f[-1]) ** (-1.0 / k)))
        if fit is not None:
            alpha = compute.compute_exponent(fit)
            lo, hi = compute.compute_exponent_interval(fit)
            interval = (f" (95% interval {lo:.1f} to {'∞' if not math.isfinite(hi) else f'{hi:.1f}'}, "
                        f"from {len(rows)} runs)" if math.isfinite(lo) else " (two runs: no interval)")
            rate = rows[-1]["flops"] / rows[-1]["seconds"] if rows[-1]["seconds"] > 0 else float("nan")
            overfit = [r["width"] for r in rows if r.get("train_error") == 0.0]
            note = (f" Runs that fit their training set exactly (train error 0: widths "
                    f"{', '.join(map(str, overfit))}) may be limited by overfitting rather than by compute."
                    if overfit else "")
            self.summary.value = (
                f"<p><b>{html.escape(self._source.capitalize())}</b>: {len(rows)} runs from "
                f"{f[0]:.2e} to {f[-1]:.2e} FLOPs; test error {e[0]:.3f} → {e[-1]:.3f}. Fitted "
                f"error ∝ compute^{fit.exponent:.3f} (r² = {fit.r2:.2f}), i.e. compute ∝ (1/error)^"
                f"<b>{alpha:.1f}</b>{interval}. Published: at least 4 in theory, about 9 for ImageNet "
                f"(Thompson et al.).{note} Largest run: {rate / 1e9:.1f} GFLOP/s achieved.</p>")
        else:
            self.summary.value = "<p>No runs yet: press <b>Measure my ladder</b>.</p>"
        self._price()

    @guarded()
    def _price(self):
        fit, rows = self._fit()
        if fit is None:
            self.price_box.value = ""
            return
        a = self.assumptions()
        last = rows[-1]
        rate = last["flops"] / last["seconds"] if last["seconds"] > 0 else 1e9
        k = float(self.factor.value)
        est = compute.halving_cost(fit, float(last["test_error"]), rate, a, factor=k)
        if not math.isfinite(est.flops):
            self.price_box.value = ("<p>Along your fitted trend the error does not fall with compute: no amount "
                                    "of compute divides it. Run a longer ladder.</p>")
            return
        with self.fig.batch_update():
            bars = [est.factor, k ** 4.0, k ** 9.0]
            self.fig.data[4].update(x=["yours", "theory (4)", "ImageNet (9)"], y=compact(np.array(bars)))
        years = est.seconds / (365.25 * 86400)
        when = f"{est.seconds / 3600:,.1f} hours" if years < 1 else f"{years:,.1f} years"
        self.price_box.value = (
            f'<div class="ht-price-result"><p><b>Dividing your error by {k:g}</b> (from {last["test_error"]:.3f} '
            f"to {est.target_error:.3f}) along your fitted trend needs about <b>{est.factor:,.3g}x</b> the compute of "
            f"your largest run: {est.flops:.3g} FLOPs, {when} at your measured {rate / 1e9:.1f} GFLOP/s, "
            f"<b>{est.kwh:,.3g} kWh</b>, <b>{est.gco2 / 1000:,.3g} kg CO2</b>, {est.money:,.3g} {a.currency}.</p>"
            f"<p>Assumptions: {a.watts:g} W x PUE {a.pue:g}; grid {a.grid_gco2_per_kwh:g} gCO2/kWh; "
            f"{a.price_per_kwh:g} {a.currency}/kWh. An extrapolation: real curves flatten at the data's "
            f"irreducible error (MNIST-1D's inputs are noisy by construction), so this is a lower bound on the cost at best.</p>"
            f"<p>Same question on published trends: x{k ** 4:,.0f} (theory, 4th power), "
            f"x{k ** 9:,.0f} (ImageNet, 9th power).</p></div>")

    def _run_steps(self, ladder):
        for frac, message in ladder.steps():
            self._rows = [{"width": r.rung.width, "n_train": r.rung.n_train, "steps": r.rung.steps,
                           "flops": r.flops, "seconds": r.seconds, "test_error": r.test_error,
                           "train_error": getattr(r, "train_error", None)}
                          for r in ladder.results]
            self._source = "your machine"
            if len(self._rows) >= 2:
                self._redraw()
            yield frac, message

    @guarded()
    def start(self, blocking: bool = False):
        """Measure the ladder on this machine (``blocking=True`` for notebooks and tests)."""
        if self.longrun.running:
            self.status.info("The ladder is running: press Stop first.")
            return
        ladder = price_of_accuracy.CostLadder.from_config(self.preset)
        self.button.disabled = True

        def done(stopped):
            self.button.disabled = False
            self._redraw()
            self.status.ok(f"{'Stopped' if stopped else 'Done'}: {len(ladder.results)} of "
                           f"{len(self.rungs)} rungs measured on this machine.")

        (self.longrun.run_blocking if blocking else self.longrun.start)(self._run_steps(ladder), done)
