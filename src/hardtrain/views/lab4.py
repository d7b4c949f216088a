"""Lab 4 dashboards: pruning at initialisation vs after training, and the sanity checks.

Three views, each a widget (controls + one FigureWidget + a status line) over
:mod:`hardtrain.pruning`; none holds numerics of its own:

- :class:`PruningCurves`: test accuracy vs weights remaining, mean +- std over seeds, for every
  method beside random, magnitude-after-training and lottery-ticket rewinding; the full-scale
  curves come from ``assets/lab4/`` (precomputed, with provenance), a live run (progress bar,
  Stop) overlays the learner's own smaller study.
- :class:`Ablations`: layerwise shuffle, reinitialisation and inversion, per method.
- :class:`LayerFractions`: what each at-init method keeps in each layer, and layer collapse at
  extreme sparsity (computed live: scoring only, no training).

Each view has a *Network* toggle (class ``ht-lab4-arch``): the fully connected MLP or the small
1-D CNN (:class:`hardtrain.models.CNN1D`). It switches the precomputed study shown
(``assets/lab4/pruning_study.json`` or ``pruning_study_cnn.json``) and the live study's
config, so a learner can ask whether shuffling a mask hurts a convolutional net less than a
fully connected one, as the SNIP authors objected to Frankle et al. (ICLR 2021).

Open the page with precomputed figures at once (Voila shows a page only after every cell ran);
anything that trains runs only when the learner presses a button.
"""

from __future__ import annotations

import dataclasses
import html

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from .. import pruning
from ..config import fast_mode
from .common import COLORS, LongRun, NumberField, Status, compact, css_class, figure_widget, guarded

__all__ = ["PruningCurves", "Ablations", "LayerFractions", "live_config", "LABELS", "ARCH_LABELS"]

#: Display names of the curves.
LABELS = {"random": "random (at init)", "magnitude": "magnitude (at init)", "snip": "SNIP",
          "grasp": "GraSP", "synflow": "SynFlow", "magnitude_after": "magnitude after training",
          "lottery": "lottery ticket (rewinding)"}
_COLOR = {"random": "#7f7f7f", "magnitude": COLORS[5], "snip": COLORS[0], "grasp": COLORS[3],
          "synflow": COLORS[2], "magnitude_after": COLORS[1], "lottery": COLORS[4]}
_VARIANT_COLOR = {"original": "#1f77b4", "shuffled": "#ff7f0e", "reinit": "#2ca02c", "inverted": "#d62728"}
#: Methods a learner can show or hide; the baselines (random, magnitude after training, lottery
#: ticket) are always shown.
OPTIONAL = ("magnitude", "snip", "grasp", "synflow")
BASELINES = ("random", "magnitude_after", "lottery")
#: Display names of the architectures (:data:`hardtrain.pruning.ARCHITECTURES`).
ARCH_LABELS = {"mlp": "MLP", "cnn": "CNN"}


def live_config(architecture: str = "mlp") -> pruning.StudyConfig:
    """The study a learner runs live: :meth:`StudyConfig.live`, or ``tiny`` in fast (CI) mode.

    Args:
      architecture: ``"mlp"`` or ``"cnn"``.
    Raises:
      ValueError: an unknown architecture.
    """
    return pruning.StudyConfig.tiny(architecture) if fast_mode() else pruning.StudyConfig.live(architecture)


def _study(config: pruning.StudyConfig, seed0: int) -> pruning.Study:
    seeds = tuple(int(seed0) + i for i in range(len(config.seeds)))
    return pruning.Study(dataclasses.replace(config, seeds=seeds))


def _precomputed(architecture: str = "mlp") -> dict | None:
    try:
        return pruning.load_precomputed(architecture=architecture)
    except (FileNotFoundError, ValueError, OSError):
        return None


def _model_text(study: dict) -> str:
    p = study["provenance"]
    if p.get("model"):
        return p["model"]
    return f"MLP 40-{'-'.join(map(str, p['config']['widths']))}-10"  # files from before the CNN


def _provenance_text(study: dict | None, architecture: str = "mlp") -> str:
    if study is None:
        flag = " --architecture cnn" if architecture == "cnn" else ""
        return (f"No precomputed {ARCH_LABELS[architecture]} study found (run "
                f"`python -m hardtrain.pruning precompute{flag} --out assets/lab4/`).")
    p = study["provenance"]
    c = p["config"]
    return (f"Solid lines: precomputed with `{p['command']}` on {p['date']} "
            f"({p['machine']['cpu_count']} CPUs, jax {p['versions']['jax']}, {p['seconds'] / 60:.0f} min): "
            f"{_model_text(study)} on MNIST-1D, {c['n_train'] or 4000} training "
            f"examples, {c['steps']} full-batch Adam steps, seeds {', '.join(map(str, c['seeds']))}.")


