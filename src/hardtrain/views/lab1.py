"""Lab 1 dashboards: convex vs non-convex loss surfaces.

Each view is one widget (controls + one FigureWidget + a status line) bound to an experiment of
:mod:`hardtrain.experiments` (:mod:`~hardtrain.experiments.convex_bowl`,
:mod:`~hardtrain.experiments.product_loss`, :mod:`~hardtrain.experiments.symmetries`,
:mod:`~hardtrain.experiments.mlp_slice`): a control changes the experiment's configuration, the
experiment computes, the view draws. Grid sizes and step counts come from small fixed sets so
that compiled code is reused (no recompiles in a callback after the first use of a setting).
"""

from __future__ import annotations

import dataclasses
import math

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import train as training
from ..runtime import release_over_budget
from ..experiments import convex_bowl, mlp_slice, product_loss, session_preset, symmetries
from .common import (COLORS, NumberField, Status, Timer, colorbar_ticks, colorbar_trace, compact, css_class,
                     figure_widget, grid_points, guarded, heatmap_image, hover_points, image_placement,
                     redraw_traces_only)
from .pagestate import shareable
from .player import Player, series

__all__ = ["ConvexBowl", "ProductPlayground", "Symmetries", "MLPSlice"]

_BINARY = convex_bowl.DATASETS


def _dropdown(label, options, value, name):
    w = widgets.Dropdown(options=options, value=value, description=label,
                         style={"description_width": "initial"})
    return css_class(w, f"ht-{name}")


def _slider(cls, label, name, **kw):
    w = cls(description=label, style={"description_width": "initial"}, continuous_update=False,
            layout=widgets.Layout(width="22em"), **kw)
    return css_class(w, f"ht-{name}")


