"""Lab 2 dashboards: NP-hard training instances (Blum-Rivest, Judd) and irrational optima.

Size: five views of one lab (reduction, GD restarts, scaling, Judd, irrational optimum), each
a widget class; they compute nothing (experiments do) but each lays out its own figure.

Each view is one widget (controls, one FigureWidget, a status line) bound to an experiment of
:mod:`hardtrain.experiments` (:mod:`~hardtrain.experiments.reduction`,
:mod:`~hardtrain.experiments.gd_restarts`, :mod:`~hardtrain.experiments.scaling`,
:mod:`~hardtrain.experiments.loading`, :mod:`~hardtrain.experiments.irrational`); none holds
numerics or sizes of its own. Sizes come from small fixed sets so that compiled programs are
reused; long runs go through :class:`LongRun` (progress, Stop, budget).
"""

from __future__ import annotations

import dataclasses
import html

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import hardness as hd
from ..experiments import gd_restarts, irrational, loading, reduction, scaling, session_preset
from .common import (COLORS, LongRun, NumberField, Status, Timer, colorbar_trace, compact, css_class,
                     figure_widget, guarded, heatmap_image, hover_points, image_placement)
from .pagestate import shareable
from .player import Player, series

__all__ = ["Instance", "ReductionView", "GDRestartsView", "ScalingView", "JuddView",
           "IrrationalView", "PRESETS"]

PLUS, MINUS = COLORS[0], COLORS[1]

#: Instances a learner can pick (name -> how to build it).
PRESETS = ("paper example", "triangle", "random", "pigeonhole formula (2 holes)", "DIMACS formula", "typed")

#: The DIMACS box's first content: (x1 or x2 or not x3) and (not x1 or x3) and (not x2 or not x3).
DIMACS_EXAMPLE = "c a small satisfiable 3-CNF\np cnf 3 3\n1 2 -3 0\n-1 3 0\n-2 -3 0\n"


def _dropdown(label, options, value, name):
    return css_class(widgets.Dropdown(options=options, value=value, description=label,
                                      style={"description_width": "initial"}), f"ht-lab2-{name}")


class Instance:
    """The learner's current Set-Splitting instance, shared by the views of a page.

    Attributes:
      n, subsets: the instance (0-based). label: where it came from. listeners: callables run
      after a change.
    """

    def __init__(self, n: int, subsets, label: str):
        self.n, self.subsets, self.label = n, subsets, label
        self.listeners = []

    def set(self, n, subsets, label):
        """Replace the instance (already validated) and notify the listeners."""
        self.n, self.subsets, self.label = n, subsets, label
        for fn in self.listeners:
            fn()

    def dataset(self, gadget: bool = True):
        """The Blum-Rivest training set (X, y) of the instance (``hardness.blum_rivest_dataset``)."""
        return hd.blum_rivest_dataset(self.n, self.subsets, gadget=gadget)