# Hidden, empty error bars. Never ``error_y=None``: inside one batch_update plotly sends one
# restyle for all traces, and plotly.js refuses the whole of it ("cannot set error_y.array and a
# parent attribute simultaneously") when one trace resets ``error_y`` while another sets
# ``error_y.array``: the figure then silently stops changing.
_NO_ERROR_BARS = dict(type="data", array=[], visible=False)

def _arch_toggle() -> widgets.ToggleButtons:
    return css_class(widgets.ToggleButtons(
        options=[(ARCH_LABELS[a], a) for a in pruning.ARCHITECTURES], value="mlp", description="Network:",
        tooltips=["fully connected 40-100-100-10 ReLU network",
                  "1-D CNN: three strided conv layers (kernel 5), then a linear layer"],
        style={"button_width": "5em", "description_width": "initial"}), "ht-lab4-arch")


class _ArchSwitch:
    """Mixin: the Network toggle. Subclasses define ``_switched()`` and ``longrun`` (or None)."""

    def _init_arch(self):
        self.arch = _arch_toggle()
        self._data: dict[str, dict | None] = {}
        self._reverting = False
        self.arch.observe(self._on_arch, names="value")

    @property
    def architecture(self) -> str:
        """The network shown: ``"mlp"`` or ``"cnn"``."""
        return self.arch.value

    def precomputed(self, architecture: str | None = None) -> dict | None:
        """The precomputed study of ``architecture`` (default: the one shown), read once."""
        a = architecture or self.architecture
        if a not in self._data:
            self._data[a] = _precomputed(a)
        return self._data[a]

    def _on_arch(self, change):
        if self._reverting:
            return
        run = getattr(self, "longrun", None)
        if run is not None and run.running:  # the toggle is disabled meanwhile; belt and braces
            self._reverting = True
            try:
                self.arch.value = change["old"]
            finally:
                self._reverting = False
            self.status.error("A live run is in progress: press Stop (or wait), then switch the network.")
            return
        self._switch()

    @guarded()
    def _switch(self):
        self._switched()


def _stats(acc_lists):
    a = np.asarray(acc_lists, np.float64)
    return 100 * a.mean(axis=1), 100 * (a.std(axis=1) if a.shape[1] > 1 else np.zeros(a.shape[0]))


def _remaining(sparsities):
    return 100.0 * (1.0 - np.asarray(sparsities, np.float64))