@shareable("bowl")
class ConvexBowl(widgets.VBox):
    """Section 1: the logistic-regression loss of a real dataset is a bowl.

    Shows the loss on a filter-normalised 2-D slice through the gradient-descent solution (Li et
    al., NeurIPS 2018, arXiv 1712.09913; axes in units of the chosen half-width, colour bar
    relabelled per slice), the Hessian's eigenvalues (all >= 0), the LP verdict (HiGHS) and the
    perceptron's update count beside Novikoff's bound. The *Loss* control (class
    ``ht-bowl-loss``) swaps the logistic loss for the squared error of the same sigmoid neuron,
    which is not convex (Auer, Herbster & Warmuth, NeurIPS 1995): the slice's smallest curvature
    then goes negative.
    """

    #: The Loss control's choices: label -> ``models.loss_function`` kind.
    LOSS_LABELS = {"logistic (cross-entropy)": "cross_entropy", "squared error of a sigmoid": "sigmoid_squared"}

    def __init__(self, dataset: str = "breast_cancer", seed: int = 0, loss: str = "cross_entropy"):
        self.config = session_preset(convex_bowl.BowlConfig, dataset=dataset, loss=loss)
        self.GRID = self.config.grid
        self.status = Status("")
        self.dataset = _dropdown("Dataset", _BINARY, dataset, "dataset")
        self.loss = _dropdown("Loss", list(self.LOSS_LABELS.items()), loss, "bowl-loss")
        self.span = _slider(widgets.FloatSlider, "Slice half-width (x ||w||)", "span",
                            value=1.0, min=0.1, max=3.0, step=0.1, readout_format=".1f")
        self.seed = NumberField("Direction seed", seed, 0, 99999, name="seed",
                                on_change=lambda _: self._new_directions())
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],
                            specs=[[{}, {"secondary_y": True}]],
                            subplot_titles=("Loss on a 2-D slice through the GD solution",
                                            "Gradient descent: loss and ||w|| per step"))
        # The slice is a picture in the layout (see heatmap_image: a Heatmap trace is slower to
        # redraw); trace 0 only draws its colour bar. A new half-width changes only the picture
        # and the colour bar's labels, which plotly.js redraws without a full replot (a new axis
        # range or title costs one): the axes are in units of the half-width and the bar is fixed
        # to [0, 1] (colorbar_ticks).
        fig.add_trace(colorbar_trace("loss", 0.0, 1.0, x=0.5, **colorbar_ticks(0.0, 1.0)), 1, 1)
        fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", marker=dict(symbol="x", size=10, color="white"),
                                 name="GD solution", showlegend=False), 1, 1)
        fig.add_trace(go.Scatter(name="loss", line=dict(color=COLORS[0])), 1, 2)
        fig.add_trace(go.Scatter(name="||w||", line=dict(color=COLORS[1], dash="dot")), 1, 2,
                      secondary_y=True)
        unit = np.linspace(-1.0, 1.0, self.GRID)
        fig.add_layout_image(image_placement("", unit, unit))
        image = fig.layout.images[0]
        ticks = dict(tickvals=[-1, -0.5, 0, 0.5, 1], showgrid=False, zeroline=False, row=1, col=1)
        fig.update_xaxes(title_text="alpha / half-width (direction 1)",
                         range=[image.x, image.x + image.sizex], **ticks)
        fig.update_yaxes(title_text="beta / half-width (direction 2)",
                         range=[image.y - image.sizey, image.y], **ticks)
        fig.update_xaxes(title_text="step", row=1, col=2)
        fig.update_yaxes(title_text="loss", type="log", secondary_y=False, row=1, col=2)
        fig.update_yaxes(title_text="||w||", type="linear", tickmode="auto", nticks=6, showgrid=False,
                         secondary_y=True, row=1, col=2)
        self.fig = fig  # a plain Figure until it holds its first data (see figure_widget)
        self.dataset.observe(lambda _: self._load(), names="value")
        self.loss.observe(lambda _: self._load(), names="value")
        self.span.observe(lambda _: self._redraw_surface(), names="value")
        self._slices: dict[float, tuple] = {}  # half-width -> (PNG, zmin, zmax, min curvature)
        s = self.span  # every value the slider offers
        self._spans = tuple(round(float(v), 1) for v in np.arange(s.min, s.max + s.step / 2, s.step))
        controls = widgets.HBox([self.dataset, self.loss, self.span, self.seed],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab1-bowl")
        self._load()
        self.fig = figure_widget(self.fig, name="bowl")
        self.children = [controls, self.fig, self.summary, self.status]

    @guarded()
    def _load(self):
        self.config = dataclasses.replace(self.config, dataset=self.dataset.value, loss=self.loss.value)
        res = self.result = convex_bowl.run(self.config)
        wnorm, losses = res.weight_norms, res.losses
        steps = np.arange(self.config.steps, dtype=np.float32)
        with self.fig.batch_update():
            self.fig.data[2].x, self.fig.data[2].y = steps, compact(losses)
            self.fig.data[3].x, self.fig.data[3].y = steps, compact(wnorm[1:])
        percep, eig = res.perceptron, res.hessian_eigenvalues
        if not res.separable:
            lp = ("<b>LP (HiGHS): not linearly separable</b>, proved in "
                  f"{res.lp_ms:.0f} ms. Gradient descent converges to a finite minimum: the bowl has a bottom.")
            pc = f"Perceptron: still making mistakes after {percep.epochs} epochs ({percep.updates} updates); it never stops on such data."
        else:
            lp = (f"<b>LP (HiGHS): separable</b>, a separating hyperplane found in {res.lp_ms:.0f} ms. "
                  f"GD only approaches it: train accuracy {res.train_accuracy:.1%}, loss {losses[-1]:.4f} "
                  f"and still falling while ||w|| grows ({wnorm[1]:.2f} at step 1, {wnorm[-1]:.2f} now).")
            pc = (f"Perceptron: {percep.updates} updates before it separated the data, "
                  f"Novikoff's bound (R/gamma)^2 = {percep.novikoff_bound:,.0f}.")
        convex = self.config.loss == "cross_entropy"
        why = ("The logistic loss is convex, so this holds at every point." if convex else
               "The squared error of a sigmoid is not convex, so nothing forbids negative eigenvalues, here "
               "or anywhere else (the status line gives the smallest curvature on the slice; Auer, Herbster "
               "& Warmuth, NeurIPS 1995).")
        self.summary.value = (
            f"<p>{lp}</p><p>{pc}</p><p>Hessian at the GD solution: {eig.size} eigenvalues, smallest "
            f"{eig[0]:.2e}, largest {eig[-1]:.2e}: <b>{'all >= 0 (up to rounding)' if eig[0] > -1e-6 * max(1.0, eig[-1]) else 'a negative one!'}</b>. "
            f"{why} ({self.config.steps} GD steps in {res.gd_ms:.0f} ms.)</p>")
        self._new_directions()

    @guarded()
    def _new_directions(self):
        """Draw the two filter-normalised directions and compute the slice for every half-width
        the slider offers (one compiled surface program, called once per half-width), so that
        moving the slider only sends a picture."""
        self.dirs = convex_bowl.slice_directions(self.result, int(self.seed.value))
        self._slices.clear()
        with Timer() as t:
            for span in self._spans:
                self._slice(span)
        self._slices_ms = t.ms
        self._redraw_surface()

    def _slice(self, span: float) -> tuple:
        """(PNG data URI, zmin, zmax, smallest curvature) of the slice with this half-width."""
        span = round(float(span), 1)
        if span not in self._slices:
            z, curvature = convex_bowl.bowl_slice(self.result, self.dirs, span)
            self._slices[span] = (*heatmap_image(z), curvature)
        return self._slices[span]

    @guarded()
    def _redraw_surface(self):
        span = float(self.span.value)
        with Timer() as t:
            source, zmin, zmax, curvature = self._slice(span)
            # The picture and the colour bar's labels. Spelled "images[0].source": plotly.py writes
            # fig.layout.images[0].source = ... as "images.0.source", which plotly.js answers with
            # a full replot instead of redrawing the one image (the edit costs are measured by
            # benchmarks/browser_lab1.py).
            self.fig.plotly_update(restyle_data={"marker.colorbar.ticktext": [colorbar_ticks(zmin, zmax)["ticktext"]]},
                                   relayout_data={"images[0].source": source}, trace_indexes=[0])
        verdict = ("negative: the loss is not convex along this slice" if curvature < -1e-6
                   else ">= 0: convex along the slice")
        self.status.ok(f"Slice of {self.GRID}x{self.GRID} losses, half-width {span:.1f}, sent in {t.ms:.1f} ms "
                       f"(the slices of all {len(self._spans)} half-widths took {self._slices_ms:.0f} ms when "
                       f"the directions were drawn); smallest curvature on the slice {curvature:.2e} "
                       f"({verdict}).")


@shareable("playground")
class ProductPlayground(widgets.VBox):
    """Section 2: the smallest non-convex loss, L(a, w) = (a w - 1)^2, and optimisers on it.

    A learner picks the optimiser, learning rate, start point, number of jittered starts and
    seed; every start runs in one vmapped, compiled call and its trajectory is drawn. Starts
    whose loss leaves [0, 1e6] or turns NaN are reported as diverged, with the step.
    """

    LIM = product_loss.LIMIT
    GRID = 101
    STEP_CHOICES = (25, 50, 100, 200, 400)
    CONVERGED = 1e-4  # a start whose final loss is at most this counts as converged

    def __init__(self, optimizer: str = "gd", learning_rate: float = 0.1, start=(0.5, 1.5),
                 starts: int = 4, seed: int = 0, steps: int = 100):
        self.status = Status("")
        self.optimizer = _dropdown("Optimizer", training.OPTIMIZERS, optimizer, "optimizer")
        self.lr = _slider(widgets.FloatLogSlider, "Learning rate", "lr", value=learning_rate,
                          base=10, min=-3, max=0, step=0.1, readout_format=".3f")
        self.steps = _dropdown("Steps", self.STEP_CHOICES, steps, "steps")
        self.start = NumberField("Start (a, w)", tuple(start), -self.LIM, self.LIM, size=2, name="start",
                                 on_change=lambda _: self.run())
        self.n_starts = _slider(widgets.IntSlider, "Starts", "starts", value=starts, min=1, max=8)
        self.seed = NumberField("Seed", seed, 0, 99999, name="seed", on_change=lambda _: self.run())
        self.summary = css_class(widgets.HTML(), "ht-summary")
        for w in (self.optimizer, self.lr, self.steps, self.n_starts):
            w.observe(lambda _: self.run(), names="value")
        grid, z = product_loss.loss_surface(self.GRID)
        a = np.linspace(0.4, self.LIM, 60)
        hyp_a = np.concatenate([a, [np.nan], -a])
        hyp_w = np.concatenate([1 / a, [np.nan], -1 / a])
        fig = go.Figure()
        # The surface is a picture under the traces (see heatmap_image): a Heatmap trace would be
        # redrawn on every restyle of the trajectories. Trace 0 only draws its colour bar.
        source, zmin, zmax = heatmap_image(np.log10(1 + np.asarray(z)))
        fig.add_trace(colorbar_trace("log10(1+L)", zmin, zmax))
        fig.add_layout_image(image_placement(source, grid, grid))
        fig.add_trace(go.Scatter(x=compact(hyp_a), y=compact(hyp_w), mode="lines", name="minima: a w = 1",
                                 line=dict(color="white", dash="dash")))
        fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers+text", name="saddle",
                                 text=["saddle: gradient 0, not a minimum"],
                                 textposition="bottom right", textfont=dict(color="white"),
                                 marker=dict(symbol="diamond", size=11, color="white")))
        # Lines only: a marker per step made every redraw 2-3x slower (one SVG node per point).
        fig.add_trace(go.Scatter(mode="lines", name="trajectories", line=dict(color=COLORS[4], width=2)))
        fig.add_trace(go.Scatter(mode="markers", name="end points",
                                 marker=dict(size=11, color=COLORS[4], line=dict(color="black", width=1))))
        fig.add_trace(go.Scatter(mode="markers+text", name="diverged", textposition="top center",
                                 textfont=dict(color="white"),
                                 marker=dict(symbol="x", size=13, color=COLORS[1])))
        fig.update_layout(title=dict(text="L(a, w) = (a w - 1)^2 and optimiser trajectories", y=0.98,
                                     yanchor="top"), margin=dict(t=50),
                          xaxis=dict(title="a", range=[-self.LIM, self.LIM], showgrid=False, zeroline=False),
                          yaxis=dict(title="w", range=[-self.LIM, self.LIM], showgrid=False, zeroline=False))
        self.fig = fig  # a plain Figure until it holds its first data (see figure_widget)
        row1 = widgets.HBox([self.optimizer, self.lr, self.steps], layout=widgets.Layout(flex_flow="row wrap"))
        row2 = widgets.HBox([self.start, self.n_starts, self.seed], layout=widgets.Layout(flex_flow="row wrap"))
        self.player = Player("playground")  # replays the trajectories in the browser
        super().__init__([row1, row2, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab1-playground")
        self.run()
        self.fig = figure_widget(self.fig, height=520, name="playground")
        self.children = [row1, row2, self.fig, self.player, self.summary, self.status]

    def config(self) -> product_loss.PlaygroundConfig:
        """The run the controls describe."""
        return product_loss.PlaygroundConfig(
            optimizer=self.optimizer.value, learning_rate=float(self.lr.value), start=tuple(self.start.value),
            starts=int(self.n_starts.value), seed=int(self.seed.value), steps=int(self.steps.value))

    @guarded()
    def run(self):
        config = self.config()
        lr = config.learning_rate
        with Timer() as t:
            res = product_loss.run(config)
        traj_a, traj_w = res.trajectory_a, res.trajectory_w
        n, steps = traj_a.shape[0], traj_a.shape[1] - 1
        diverged, at = res.diverged, res.diverged_at
        ends = np.stack([traj_a[:, -1], traj_w[:, -1]], 1)  # last finite point of each start
        pad = np.full((n, 1), np.nan, np.float32)
        xs = np.concatenate([traj_a, pad], 1).ravel()
        ys = np.concatenate([traj_w, pad], 1).ravel()
        ok = ~diverged
        with redraw_traces_only(self.fig):  # fixed axes, scatter data only: no full replot
            self.fig.data[3].update(x=compact(np.clip(xs, -10, 10)), y=compact(np.clip(ys, -10, 10)))
            self.fig.data[4].update(x=compact(ends[ok, 0]), y=compact(ends[ok, 1]))
            gone = np.clip(ends[~ok], -self.LIM, self.LIM)  # where each diverged start left the view
            self.fig.data[5].update(x=compact(gone[:, 0]), y=compact(gone[:, 1]),
                                    text=[f"diverged at step {k}" for k in at[~ok]],
                                    # labels point into the plot, not off its edge
                                    textposition=[f"{'bottom' if y > 0 else 'top'} {'left' if x > 0 else 'right'}"
                                                  for x, y in gone])
        # After the figure's message: the replay's data wait in the kernel until Play is pressed.
        shown_a, shown_w = np.clip(traj_a, -10, 10), np.clip(traj_w, -10, 10)
        self.player.show([series(3, shown_a, shown_w, kind="path"), series(4, shown_a, shown_w, kind="head")])
        lines = []
        for i in range(n):
            if diverged[i]:
                lines.append(f"start {i + 1}: <b>diverged at step {int(at[i])}</b> (loss above 1e6 or not a number)")
            else:
                loss = float(res.final_losses[i])  # L(a, w) at the end point
                where = f"(a, w) = ({ends[i, 0]:+.2f}, {ends[i, 1]:+.2f}), a w = {ends[i, 0] * ends[i, 1]:.3f}"
                if loss <= self.CONVERGED:
                    lines.append(f"start {i + 1}: converged, loss {loss:.2e} at {where}")
                else:
                    lines.append(f"start {i + 1}: <b>not converged</b> after {steps} steps, loss {loss:.3g} at "
                                 f"{where} (still moving, stuck near the saddle, or oscillating)")
        self.summary.value = "<br>".join(lines)
        self.status.ok(f"{n} start(s) x {steps} steps of {self.optimizer.value} at learning rate {lr:.3g} "
                       f"in {t.ms:.1f} ms.")


@shareable("symmetries")
class Symmetries(widgets.VBox):
    """Section 3: the symmetries of one hidden layer make the loss non-convex.

    Trains a tanh net with H hidden units on the XOR data, lists its 2^H H! equivalent copies
    (permutations and sign flips), and plots the loss on the straight segment to a chosen copy
    (equal ends, a barrier between: no convex function does that). A ReLU net of the same width
    shows its rescaling curve: flat, while the straight segment between its ends is not.
    """

    T = symmetries.SEGMENT_T

    def __init__(self, width: int = 3, seed: int = 0):
        self.config = session_preset(symmetries.SymmetriesConfig, width=width, seed=seed)
        self.status = Status("")
        self.width = _slider(widgets.IntSlider, "Hidden units H", "width", value=width, min=1, max=4)
        self.copy = _slider(widgets.IntSlider, "Copy number", "copy", value=1, min=1, max=47)
        self.seed = NumberField("Seed", seed, 0, 99999, name="seed", on_change=lambda _: self._train())
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = make_subplots(rows=1, cols=2, subplot_titles=(
            "tanh net: straight line to an equivalent copy", "ReLU net: rescaling curve vs straight line"))
        fig.add_trace(go.Scatter(name="tanh: loss on the segment", line=dict(color=COLORS[0])), 1, 1)
        fig.add_trace(go.Scatter(mode="markers", name="the two equivalent minima",
                                 marker=dict(size=10, color=COLORS[1])), 1, 1)
        fig.add_trace(go.Scatter(name="ReLU: along the rescaling curve", line=dict(color=COLORS[2])), 1, 2)
        fig.add_trace(go.Scatter(name="ReLU: straight line between its ends", line=dict(color=COLORS[3], dash="dot")), 1, 2)
        fig.update_xaxes(title_text="t (0 = trained, 1 = copy)", row=1, col=1)
        fig.update_xaxes(title_text="position along the path (0 = trained, 1 = rescaled by c = 4)", row=1, col=2)
        fig.update_yaxes(title_text="training loss", row=1, col=1)
        self.fig = fig  # a plain Figure until it holds its first data (see figure_widget)
        self.width.observe(lambda _: self._train(), names="value")
        self.copy.observe(lambda _: self._redraw(), names="value")
        controls = widgets.HBox([self.width, self.copy, self.seed], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab1-symmetries")
        self._train()
        self.fig = figure_widget(self.fig, name="symmetries")
        self.children = [controls, self.fig, self.summary, self.status]

    @guarded()
    def _train(self):
        self.config = dataclasses.replace(self.config, width=int(self.width.value), seed=int(self.seed.value))
        with Timer() as t:
            self.result = symmetries.run(self.config)
            self.copies = self.result.copies
        s = compact(np.linspace(0, 1, 61))
        with self.fig.batch_update():
            self.fig.data[2].update(x=s, y=compact(self.result.rescaling_curve))
            self.fig.data[3].update(x=s, y=compact(self.result.rescaling_line))
        h = int(self.width.value)
        n = len(self.copies)
        self.copy.max = max(1, n - 1)
        self.summary.value = (f"H = {h} hidden units: 2^{h} x {h}! = <b>{2 ** h * math.factorial(h)}</b> "
                              "settings of the weights compute exactly the same function (permute the units, "
                              "flip the signs of a unit's weights). Every minimum has that many copies.")
        self._redraw(extra=f" Trained both nets ({self.config.steps} Adam steps each) in {t.ms:.0f} ms.")

    @guarded()
    def _redraw(self, extra: str = ""):
        k = min(int(self.copy.value), len(self.copies) - 1)
        if k < 1:
            self.status.info("With H = 1 the only copy is the sign flip; choose H >= 1 and copy 1." + extra)
            k = 1 if len(self.copies) > 1 else 0
        segment = symmetries.copy_segment(self.result, k)
        losses, report = segment.losses, segment.report
        end, end_copy = float(report.losses[0]), float(report.losses[-1])
        with self.fig.batch_update():
            self.fig.data[0].update(x=compact(self.T), y=compact(losses))
            self.fig.data[1].update(x=[0.0, 1.0], y=[end, end_copy])
        verdict = ("NOT convex: midpoint convexity fails on "
                   f"{report.n_violations} of {report.n_checks} checks (worst gap {report.max_gap:.3f})"
                   if not report.convex else "no violation on this segment (try another copy)")
        self.status.ok(f"Copy {k}: both ends have loss {end:.4f}; the highest loss between them is "
                       f"{float(np.max(losses[(self.T >= 0) & (self.T <= 1)])):.4f}; {verdict}." + extra)


@shareable("mlp")
class MLPSlice(widgets.VBox):
    """Section 4: a real MLP through a filter-normalised slice and an init-to-trained line.

    Trains an MLP (Adam, full batch) on digits or MNIST-1D, then shows the loss on a 2-D slice
    through the trained weights (Li et al. 2018), the loss on the segment from the initial to the
    trained weights (Goodfellow et al. 2015) with its midpoint-convexity check, the extreme
    curvatures on the slice, and the extreme eigenvalues of the full Hessian (Lanczos).
    """

    def __init__(self, dataset: str = "digits", width: int = 32, activation: str = "tanh",
                 steps: int = 300, seed: int = 0):
        self.config = session_preset(mlp_slice.MLPSliceConfig, dataset=dataset, width=width, activation=activation,
                                     steps=steps, seed=seed)
        self.grid_n = self.config.grid
        self.status = Status("")
        self.dataset = _dropdown("Dataset", mlp_slice.DATASETS, dataset, "mlp-dataset")
        self.width_ = _dropdown("Width", (16, 32, 64, 128), width, "mlp-width")
        self.activation = _dropdown("Activation", ("tanh", "relu"), activation, "mlp-activation")
        self.steps = _dropdown("Steps", (100, 300, 1000), self.config.steps, "mlp-steps")
        self.seed = NumberField("Seed", seed, 0, 99999, name="mlp-seed")
        self.button = css_class(widgets.Button(description="Train and look", button_style="primary"), "ht-train")
        self.progress = css_class(widgets.IntProgress(value=0, min=0, max=5, description="",
                                                      layout=widgets.Layout(width="14em")), "ht-progress")
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], subplot_titles=(
            "Loss on a filter-normalised slice through the trained weights",
            "Loss on the line from init (t = 0) to trained (t = 1)"))
        # The slice is a picture in the layout (see heatmap_image), trace 0 draws its colour bar
        # (fixed to [0, 1], relabelled per run: colorbar_ticks) and trace 4 shows the loss under
        # the mouse (hover_points).
        self._grid = np.linspace(-1.0, 1.0, self.grid_n, dtype=np.float32)
        blank = np.zeros((self.grid_n, self.grid_n))
        fig.add_trace(colorbar_trace("loss", 0.0, 1.0, x=0.5, **colorbar_ticks(0.0, 1.0)), 1, 1)
        fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(symbol="x", size=10, color="white")), 1, 1)
        fig.add_trace(go.Scatter(name="train loss", line=dict(color=COLORS[0])), 1, 2)
        fig.add_trace(go.Scatter(name="chord (what a convex loss stays under)", mode="lines",
                                 line=dict(color=COLORS[1], dash="dot")), 1, 2)
        fig.add_trace(hover_points(self._grid, self._grid, blank,
                                   hovertemplate="alpha=%{x:.2f}<br>beta=%{y:.2f}<br>loss=%{customdata:.4g}"
                                                 "<extra></extra>"), 1, 1)
        fig.add_layout_image(image_placement("", self._grid, self._grid))
        image = fig.layout.images[0]
        fig.update_xaxes(title_text="alpha", range=[image.x, image.x + image.sizex], showgrid=False,
                         zeroline=False, row=1, col=1)
        fig.update_yaxes(title_text="beta", range=[image.y - image.sizey, image.y], showgrid=False,
                         zeroline=False, row=1, col=1)
        fig.update_xaxes(title_text="t", row=1, col=2)
        self.fig = fig  # a plain Figure until it holds its first data (see figure_widget)
        self.button.on_click(lambda _: self.run())
        controls = widgets.HBox([self.dataset, self.width_, self.activation, self.steps, self.seed],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, widgets.HBox([self.button, self.progress]), self.summary, self.status])
        css_class(self, "ht-view", "ht-lab1-mlp")
        self.run()
        self.fig = figure_widget(self.fig, name="mlp")
        self.children = [controls, widgets.HBox([self.button, self.progress]), self.fig,
                         self.summary, self.status]

    @guarded()
    def run(self):
        self.button.disabled = True
        release_over_budget()  # the kernel over its budget: make room before training compiles more
        try:
            self._run()
        finally:
            self.button.disabled = False
            release_over_budget(at_end=True)  # training and the Hessians compiled programs: drop them

    def _run(self):
        self.config = dataclasses.replace(self.config, dataset=self.dataset.value, width=int(self.width_.value),
                                          activation=self.activation.value, steps=int(self.steps.value),
                                          seed=int(self.seed.value))
        experiment = mlp_slice.MLPSlice(self.config)
        self.progress.value = 0
        self.status.info("Training...")
        with Timer() as t:
            for k, (_, message) in enumerate(experiment.steps(), start=1):
                self.progress.value = k
                self.status.info(message[:1].upper() + message[1:] + "...")
        res = experiment.result
        l0, l1 = float(res.violations.losses[0]), float(res.violations.losses[-1])
        source, zmin, zmax = heatmap_image(res.slice_losses)
        with self.fig.batch_update():
            self.fig.layout.images[0].source = source
            self.fig.data[0].marker.colorbar.update(colorbar_ticks(zmin, zmax))
            self.fig.data[4].customdata = grid_points(res.grid, res.grid, res.slice_losses)[2]
            self.fig.data[2].update(x=compact(mlp_slice.LINE_T), y=compact(res.line_losses))
            self.fig.data[3].update(x=[0.0, 1.0], y=[l0, l1])
        report = res.violations
        verdict = ("<b>Not convex</b>: along the init-to-trained line, midpoint convexity fails on "
                   f"{report.n_violations} of {report.n_checks} checks (worst gap {report.max_gap:.3g})."
                   if not report.convex else
                   "No midpoint-convexity violation along the init-to-trained line: this 1-D view looks "
                   "convex, which does not make the loss convex.")
        lam_min, lam_max = res.slice_curvature
        lo, hi = res.hessian_extremes
        self.summary.value = (
            f"<p>{self.config.dataset}: {res.n_params:,} parameters, {self.config.steps} Adam steps; "
            f"train accuracy {res.train_accuracy:.1%}, test accuracy {res.test_accuracy:.1%}"
            f"{' (training diverged at step %d)' % res.diverged_at if res.diverged_at is not None else ''}.</p>"
            f"<p>{verdict}</p><p>Curvature on the slice: smallest {lam_min:.3g}, largest {lam_max:.3g}"
            f"{' (negative: a direction curving down)' if lam_min < 0 else ''}. Full Hessian at the "
            f"trained weights (Lanczos): smallest eigenvalue {lo:.3g}, largest {hi:.3g}.</p>")
        self.status.ok(f"Done in {t.ms / 1e3:.1f} s.")