def _projection(X: np.ndarray) -> np.ndarray:
    """First two principal components of X (NumPy SVD), shape (m, 2); zero-padded if rank < 2."""
    Xc = X - X.mean(0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    P = Xc @ vt[:2].T
    if P.shape[1] < 2:
        P = np.hstack([P, np.zeros((len(P), 2 - P.shape[1]))])
    return P


def _jitter(k: int, seed: int = 0) -> np.ndarray:
    return 0.04 * np.random.default_rng(seed).standard_normal((k, 2))


@shareable("reduction")
class ReductionView(widgets.VBox):
    """Section 1: a hypergraph becomes a training set; the exact solver decides it.

    Type a hypergraph ("1 2 | 2 3", elements from 1 as in the paper) or pick a preset; the view
    shows the Blum-Rivest training set (table and a 2-D projection), runs the exact solver
    (LP per assignment, within a budget), and shows the two planes through the positions of the
    points relative to them, the colouring read back from the network, and the SAT solver's
    verdict. Switching the gadget off lets an unrestricted output unit "cheat".
    """

    BUDGET_S = 15.0  # seconds for one exact solve; past it the verdict says so, with the estimate
    MAX_ROWS = 40

    def __init__(self, instance: Instance | None = None, preset: str = "paper example"):
        self.instance = instance or Instance(*hd.PAPER_EXAMPLE, "paper example")
        self.status = Status("")
        self.preset = _dropdown("Instance", PRESETS, preset, "preset")
        self.text = css_class(widgets.Text(value=hd.format_hypergraph(self.instance.subsets),
                                           description="Hypergraph", continuous_update=False,
                                           placeholder="e.g. 1 2 | 2 3",
                                           style={"description_width": "initial"},
                                           layout=widgets.Layout(width="28em")), "ht-lab2-hypergraph")
        self.text_msg = css_class(widgets.HTML(""), "ht-field-message")
        self.rand_n = NumberField("Random: elements n", 6, 3, 14, name="lab2-random-n",
                                  on_change=lambda _: self._preset_changed())
        self.rand_seed = NumberField("seed", 0, 0, 99999, name="lab2-random-seed",
                                     on_change=lambda _: self._preset_changed())
        self.dimacs = css_class(widgets.Textarea(value=DIMACS_EXAMPLE, description="DIMACS CNF",
                                                 continuous_update=False, rows=5,
                                                 style={"description_width": "initial"},
                                                 layout=widgets.Layout(width="28em", display="none")),
                                "ht-lab2-dimacs")
        self.dimacs_msg = css_class(widgets.HTML(""), "ht-field-message")
        self.cnf = None  # (clauses, n_vars) when the instance came from a formula
        self.gadget = css_class(widgets.Checkbox(value=True, description="gadget (3 extra coordinates)",
                                                 indent=False), "ht-lab2-gadget")
        self.output = _dropdown("Output unit", ("any", "and"), "any", "output")
        self.table = css_class(widgets.HTML(), "ht-lab2-table")
        self.verdict = css_class(widgets.HTML(), "ht-lab2-verdict", "ht-summary")
        fig = make_subplots(rows=1, cols=2, subplot_titles=(
            "Training set (2-D projection)", "Points relative to the two planes"))
        for col in (1, 2):
            fig.add_trace(go.Scatter(mode="markers", name="+ points", showlegend=col == 1,
                                     marker=dict(color=PLUS, size=10, symbol="circle")), 1, col)
            fig.add_trace(go.Scatter(mode="markers", name="- points", showlegend=col == 1,
                                     marker=dict(color=MINUS, size=10, symbol="x")), 1, col)
        fig.update_xaxes(title_text="principal component 1", row=1, col=1)
        fig.update_yaxes(title_text="principal component 2", row=1, col=1)
        fig.update_xaxes(title_text="plane 1: w1.x + b1 (> 0: + side)", zeroline=True,
                         zerolinewidth=2, zerolinecolor="#444", row=1, col=2)
        fig.update_yaxes(title_text="plane 2: w2.x + b2", zeroline=True, zerolinewidth=2,
                         zerolinecolor="#444", row=1, col=2)
        self.fig = fig  # a plain Figure until it holds its first data (see figure_widget)
        self.preset.observe(lambda _: self._preset_changed(), names="value")
        self.text.observe(lambda ch: self._typed(ch["new"]), names="value")
        self.dimacs.observe(lambda _: self._preset_changed(), names="value")
        self.gadget.observe(lambda _: self.solve(), names="value")
        self.output.observe(lambda _: self.solve(), names="value")
        self.instance.listeners.append(self.solve)
        row1 = widgets.HBox([self.preset, self.rand_n, self.rand_seed], layout=widgets.Layout(flex_flow="row wrap"))
        row2 = widgets.VBox([widgets.HBox([self.text, self.text_msg], layout=widgets.Layout(flex_flow="row wrap")),
                             widgets.HBox([self.dimacs, self.dimacs_msg], layout=widgets.Layout(flex_flow="row wrap"))])
        row3 = widgets.HBox([self.gadget, self.output], layout=widgets.Layout(flex_flow="row wrap"))
        self._controls = [row1, row2, row3]
        super().__init__(self._controls + [self.verdict, self.status])
        css_class(self, "ht-view", "ht-lab2-reduction")
        if preset != "paper example":
            self._preset_changed()
        else:
            self.solve()
        self.fig = figure_widget(self.fig, height=430, name="reduction")
        acc = widgets.Accordion(children=[self.table], titles=("The training set as a table",))
        self.children = self._controls + [self.fig, self.verdict, self.status, acc]

    # ------------------------------------------------------------------ instance input
    @guarded()
    def _preset_changed(self):
        name = self.preset.value
        self.dimacs.layout.display = "" if name == "DIMACS formula" else "none"
        if name == "typed":
            return self._typed(self.text.value)
        cnf = None
        if name == "DIMACS formula":
            try:
                cnf = hd.parse_dimacs(self.dimacs.value)
                n, subs = hd.cnf_to_set_splitting(*cnf)
            except ValueError as exc:
                self.dimacs_msg.value = f'<span class="ht-msg ht-error" role="alert">{html.escape(str(exc))}</span>'
                self.status.error("The formula was not changed: " + str(exc))
                return
            if n > 24:
                msg = (f"this formula becomes {n} elements (2 per variable, plus 2); this page accepts at most 24, "
                       "i.e. formulas with at most 11 variables")
                self.dimacs_msg.value = f'<span class="ht-msg ht-error" role="alert">{html.escape(msg)}</span>'
                self.status.error(msg)
                return
            self.dimacs_msg.value = ""
        elif name == "paper example":
            n, subs = hd.PAPER_EXAMPLE
        elif name == "triangle":
            n, subs = hd.TRIANGLE
        elif name == "random":
            n = int(self.rand_n.value)
            n, subs = hd.random_instance(n, round(2.5 * n), 3, seed=int(self.rand_seed.value))
        elif name.startswith("pigeonhole"):
            cnf = hd.pigeonhole_cnf(2)
            n, subs = hd.cnf_to_set_splitting(*cnf)
        self.cnf = cnf
        self.text_msg.value = ""
        self._set_text(hd.format_hypergraph(subs))
        self.instance.set(n, subs, name)

    def _set_text(self, value):
        self._quiet = True
        try:
            self.text.value = value
        finally:
            self._quiet = False

    @guarded()
    def _typed(self, text):
        if getattr(self, "_quiet", False):
            return
        try:
            n, subs = hd.parse_hypergraph(text)
        except ValueError as exc:
            self.text_msg.value = f'<span class="ht-msg ht-error" role="alert">{html.escape(str(exc))}</span>'
            self.status.error("The hypergraph was not changed: " + str(exc))
            return
        if n > 24:
            msg = (f"{n} elements: the exact solver's enumeration grows like 2^n; this page accepts at "
                   "most 24 elements")
            self.text_msg.value = f'<span class="ht-msg ht-error" role="alert">{html.escape(msg)}</span>'
            self.status.error(msg)
            return
        self.text_msg.value = ""
        self.cnf = None
        if self.preset.value != "typed":
            self._quiet = True
            try:
                self.preset.value = "typed"
            finally:
                self._quiet = False
            self.dimacs.layout.display = "none"
        self.instance.set(n, subs, "typed")

    # ------------------------------------------------------------------ solving
    def _render_table(self, X, y):
        n = self.instance.n
        head = "".join(f"<th>x{j + 1}</th>" for j in range(X.shape[1]))
        rows = []
        for i, (x, lab) in enumerate(zip(X[:self.MAX_ROWS], y[:self.MAX_ROWS])):
            cells = "".join(f"<td>{v}</td>" for v in x)
            colour = PLUS if lab > 0 else MINUS
            rows.append(f'<tr><td>{i + 1}</td>{cells}<td style="color:{colour};font-weight:bold">'
                        f'{"+" if lab > 0 else "-"}</td></tr>')
        more = (f"<p>... and {len(y) - self.MAX_ROWS} more points.</p>" if len(y) > self.MAX_ROWS else "")
        gad = (f" Columns x{n + 1}..x{n + 3} are the gadget." if X.shape[1] > n else "")
        self.table.value = (f"<p>{len(y)} points in {{0,1}}^{X.shape[1]}: the origin (+), the unit "
                            f"vectors e_1..e_{n} (-), one + point per subset.{gad}</p>"
                            '<div style="max-height:22em;overflow:auto"><table class="ht-table">'
                            f"<tr><th>#</th>{head}<th>label</th></tr>{''.join(rows)}</table></div>{more}")

    @guarded()
    def solve(self):
        """Build the training set, decide it exactly (SAT and LP enumeration), update the page."""
        if getattr(self, "_quiet", False):
            return
        inst = self.instance
        gadget = bool(self.gadget.value)
        output = self.output.value
        X, y = inst.dataset(gadget)
        self._render_table(X, y)
        # Sent to the page at once: an exact solve can take up to the budget, and the learner
        # should see that the kernel is working rather than a frozen page.
        self.status.info(f"Solving exactly: SAT solver, then one LP per assignment of the - points "
                         f"(budget {self.BUDGET_S:g} s)...")
        d = reduction.decide(inst.n, inst.subsets, gadget=gadget, output=output, budget_s=self.BUDGET_S,
                             cnf=self.cnf)
        if d.budget_exceeded is not None:
            self.verdict.value = f"<p><b>Exact solver: budget exceeded.</b> {html.escape(d.budget_exceeded)}</p>"
            self.status.info(f"{inst.label}: {inst.n} elements, {len(inst.subsets)} subsets, {len(y)} points.")
            return
        net, colours = d.network, d.colours
        P = _projection(X.astype(float)) + _jitter(len(y))
        pos, neg = y > 0, y < 0
        with self.fig.batch_update():
            self.fig.data[0].update(x=compact(P[pos, 0]), y=compact(P[pos, 1]))
            self.fig.data[1].update(x=compact(P[neg, 0]), y=compact(P[neg, 1]))
            if net is not None and net.kind in ("and", "or"):
                Z = net.preactivations(X) + _jitter(len(y), 1) * np.abs(net.preactivations(X)).max() / 4
                self.fig.data[2].update(x=compact(Z[pos, 0]), y=compact(Z[pos, 1]))
                self.fig.data[3].update(x=compact(Z[neg, 0]), y=compact(Z[neg, 1]))
            else:
                for k in (2, 3):
                    self.fig.data[k].update(x=[], y=[])
        sat = ("<b>splittable</b>: a colouring (1-based elements, colour 0 | colour 1): "
               + _colour_text(colours) if colours is not None else "<b>not splittable</b>")
        lines = [f"<p>SAT solver (python-sat, {d.sat_ms:.1f} ms): the hypergraph is {sat}.</p>"]
        if self.cnf is not None:
            clauses, nv = self.cnf
            if colours is None:
                lines.append(f"<p>So the formula ({nv} variable(s), {len(clauses)} clause(s)) is <b>unsatisfiable</b> "
                             "(3-SAT -> NAE-SAT -> Set-Splitting preserves the answer).</p>")
            else:
                assignment, ok = d.assignment, d.satisfied
                values = ", ".join(f"x{v + 1}={'T' if a else 'F'}" for v, a in enumerate(assignment))
                lines.append(f"<p>So the formula is <b>satisfiable</b>; the assignment read off the colouring "
                             f"({values}) {'satisfies every clause' if ok else 'FAILS a clause'}.</p>")
        lp_note = f"{d.lps} LP feasibility checks (HiGHS) in {d.exact_ms:.0f} ms"
        if net is None:
            lines.append(f"<p><b>Exact solver: no 3-node network</b> (output {output}) classifies every "
                         f"point; proved by {lp_note}: every assignment of the - points to a plane "
                         "was ruled out.</p>")
        else:
            kind = {"and": "AND of the two planes: the + points are the quadrant where both say +",
                    "or": "OR: the - points are the quadrant where both planes say + (labels swapped)",
                    "single": "one plane suffices (linearly separable)",
                    "constant": "a constant output"}[net.kind]
            lines.append(f"<p><b>Exact solver: a network classifies all {len(y)} points</b>, verified "
                         f"point by point ({lp_note}). Output: {kind}.</p>")
            lines.append("<p>" + _planes_text(net) + "</p>")
            if d.readback is not None:
                back = d.readback
                if d.readback_is_splitting:
                    lines.append("<p>Colouring read back from the network (reverse proof: elements whose "
                                 f"unit vector plane 1 cuts off get colour 0): {_colour_text(back)}, "
                                 "<b>a valid splitting</b>.</p>")
                else:
                    lines.append("<p>Colouring read back from the network: " + _colour_text(back) +
                                 ", <b>not a splitting</b>. Without the gadget the output unit can cheat: "
                                 "the - points all have coordinate sum 1 and the + points 0 or >= 2, so the "
                                 "slab 1/2 < sum x < 3/2 holds exactly the - points. Tick the gadget.</p>")
        self.verdict.value = "".join(lines)
        self.status.ok(f"{inst.label}: {inst.n} elements, {len(inst.subsets)} subsets -> {len(y)} points "
                       f"in dimension {X.shape[1]} ({'with' if gadget else 'without'} the gadget). "
                       f"Exact-solver budget: {self.BUDGET_S:g} s.")


def _colour_text(colours) -> str:
    zero = " ".join(str(i + 1) for i, c in enumerate(colours) if c == 0) or "none"
    one = " ".join(str(i + 1) for i, c in enumerate(colours) if c == 1) or "none"
    return f"{{{zero}}} | {{{one}}}"


def _planes_text(net) -> str:
    def fmt(w, b):
        terms = " ".join(f"{v:+.3g} x{j + 1}" for j, v in enumerate(w) if abs(v) > 1e-9) or "0"
        return f"{terms} {b:+.3g} &gt; 0"

    if net.kind == "constant":
        return "Output constant."
    if net.kind == "single":
        return "Plane: " + fmt(net.W[0], net.b[0])
    return f"Plane 1: {fmt(net.W[0], net.b[0])}<br>Plane 2: {fmt(net.W[1], net.b[1])}"


@shareable("gd")
class GDRestartsView(widgets.VBox):
    """Section 2: gradient descent on the smooth relaxation, many restarts in one compiled call.

    Shows the distribution of training errors (after thresholding every unit) over the restarts,
    the success rate, and the success rate against hidden width for the current instance.
    """

    WIDTHS = gd_restarts.WIDTHS
    RESTARTS = gd_restarts.RESTART_CHOICES
    STEPS = gd_restarts.STEP_CHOICES

    def __init__(self, instance: Instance, restarts: int = 256, steps: int = 500, width: int = 2,
                 seed: int = 0):
        config = session_preset(gd_restarts.GDRestartsConfig, restarts=restarts, steps=steps, seed=seed)
        self.instance = instance
        self.status = Status("")
        self.restarts = _dropdown("Restarts", self.RESTARTS, config.restarts, "restarts")
        self.steps = _dropdown("Steps", self.STEPS, config.steps, "steps")
        self.width = _dropdown("Hidden units", self.WIDTHS, width, "width")
        self.seed = NumberField("Seed", seed, 0, 99999, name="lab2-seed")
        self.button = css_class(widgets.Button(description="Run GD", button_style="primary"),
                                "ht-lab2-run-gd")
        self.all_button = css_class(widgets.Button(description="All widths"),
                                    "ht-lab2-all-widths")
        self.summary = css_class(widgets.HTML(), "ht-summary")
        self.longrun = LongRun("Widths", budget_s=120.0)
        fig = make_subplots(rows=1, cols=2, subplot_titles=(
            "Training errors after thresholding, over restarts", "Success rate vs hidden units"))
        fig.add_trace(go.Bar(name="restarts", marker_color=COLORS[0], showlegend=False), 1, 1)
        fig.add_trace(go.Scatter(mode="lines+markers", name="success rate", showlegend=False,
                                 marker=dict(size=10, color=COLORS[2])), 1, 2)
        fig.update_xaxes(title_text="misclassified training points (0 = success)", dtick=1, row=1, col=1)
        fig.update_yaxes(title_text="restarts", row=1, col=1)
        fig.update_xaxes(title_text="hidden units", tickvals=list(self.WIDTHS), row=1, col=2)
        fig.update_yaxes(title_text="success rate", range=[-0.05, 1.05], row=1, col=2)
        self.fig = fig
        self._rates: dict[int, float] = {}
        self._key = None
        self.button.on_click(lambda _: self.run_one())
        self.all_button.on_click(lambda _: self.run_all())
        instance.listeners.append(self._instance_changed)
        controls = widgets.HBox([self.restarts, self.steps, self.width, self.seed],
                                layout=widgets.Layout(flex_flow="row wrap"))
        buttons = widgets.HBox([self.button, self.all_button, self.longrun],
                               layout=widgets.Layout(flex_flow="row wrap"))
        self.player = Player("gd", label="Adam step")  # replays the histogram in the browser
        super().__init__([controls, buttons, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab2-gd")
        self.run()
        self.fig = figure_widget(self.fig, height=380, name="gd")
        self.children = [controls, buttons, self.fig, self.player, self.summary, self.status]

    def _instance_changed(self):
        self._rates = {}
        self.run()

    def _settings(self):
        return (self.instance.n, self.instance.subsets, int(self.restarts.value), int(self.steps.value),
                int(self.seed.value))

    @guarded()
    def run(self, width: int | None = None):
        """Train all restarts at one width (default: the control's) and update the figure."""
        if self._key != self._settings():
            self._rates, self._key = {}, self._settings()
        w = int(self.width.value) if width is None else width
        steps = int(self.steps.value)
        every = max(1, steps // 100)  # about 100 frames for the replay
        config = gd_restarts.GDRestartsConfig(restarts=int(self.restarts.value), steps=steps,
                                              seed=int(self.seed.value), history_every=every)
        with Timer() as t:
            res = gd_restarts.run(config, self.instance.n, self.instance.subsets, width=w)
        r = res.gd
        counts = np.bincount(r.errors, minlength=1)
        self._rates[w] = r.success_rate
        ws = sorted(self._rates)
        with self.fig.batch_update():
            self.fig.data[0].update(x=compact(np.arange(len(counts))), y=compact(counts))
            self.fig.data[1].update(x=compact(np.array(ws, float)),
                                    y=compact(np.array([self._rates[k] for k in ws])))
        # The replay: the histogram of errors across restarts after 0, k, 2k, ... Adam steps.
        hist = r.error_history
        bins = max(len(counts), int(hist.max()) + 1)
        frames = np.stack([np.bincount(hist[:, j], minlength=bins) for j in range(hist.shape[1])])
        self.player.every = r.history_every
        self.player.show([series(0, np.arange(bins), frames, kind="frames")])
        exists = res.solution_exists
        truth = ("a perfect 3-node network <b>exists</b> (the instance is splittable)" if exists else
                 "<b>no</b> perfect 3-node network exists (not splittable)")
        self.summary.value = (f"<p>{w} hidden units: <b>{r.n_success} of {r.restarts}</b> restarts "
                              f"(success rate {r.success_rate:.1%}) found weights that classify every point "
                              f"after thresholding; median error {int(np.median(r.errors))} point(s). "
                              f"Ground truth from the exact solver: {truth}.</p>")
        self.status.ok(f"{r.restarts} restarts x {r.steps} Adam steps, one compiled vmapped call: {t.ms:.0f} ms "
                       "(the first call of a new setting includes compiling).")

    def width_steps(self):
        """All widths as a LongRun generator: one width (one compiled vmapped run) per chunk."""
        for i, w in enumerate(self.WIDTHS):
            self.run(width=w)
            yield (i + 1) / len(self.WIDTHS), f"{w} hidden units: success rate {self._rates.get(w, float('nan')):.1%}"

    def _one_width(self):
        self.run()
        yield 1.0, f"{int(self.width.value)} hidden units done"

    @guarded()
    def run_one(self):
        """Run the chosen width in the background (the progress line shows that it runs)."""
        self.longrun.start(self._one_width())

    @guarded()
    def run_all(self):
        """Run every width in the background, with progress and Stop."""
        self.longrun.start(self.width_steps())


@shareable("scaling")
class ScalingView(widgets.VBox):
    """Section 3: exact solver time and GD success against instance size, with Stop and a budget.

    Random instances (3-element subsets, 2 to 3.5 per element) of growing size; for each: the exact
    3-node solver (exponential), the SAT solver, the single-perceptron LP (polynomial) on the same
    data, and the success rate of GD with 2 hidden units. Time on a log axis.
    """

    def __init__(self, max_n: int = 14, per_size: int = 2, budget_s: float = 60.0, seed: int = 0,
                 initial_max_n: int = 8):
        self.config = session_preset(scaling.ScalingConfig, max_n=max_n, per_size=per_size, budget_s=budget_s,
                                     seed=seed, initial_max_n=initial_max_n)
        self.status = Status("")
        self.max_n = NumberField("Largest n", self.config.max_n, 4, 30, name="lab2-max-n")
        self.per_size = NumberField("Instances per size", self.config.per_size, 1, 10, name="lab2-per-size")
        self.seed = NumberField("Seed", seed, 0, 99999, name="lab2-scaling-seed")
        self.ratio = _dropdown("Subsets per element", (2.0, 2.5, 3.5), 2.5, "ratio")
        self.run_button = css_class(widgets.Button(description="Run sweep",
                                                   button_style="primary"), "ht-lab2-run-sweep")
        self.longrun = LongRun("Sweep", budget_s=self.config.budget_s)
        self.exact_budget_s = self.config.exact_budget_s
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        lps = "n = %{x}<br>%{y:.3g} s<br>%{text}<extra></extra>"  # hover: the work, not only the time
        fig.add_trace(go.Scatter(mode="markers", name="exact 3-node solver (LP per assignment)",
                                 marker=dict(color=COLORS[1], size=9), hovertemplate=lps))
        fig.add_trace(go.Scatter(mode="markers", name="exact solver stopped at its budget",
                                 marker=dict(color=COLORS[1], size=12, symbol="triangle-up-open"),
                                 hovertemplate=lps))
        fig.add_trace(go.Scatter(mode="markers", name="SAT solver on the hypergraph",
                                 marker=dict(color=COLORS[4], size=7, symbol="square")))
        fig.add_trace(go.Scatter(mode="markers", name="one perceptron: LP (polynomial)",
                                 marker=dict(color=COLORS[0], size=7, symbol="diamond")))
        fig.add_trace(go.Scatter(mode="lines+markers", name="GD success rate (2 hidden units)",
                                 line=dict(color=COLORS[2], dash="dot")), secondary_y=True)
        fig.update_xaxes(title_text="elements n (the dataset has n + 3 dimensions)", dtick=2)
        fig.update_yaxes(title_text="seconds (log scale)", type="log", dtick=1, exponentformat="power",
                         secondary_y=False)
        fig.update_yaxes(title_text="GD success rate", range=[-0.05, 1.05], tickmode="linear", tick0=0,
                         dtick=0.25, showgrid=False, secondary_y=True)
        self.fig = fig
        self.points: list = []
        self.run_button.on_click(lambda _: self.start())
        controls = widgets.HBox([self.max_n, self.per_size, self.ratio, self.seed, self.run_button],
                                layout=widgets.Layout(flex_flow="row wrap"))
        self._controls = controls
        super().__init__([controls, self.longrun, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab2-scaling")
        # A first, small sweep so that the figure opens with data (the learner then runs further).
        self.longrun.run_blocking(self.steps(min(int(self.config.initial_max_n), int(self.max_n.value))))
        self.fig = figure_widget(self.fig, height=430, name="scaling")
        self.children = [self._controls, self.longrun, self.fig, self.summary, self.status]

    def sizes(self, max_n: int | None = None) -> list[int]:
        """Element counts of the sweep: 4, 6, ... up to ``max_n`` (default: the control's value)."""
        return self.config.sizes(int(self.max_n.value) if max_n is None else int(max_n))

    def steps(self, max_n: int | None = None):
        """The sweep as a LongRun generator: one instance per chunk."""
        self.points = []
        self.config = dataclasses.replace(self.config, max_n=int(self.max_n.value), per_size=int(self.per_size.value),
                                          ratio=float(self.ratio.value), seed=int(self.seed.value))
        sizes = self.sizes(max_n)
        total = len(sizes) * self.config.per_size
        for p in scaling.sweep(self.config, sizes[-1] if sizes else None):
            self.points.append(p)
            self._redraw()
            yield len(self.points) / total, f"n = {p.n}: exact solver {p.exact_s:.2f} s"

    def _redraw(self):
        pts = self.points
        done = [p for p in pts if p.exact_done]
        cut = [p for p in pts if not p.exact_done]
        ns = sorted({p.n for p in pts})
        gd = [np.nanmean([p.gd_success for p in pts if p.n == n]) for n in ns]
        with self.fig.batch_update():
            self.fig.data[0].update(x=compact(np.array([p.n for p in done], float)),
                                    y=compact(np.array([p.exact_s for p in done])),
                                    text=[f"{p.exact_lps} LPs, {'splittable' if p.splittable else 'not splittable'}"
                                          for p in done])
            self.fig.data[1].update(x=compact(np.array([p.n for p in cut], float)),
                                    y=compact(np.array([p.exact_s for p in cut])),
                                    text=[f"{p.exact_lps} LPs before the budget ran out" for p in cut])
            self.fig.data[2].update(x=compact(np.array([p.n for p in pts], float)),
                                    y=compact(np.array([max(p.sat_s, 1e-5) for p in pts])))
            self.fig.data[3].update(x=compact(np.array([p.n for p in pts], float)),
                                    y=compact(np.array([p.lp_s for p in pts])))
            self.fig.data[4].update(x=compact(np.array(ns, float)), y=compact(np.array(gd)))
        if done:
            big = max(done, key=lambda p: p.n)
            self.summary.value = (f"<p>{len(pts)} instances. Largest n solved exactly: {big.n} "
                                  f"({big.exact_lps} LPs, {big.exact_s:.2f} s). Splittable: "
                                  f"{sum(p.splittable for p in pts)} of {len(pts)}; the exact solver agreed "
                                  f"on every instance it finished. Exact-solve budget {self.exact_budget_s:g} s "
                                  "per instance.</p>")

    def run_blocking(self) -> bool:
        """Run the sweep to the end or the budget (for tests); returns whether it was stopped."""
        return self.longrun.run_blocking(self.steps())

    @guarded()
    def start(self):
        """Start the sweep in the background of the kernel (progress bar, Stop button)."""
        self.longrun.start(self.steps())


@shareable("judd")
class JuddView(widgets.VBox):
    """Section 4: Judd's loading problem on tiny instances, exactly (HTML, no figure).

    XOR and the triangle's Blum-Rivest data (with the gadget): how many examples can a perceptron
    and the 3-node network get right, and is that at least 2/3 of them?
    """

    def __init__(self):
        self.status = Status("")
        self.out = css_class(widgets.HTML(), "ht-lab2-judd-table")
        super().__init__([self.out, self.status])
        css_class(self, "ht-view", "ht-lab2-judd")
        self.compute()

    @guarded()
    def compute(self):
        """Decide the loading problem for both instances and architectures; fill the table."""
        rows = []
        with Timer() as t:
            table = loading.table()
        sizes = {name: len(y) for name, (_, y) in loading.instances().items()}
        for r in table:
            rows.append(f"<tr><td>{r.instance} ({sizes[r.instance]} points)</td><td>{r.architecture}</td>"
                        f"<td>{r.best_correct} of {r.n_examples}</td>"
                        f"<td>{'yes' if r.loadable_all else 'no'}</td>"
                        f"<td>{'yes' if r.loadable_two_thirds else 'no'}</td></tr>")
        self.out.value = ('<table class="ht-table"><tr><th>examples</th><th>architecture</th>'
                          "<th>most examples correct</th><th>loadable (all)</th><th>loadable (2/3)</th></tr>"
                          + "".join(rows) + "</table>")
        self.status.ok(f"Decided exactly by brute force over subsets of the examples in {t.ms:.0f} ms.")


@shareable("irrational")
class IrrationalView(widgets.VBox):
    """Section 5: an irrational optimum. Profile loss landscape, exact vs rational, GD plateaus.

    The loss of f(x) = a relu(w . x) (best a for each w) over the input weights, with the ray of
    optimal weights w2/w1 = (sqrt5 - 1)/2; GD end points from many N(0, 1) starts; the counts per
    plateau; and the best rational ratio with a bounded denominator against the exact optimum.
    """

    GRID = 121
    SEEDS = (64, 256, 1024)
    STEPS = (500, 2000)

    def __init__(self, seeds: int = 256, steps: int = 2000, learning_rate: float = 0.05, seed: int = 0):
        config = session_preset(irrational.GDConfig, seeds=seeds, steps=steps, learning_rate=learning_rate, seed=seed)
        self.status = Status("")
        self.seeds = _dropdown("Starts", self.SEEDS, config.seeds, "irr-seeds")
        self.steps = _dropdown("GD steps", self.STEPS, config.steps, "irr-steps")
        self.lr = NumberField("Learning rate", learning_rate, 1e-4, 0.2, name="lab2-irr-lr", positive=True,
                              on_change=lambda _: self.run_gd())
        self.seed = NumberField("Seed", seed, 0, 99999, name="lab2-irr-seed", on_change=lambda _: self.run_gd())
        self.denominator = NumberField("Largest denominator", 10, 1, 10 ** 6, name="lab2-denominator",
                                       on_change=lambda _: self.rational())
        self.exact = css_class(widgets.HTML(), "ht-lab2-exact")
        self.summary = css_class(widgets.HTML(), "ht-summary")
        opt = hd.irrational_optimum()
        self.opt = opt
        g, Z = irrational.profile(self.GRID)
        r = np.linspace(0, 2, 20)
        fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.16,
                            subplot_titles=("Loss with the best a, over input weights (w1, w2)",
                                            "Where GD ends: plateau counts"))
        # The loss is a picture in the layout (heatmap_image); trace 0 draws its colour bar and
        # trace 4 shows the loss under the mouse on every third grid point (hover_points).
        source, zmin, zmax = heatmap_image(Z)
        fig.add_layout_image(image_placement(source, g, g))
        fig.add_trace(colorbar_trace("loss", zmin, zmax, x=0.535), 1, 1)
        fig.add_trace(go.Scatter(x=compact(r), y=compact(opt.ratio * r), mode="lines",
                                 name="optimal ray w2/w1 = (sqrt5-1)/2", line=dict(color="white", dash="dash")), 1, 1)
        fig.add_trace(go.Scatter(mode="markers", name="GD end points (w)",
                                 marker=dict(color=COLORS[4], size=5, line=dict(color="black", width=0.5))), 1, 1)
        fig.add_trace(go.Bar(name="starts", marker_color=COLORS[0], showlegend=False), 1, 2)
        fig.add_trace(hover_points(g, g, Z, stride=3, hovertemplate="w1=%{x:.2f}<br>w2=%{y:.2f}<br>"
                                                                "loss=%{customdata:.3f}<extra></extra>"), 1, 1)
        fig.update_xaxes(title_text="w1", range=[-2, 2], showgrid=False, zeroline=False, row=1, col=1)
        fig.update_yaxes(title_text="w2", range=[-2, 2], showgrid=False, zeroline=False, row=1, col=1)
        fig.update_yaxes(title_text="starts", row=1, col=2)
        self.fig = fig
        for w in (self.seeds, self.steps):
            w.observe(lambda _: self.run_gd(), names="value")
        controls = widgets.HBox([self.seeds, self.steps, self.lr, self.seed], layout=widgets.Layout(flex_flow="row wrap"))
        self._controls = controls
        super().__init__([controls, self.summary, self.denominator, self.exact, self.status])
        css_class(self, "ht-view", "ht-lab2-irrational")
        self.rational()
        self.run_gd()
        self.fig = figure_widget(self.fig, height=440, name="irrational")
        self.children = [controls, self.fig, self.summary, self.denominator, self.exact, self.status]

    @guarded()
    def rational(self):
        """Show the exact optimum beside the best rational ratio with a bounded denominator."""
        D = int(self.denominator.value)
        best = irrational.rational(D)
        ratio, loss, gap = best.ratio, best.loss, best.gap
        self.exact.value = (
            f"<p>Exact (sympy): minimum loss <b>{self.opt.loss_expr} = {self.opt.loss:.10f}</b> at "
            f"w2/w1 = <b>{self.opt.ratio_expr} = {self.opt.ratio:.10f}</b>, irrational.<br>"
            f"Best rational ratio with denominator &le; {D}: <b>{ratio.numerator}/{ratio.denominator}</b>, "
            f"exact loss {loss.numerator}/{loss.denominator} = {float(loss):.10f}, "
            f"{gap:.2e} above the minimum (never 0: raise the denominator and watch the gap shrink).</p>")

    @guarded()
    def run_gd(self):
        """Run plain GD from all starts and show the end points and plateau counts."""
        with Timer() as t:
            run = irrational.run_gd(irrational.GDConfig(seeds=int(self.seeds.value), steps=int(self.steps.value),
                                                        learning_rate=float(self.lr.value), seed=int(self.seed.value)))
        names = list(hd.PLATEAUS)
        labels = [f"{n}<br>loss {self.opt.plateaus[n][1]:.4g}" for n in names]
        w = np.clip(run.w, -2, 2)
        with self.fig.batch_update():
            self.fig.data[2].update(x=compact(w[:, 0]), y=compact(w[:, 1]))
            self.fig.data[3].update(x=labels, y=compact(np.array([run.counts[n] for n in names], float)))
        ok = np.abs(run.final_loss - self.opt.loss) < 1e-3
        ratio_txt = (f"; their ratios w2/w1 lie in [{np.min(run.ratio[ok]):.5f}, {np.max(run.ratio[ok]):.5f}]"
                     if ok.any() else "")
        self.summary.value = (f"<p>Plain GD from {len(run.final_loss)} N(0,1) starts: "
                              f"<b>{run.found_optimum_rate:.1%}</b> reach the global minimum{ratio_txt}; the others "
                              "stop on a plateau where a ReLU is switched off for a data point and its "
                              "gradient is zero.</p>")
        self.status.ok(f"{len(run.final_loss)} starts x {int(self.steps.value)} GD steps in one compiled "
                       f"call: {t.ms:.0f} ms.")