class PruningCurves(_ArchSwitch, widgets.VBox):
    """Accuracy vs sparsity for every method, precomputed full-scale curves plus a live run.

    The Network toggle switches between the MLP's and the CNN's study (precomputed curves, and
    the config of the next live run; a live run of each network stays on its own figure).

    Args:
      seed: first seed of the live study (the live study uses consecutive seeds).
    """

    def __init__(self, seed: int = 0):
        self.status = Status("")
        self._init_arch()
        self.config = live_config()
        self.data = self.precomputed()
        self._live_curves: dict[str, dict] = {}
        self.show = {m: css_class(widgets.Checkbox(value=True, description=LABELS[m], indent=False,
                                                   layout=widgets.Layout(width="auto")),
                                  f"ht-lab4-show-{m}") for m in OPTIONAL}
        self.seed = NumberField("First seed", seed, 0, 9999, name="lab4-seed")
        self.run_button = css_class(widgets.Button(description="Run live study", icon="play",
                                                   tooltip="Prune, train and evaluate every method "
                                                           "(smaller than the precomputed study)"),
                                    "ht-lab4-run")
        budget = 60.0
        self.longrun = LongRun("Live study", budget_s=budget * 2)
        self.summary = css_class(widgets.HTML(), "ht-summary")
        self.provenance = css_class(widgets.HTML(), "ht-lab4-provenance")
        fig = go.Figure()
        names = list(pruning.CURVES)
        self._names = names
        for m in names:  # traces 0..6: precomputed
            fig.add_trace(go.Scatter(name=LABELS[m], mode="lines+markers", legendgroup=m,
                                     line=dict(color=_COLOR[m], width=3 if m in BASELINES else 2,
                                               dash="dot" if m == "random" else "solid"),
                                     marker=dict(size=7)))
        for m in names:  # traces 7..13: live
            fig.add_trace(go.Scatter(name=f"{LABELS[m]} (live)", mode="lines+markers", legendgroup=m,
                                     showlegend=False, line=dict(color=_COLOR[m], width=1.5, dash="dash"),
                                     marker=dict(size=6, symbol="diamond-open")))
        fig.add_trace(go.Scatter(name="dense (no pruning)", mode="lines",  # trace 14
                                 line=dict(color="black", width=1, dash="dashdot")))
        fig.update_layout(xaxis=dict(title="weights remaining (%), log scale: sparser to the right",
                                     type="log", autorange="reversed"),
                          yaxis=dict(title="test accuracy (%)"))
        self.fig = fig
        self._draw_precomputed()
        for m, box in self.show.items():
            box.observe(lambda _, m=m: self._visibility(), names="value")
        self.run_button.on_click(lambda _: self.start())
        boxes = widgets.HBox([widgets.HTML("<b>Show:</b>&nbsp;"), *self.show.values()],
                             layout=widgets.Layout(flex_flow="row wrap"))
        controls = widgets.HBox([self.seed, self.run_button], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([boxes, controls, self.longrun, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab4-curves")
        self.fig = figure_widget(self.fig, height=500, name="pruning-curves")
        self.children = [self.arch, boxes, self.fig, controls, self.longrun, self.provenance, self.summary,
                         self.status]
        self._live_info()

    def _live_info(self):
        c = self.config
        self.status.info(f"Live {ARCH_LABELS[c.architecture]} study: {len(c.seeds)} seeds, sparsities "
                         f"{', '.join(f'{s:.0%}' for s in c.sparsities)}, {c.n_train} examples, "
                         f"{c.steps} steps; about a minute on a 2-core CPU. Press Run live study.")

    def _switched(self):
        """The Network toggle changed: show that network's precomputed and live curves."""
        self.config = live_config(self.architecture)
        self.data = self.precomputed()
        with self.fig.batch_update():
            self._draw_precomputed()
            for i in range(len(self._names)):
                self.fig.data[7 + i].update(x=[], y=[], error_y=_NO_ERROR_BARS)
            live = self._live_curves.get(self.architecture)
            if live:
                self._draw_live(live)
        self._live_info()

    # ---------------------------------------------------------------- drawing
    def _draw_precomputed(self):
        arch = self.architecture
        self.fig.layout.title = (f"Test accuracy vs weights remaining (MNIST-1D {ARCH_LABELS[arch]}; "
                                 "mean ± std over seeds)")
        self.provenance.value = f"<small>{html.escape(_provenance_text(self.data, arch))}</small>"
        if self.data is None:
            for i in range(len(self._names)):
                self.fig.data[i].update(x=[], y=[], error_y=_NO_ERROR_BARS)
            self.fig.data[14].update(x=[], y=[])
            self.summary.value = ""
            return
        curves = self.data["curves"]
        for i, m in enumerate(self._names):
            if m in curves:
                mean, std = _stats(curves[m]["accuracy"])
                self.fig.data[i].update(x=compact(_remaining(curves[m]["sparsity"])), y=compact(mean),
                                        error_y=dict(type="data", array=compact(std), visible=True))
            else:
                self.fig.data[i].update(x=[], y=[], error_y=_NO_ERROR_BARS)
        dense = 100 * float(np.mean(self.data["dense"]))
        xs = [_remaining(c["sparsity"]) for c in curves.values()]
        lo, hi = float(min(x.min() for x in xs)), 100.0
        self.fig.data[14].update(x=compact([hi, lo]), y=compact([dense, dense]))
        self.summary.value = self._summary(curves, "precomputed")

    def _summary(self, curves, which):
        top = {m: (curves[m]["sparsity"][-1], float(np.mean(curves[m]["accuracy"][-1])))
               for m in curves if curves[m]["sparsity"]}
        if not top:
            return ""
        parts = [f"{LABELS[m]} {a:.0%} at {s:.1%}" for m, (s, a) in top.items()]
        return f"<p><b>Sparsest point ({which}):</b> " + "; ".join(parts) + ".</p>"

    def _draw_live(self, curves):
        with self.fig.batch_update():
            for i, m in enumerate(self._names):
                if m in curves and curves[m]["sparsity"]:
                    mean, std = _stats(curves[m]["accuracy"])
                    self.fig.data[7 + i].update(x=compact(_remaining(curves[m]["sparsity"])), y=compact(mean),
                                                error_y=dict(type="data", array=compact(std), visible=True))

    @guarded()
    def _visibility(self):
        with self.fig.batch_update():
            for i, m in enumerate(self._names):
                vis = self.show[m].value if m in self.show else True
                self.fig.data[i].visible = vis
                self.fig.data[7 + i].visible = vis

    # ---------------------------------------------------------------- live run
    def methods(self) -> tuple[str, ...]:
        """The curves of a live run: the shown at-init methods plus the baselines."""
        return tuple(m for m in pruning.CURVES if m in BASELINES or self.show[m].value)

    def steps(self):
        """Generator of the live study (yields (fraction, message)); updates the figure."""
        study = _study(self.config, int(self.seed.value))
        self.live = study
        self._live_curves[study.config.architecture] = study.results["curves"]
        with self.fig.batch_update():
            for i in range(len(self._names)):
                self.fig.data[7 + i].update(x=[], y=[])
        yield 0.02, "data loaded, networks initialised"
        for frac, msg in study.curve_steps(self.methods()):
            self._draw_live(study.results["curves"])
            yield 0.02 + 0.98 * frac, msg

    def _done(self, stopped: bool):
        self.run_button.disabled = False
        self.arch.disabled = False
        study = getattr(self, "live", None)
        if study is None:
            return
        curves = study.results["curves"]
        self.summary.value = self._summary(curves, "live, dashed") if curves else self.summary.value

    @guarded()
    def start(self):
        """Start the live study in the background (the Stop button ends it after a chunk)."""
        if self.longrun.running:
            self.status.error("A live study is already running: press Stop first.")
            return
        self.run_button.disabled = True
        self.arch.disabled = True  # the figure shows one network at a time
        self.status.info(f"Live {ARCH_LABELS[self.architecture]} study with seeds {int(self.seed.value)}.. "
                         "(dashed lines).")
        if not self.longrun.start(self.steps(), on_done=self._done):
            self.run_button.disabled = False
            self.arch.disabled = False

    def run_blocking(self) -> bool:
        """Run the live study to the end in the foreground (tests, nbmake). Returns ``stopped``."""
        return self.longrun.run_blocking(self.steps(), on_done=self._done)


class Ablations(_ArchSwitch, widgets.VBox):
    """Layerwise shuffle, reinitialisation and inversion for each method (Frankle et al. 2021).

    Grouped bars: for each method the accuracy of the original mask and of the three ablations,
    mean +- std over seeds; precomputed at first, replaced by a live run on request. The Network
    toggle switches between the MLP's and the CNN's ablations (the last live run of each network
    is kept).

    Args:
      seed: first seed of the live ablations.
    """

    def __init__(self, seed: int = 0):
        self.status = Status("")
        self._init_arch()
        self.config = live_config()
        self.data = self.precomputed()
        self._live_tables: dict[str, tuple] = {}
        self.seed = NumberField("First seed", seed, 0, 9999, name="lab4-ablation-seed")
        self.run_button = css_class(widgets.Button(description="Run live ablations", icon="play"),
                                    "ht-lab4-run-ablations")
        self.longrun = LongRun("Ablations", budget_s=120.0)
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = go.Figure()
        for v in pruning.VARIANTS:
            fig.add_trace(go.Bar(name=v, marker_color=_VARIANT_COLOR[v]))
        fig.update_layout(barmode="group", yaxis=dict(title="test accuracy (%)"),
                          xaxis=dict(title="pruning method"))
        self.fig = fig
        self._draw(self._precomputed_ablation(), "precomputed")
        self.run_button.on_click(lambda _: self.start())
        controls = widgets.HBox([self.seed, self.run_button], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.longrun, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab4-ablations")
        self.fig = figure_widget(self.fig, height=440, name="ablations")
        self.children = [self.arch, self.fig, controls, self.longrun, self.summary, self.status]
        self._live_info()

    def _live_info(self):
        c = self.config
        r = c.ablation_rounds[0]
        self.status.info(f"Live {ARCH_LABELS[c.architecture]} ablations at sparsity {c.lottery_sparsity(r):.1%} "
                         f"({len(c.seeds)} seeds, {c.steps} steps).")

    def _switched(self):
        """The Network toggle changed: show that network's ablations (its live run if any)."""
        self.config = live_config(self.architecture)
        self.data = self.precomputed()
        live = self._live_tables.get(self.architecture)
        with self.fig.batch_update():
            if live is not None:
                self._draw(live, "live")
            else:
                self._draw(self._precomputed_ablation(), "precomputed")
        self._live_info()

    def _precomputed_ablation(self):
        if self.data is None or not self.data["ablations"]:
            return None
        key = max(self.data["ablations"], key=float)
        return float(key), self.data["ablations"][key]

    def _draw(self, item, which):
        arch = ARCH_LABELS[self.architecture]
        if item is None:
            for j in range(len(pruning.VARIANTS)):
                self.fig.data[j].update(x=[], y=[], error_y=_NO_ERROR_BARS)
            self.fig.layout.title = f"No precomputed {arch} ablations: press Run live ablations"
            self.summary.value = f"<p>{html.escape(_provenance_text(None, self.architecture))}</p>"
            return
        sparsity, table = item
        methods = [m for m in pruning.ABLATION_METHODS if m in table]
        labels = [LABELS[m] for m in methods]
        for j, v in enumerate(pruning.VARIANTS):
            ys, es = [], []
            for m in methods:
                accs = table[m].get(v)
                if accs:
                    mean, std = _stats([accs])
                    ys.append(float(mean[0]))
                    es.append(float(std[0]))
                else:  # not defined (inversion of a lottery ticket)
                    ys.append(None)
                    es.append(None)
            self.fig.data[j].update(x=labels, y=ys, error_y=dict(type="data", array=es, visible=True))
        self.fig.layout.title = (f"{arch} ablations at {sparsity:.1%} sparsity ({which}): "
                                 "shuffle each layer's mask, re-draw the weights, or invert the scores")
        lines = []
        for m in methods:
            o = np.mean(table[m]["original"])
            d = {v: np.mean(table[m][v]) - o for v in pruning.VARIANTS[1:] if table[m].get(v)}
            lines.append(f"{LABELS[m]}: " + ", ".join(f"{v} {x * 100:+.1f} pts" for v, x in d.items()))
        self.summary.value = "<p>Change vs the original mask: " + "; ".join(html.escape(x) for x in lines) + ".</p>"

    def steps(self):
        """Generator of the live ablations; redraws the bars after each chunk."""
        study = _study(self.config, int(self.seed.value))
        yield 0.02, "data loaded, networks initialised"
        r = self.config.ablation_rounds[0]
        s = self.config.lottery_sparsity(r)
        for frac, msg in study.ablation_steps(r):
            table = study.results["ablations"].get(f"{s:.4f}", {})
            done = {m: t for m, t in table.items() if t.get("original") and
                    all(t.get(v) for v in (pruning.VARIANTS[:3] if m == "lottery" else pruning.VARIANTS))}
            if done:
                self._live_tables[study.config.architecture] = (s, done)
                with self.fig.batch_update():
                    self._draw((s, done), "live")
            yield 0.02 + 0.98 * frac, msg

    @guarded()
    def start(self):
        """Start the live ablations in the background."""
        if self.longrun.running:
            self.status.error("Already running: press Stop first.")
            return
        self.run_button.disabled = True
        self.arch.disabled = True
        if not self.longrun.start(self.steps(), on_done=self._done):
            self._done(True)

    def _done(self, stopped: bool):
        self.run_button.disabled = False
        self.arch.disabled = False

    def run_blocking(self) -> bool:
        """Run the live ablations to the end in the foreground (tests). Returns ``stopped``."""
        return self.longrun.run_blocking(self.steps(), on_done=self._done)


class LayerFractions(_ArchSwitch, widgets.VBox):
    """Fraction of weights each at-init method keeps in each layer, and layer collapse.

    Computed live for the chosen sparsity (scoring and masking only: no training), SynFlow with
    its 100 iterative rounds; a layer with nothing left is marked *collapsed*. The Network toggle
    switches between the MLP (layers 1-3) and the CNN (conv 1-3, then the linear head); the
    summary gives each mask's theoretical FLOP speedup (a CNN's conv weights are used at every
    output position, so *where* a method prunes changes the speedup, not only how much).

    Args:
      sparsity: one of :attr:`SPARSITIES`. seed: seed of the initial weights.
    """

    SPARSITIES = (0.5, 0.9, 0.99, 0.995, 0.999)

    def __init__(self, sparsity: float = 0.99, seed: int = 0):
        self.status = Status("")
        self._init_arch()
        self.config = live_config()
        self.data = self.precomputed()
        self.sparsity = css_class(widgets.Dropdown(
            options=[(f"{s:.1%}", s) for s in self.SPARSITIES], value=sparsity,
            description="Sparsity", style={"description_width": "initial"}), "ht-lab4-sparsity")
        self.seed = NumberField("Seed", seed, 0, 9999, name="lab4-layer-seed",
                                on_change=lambda _: self.update())
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = go.Figure()
        for m in pruning.METHODS:
            fig.add_trace(go.Bar(name=LABELS[m], marker_color=_COLOR[m]))
        fig.update_layout(barmode="group", yaxis=dict(title="weights kept in the layer (%)", type="log"),
                          xaxis=dict(title="layer (input -> output)"))
        self.fig = fig
        self._study = None
        item = None
        if self.data is not None and f"{sparsity:g}" in self.data.get("layers", {}) and seed == 0:
            item = self.data["layers"][f"{sparsity:g}"]
        if item is not None:
            self._draw(sparsity, item, "precomputed, seed 0")
        else:
            self.update()
        self.sparsity.observe(lambda _: self.update(), names="value")
        controls = widgets.HBox([self.sparsity, self.seed], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab4-layers")
        self.fig = figure_widget(self.fig, height=420, name="layers")
        self.children = [self.arch, controls, self.fig, self.summary, self.status]

    def _switched(self):
        """The Network toggle changed: the precomputed masks of seed 0, else compute them."""
        self.config = live_config(self.architecture)
        self.data = self.precomputed()
        s, seed = float(self.sparsity.value), int(self.seed.value)
        item = (self.data or {}).get("layers", {}).get(f"{s:g}") if seed == 0 else None
        if item is not None:
            self._draw(s, item, "precomputed, seed 0")
            self.status.ok(f"{ARCH_LABELS[self.architecture]}: precomputed masks at {s:.1%} sparsity, seed 0.")
        else:
            self.update()

    def _draw(self, sparsity, item, which):
        layers = list(next(iter(item.values()))["remaining"])
        short = _layer_labels(layers)
        floor = 1e-3  # a collapsed layer (0%) drawn at the bottom of the log axis
        with getattr(self.fig, "batch_update", _null)():
            for j, m in enumerate(pruning.METHODS):
                if m not in item:
                    continue
                fr = [100 * item[m]["remaining"][name] for name in layers]
                self.fig.data[j].update(x=short, y=[max(f, floor) for f in fr],
                                        text=["collapsed" if f == 0 else f"{f:.2g}%" for f in fr],
                                        textposition="outside")
            self.fig.layout.title = (f"What each method keeps per layer of the {ARCH_LABELS[self.architecture]} "
                                     f"at {sparsity:.1%} sparsity ({which})")
            self.fig.layout.yaxis.range = [np.log10(floor) - 0.3, 2.2]
        collapsed = {m: item[m]["collapsed"] for m in item if item[m]["collapsed"]}
        if collapsed:
            text = "; ".join(f"<b>{html.escape(LABELS[m])}</b>: {', '.join(short[layers.index(c)] for c in cs)}"
                             for m, cs in collapsed.items())
            summary = f"<p>Layer collapse (no weight left, the network is disconnected): {text}.</p>"
        else:
            summary = "<p>No layer collapsed: every method keeps at least one weight per layer.</p>"
        speed = {m: item[m]["speedup"] for m in item if item[m].get("speedup")}
        if speed:
            summary += ("<p>Theoretical FLOP speedup (dense / remaining multiply-adds): "
                        + ", ".join(f"{html.escape(LABELS[m])} {x:.3g}×" for m, x in speed.items()) + ".</p>")
        self.summary.value = summary

    @guarded()
    def update(self):
        """Recompute the masks of every method at the chosen sparsity and seed (no training)."""
        s = float(self.sparsity.value)
        seed = int(self.seed.value)
        if (self._study is None or self._study.config.seeds[0] != seed
                or self._study.config.architecture != self.architecture):
            self._study = _study(dataclasses.replace(self.config, seeds=(seed,)), seed)
        item = self._study.layer_fractions(s)
        self._draw(s, item, f"seed {seed}")
        self.status.ok(f"{ARCH_LABELS[self.architecture]}: masks of {len(item)} methods at {s:.1%} sparsity, "
                       f"seed {seed}.")


def _layer_labels(paths) -> list[str]:
    """Short names of prunable paths: "layer 1".. for an MLP, "conv 1".. and "linear" for a CNN."""
    out = []
    for i, p in enumerate(paths):
        parts = p.split("/")
        if parts[0] == "convs":
            out.append(f"conv {int(parts[1]) + 1}")
        elif parts[0] == "head":
            out.append("linear")
        else:
            out.append(f"layer {i + 1}")
    return out


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
