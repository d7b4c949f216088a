"""Lab 4 dashboards: pruning at initialisation vs after training, pruning early, sanity checks.

Size: four dashboards over one study that share its Network toggle (:class:`_ArchSwitch`), its
precomputed files, labels and colours; each is a figure's traces and its callbacks, no numerics.

Four views, each a widget (controls + one FigureWidget + a status line) over
:mod:`hardtrain.experiments.pruning_study` (the study, its presets and precomputed files; the
numerics are :mod:`hardtrain.pruning`'s); none holds numerics or sizes of its own:

- :class:`PruningCurves`: test accuracy vs weights remaining, mean +- std over seeds, for every
  at-init method beside random and the after-training baselines (one-shot magnitude pruning
  then fine-tuning, learning-rate rewinding or weight rewinding; iterative pruning with
  learning-rate rewinding; the lottery ticket), the dense network and chance; the full-scale
  curves come from ``assets/lab4/`` (precomputed, with provenance), a live run (progress bar,
  Stop) overlays the learner's own smaller study.
- :class:`PruneEarly`: accuracy at one high sparsity when the scores are taken after k steps of
  dense training instead of at initialisation (precomputed only).
- :class:`Ablations`: layerwise shuffle, reinitialisation and inversion, per method.
- :class:`LayerFractions`: what each method keeps in each layer, at initialisation or after
  training, and layer collapse at extreme sparsity.

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

from ..experiments import pruning_study
from ..pruning import METHODS
from .common import LongRun, NumberField, Status, compact, css_class, figure_widget, guarded
from .pagestate import shareable

__all__ = ["PruningCurves", "PruneEarly", "Ablations", "LayerFractions", "live_config", "LABELS",
           "ARCH_LABELS"]

#: Display names of the curves (and of the after-training masks of the layer view).
LABELS = {"random": "random (at init)", "magnitude": "magnitude (at init)", "snip": "SNIP",
          "grasp": "GraSP", "grasp_abs": "|GraSP|", "synflow": "SynFlow",
          "after_finetune": "magnitude after training, fine-tuned",
          "after_lr_rewind": "magnitude after training, LR rewinding",
          "after_weight_rewind": "magnitude after training, weights rewound",
          "imp_lr_rewind": "iterative magnitude, LR rewinding",
          "lottery": "lottery ticket (iterative, weights rewound)",
          "magnitude_after": "magnitude after training"}
#: Colours (Okabe & Ito's colour-blind-safe set, with Paul Tol's wine, teal and purple for the
#: last three) and marker symbols: no two curves differ by colour alone, so each stays
#: recognisable under any colour-vision deficiency (tests/unit/test_palette.py simulates three).
_COLOR = {"random": "#7f7f7f", "magnitude": "#000000", "snip": "#0072B2", "grasp": "#E69F00",
          "grasp_abs": "#56B4E9", "synflow": "#009E73", "after_finetune": "#CC79A7",
          "after_lr_rewind": "#D55E00", "after_weight_rewind": "#882255", "imp_lr_rewind": "#44AA99",
          "lottery": "#AA4499", "magnitude_after": "#D55E00"}
_SYMBOL = {"random": "x", "magnitude": "circle", "snip": "square", "grasp": "diamond",
           "grasp_abs": "diamond-open", "synflow": "triangle-up", "after_finetune": "triangle-down",
           "after_lr_rewind": "star", "after_weight_rewind": "pentagon", "imp_lr_rewind": "hexagon",
           "lottery": "star-square", "magnitude_after": "star"}
_VARIANT_COLOR = {"original": "#0072B2", "shuffled": "#E69F00", "reinit": "#009E73", "inverted": "#D55E00"}
_VARIANT_PATTERN = {"original": "", "shuffled": ".", "reinit": "x", "inverted": "-"}
#: Curves a learner can show or hide (random, the reference, is always shown), and those hidden
#: when the page opens (the lab's text asks the learner to tick them).
OPTIONAL = tuple(m for m in pruning_study.CURVES if m != "random")
HIDDEN_AT_START = ("grasp_abs", "after_weight_rewind", "imp_lr_rewind")
BASELINES = ("random", *pruning_study.AFTER_TRAINING)
#: Display names of the architectures (:data:`hardtrain.experiments.pruning_study.ARCHITECTURES`).
ARCH_LABELS = {"mlp": "MLP", "cnn": "CNN"}
_CHANCE_LINE = dict(color="#444444", width=1, dash="dot")


def live_config(architecture: str = "mlp") -> pruning_study.StudyConfig:
    """The study a learner runs live: :meth:`StudyConfig.live`, or ``tiny`` in fast (CI) mode.

    Args:
      architecture: ``"mlp"`` or ``"cnn"``.

    Returns:
      ``StudyConfig.session(architecture)``.

    Raises:
      ValueError: an unknown architecture.
    """
    return pruning_study.StudyConfig.session(architecture)


def _layer_config(architecture: str = "mlp") -> pruning_study.StudyConfig:
    """The network of the layer view: the precomputed study's (scoring only), tiny in fast mode."""
    return pruning_study.StudyConfig.session(architecture, scale="full")


def _study(config: pruning_study.StudyConfig, seed0: int) -> pruning_study.Study:
    seeds = tuple(int(seed0) + i for i in range(len(config.seeds)))
    return pruning_study.Study(dataclasses.replace(config, seeds=seeds))


def _precomputed(architecture: str = "mlp") -> dict | None:
    try:
        return pruning_study.load_precomputed(architecture=architecture)
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
                f"`python -m hardtrain.experiments precompute lab4{flag} --out assets/lab4/`).")
    p = study["provenance"]
    c = p["config"]
    recipe = p.get("recipe") or f"{c['n_train'] or 4000} training examples, {c['steps']} full-batch Adam steps"
    return (f"Solid lines: precomputed with `{p['command']}` on {p['date']} "
            f"({p['machine']['cpu_count']} CPUs, jax {p['versions']['jax']}, {p['seconds'] / 60:.0f} min): "
            f"{_model_text(study)} on MNIST-1D, {recipe}, seeds {', '.join(map(str, c['seeds']))}; "
            f"dense test accuracy {100 * float(np.mean(study['dense'])):.1f}%.")


def _chance(study: dict | None) -> float:
    """Chance accuracy in % (1 in 10 classes for files that do not record it)."""
    return 100.0 * float((study or {}).get("chance", 0.1))


def _point(study: dict | None, name: str, sparsity: float):
    """(mean %, std %) of curve ``name`` at ``sparsity`` in a study, or None."""
    cur = ((study or {}).get("curves") or {}).get(name)
    if not cur:
        return None
    for s, accs in zip(cur["sparsity"], cur["accuracy"]):
        if abs(float(s) - float(sparsity)) < 1e-4:
            mean, std = _stats([accs])
            return float(mean[0]), float(std[0])
    return None


# Hidden, empty error bars. Never ``error_y=None``: inside one batch_update plotly sends one
# restyle for all traces, and plotly.js refuses the whole of it ("cannot set error_y.array and a
# parent attribute simultaneously") when one trace resets ``error_y`` while another sets
# ``error_y.array``: the figure then silently stops changing.
_NO_ERROR_BARS = dict(type="data", array=[], visible=False)


def _arch_toggle() -> widgets.ToggleButtons:
    return css_class(widgets.ToggleButtons(
        options=[(ARCH_LABELS[a], a) for a in pruning_study.ARCHITECTURES], value="mlp", description="Network:",
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


@shareable("curves")
class PruningCurves(_ArchSwitch, widgets.VBox):
    """Accuracy vs sparsity for every method, precomputed full-scale curves plus a live run.

    Traces, in order: one precomputed trace per curve of :data:`hardtrain.experiments.pruning_study.CURVES`, one
    live (dashed) trace per curve, the dense network, and chance. The Network toggle switches
    between the MLP's and the CNN's study (precomputed curves, and the config of the next live
    run; a live run of each network stays on its own figure).

    Args:
      seed: first seed of the live study (the live study uses consecutive seeds).
    """

    def __init__(self, seed: int = 0):
        self.status = Status("")
        self._init_arch()
        self.config = live_config()
        self.data = self.precomputed()
        self._live_curves: dict[str, dict] = {}
        self.show = {m: css_class(widgets.Checkbox(value=m not in HIDDEN_AT_START, description=LABELS[m],
                                                   indent=False, layout=widgets.Layout(width="auto")),
                                  f"ht-lab4-show-{m}") for m in OPTIONAL}
        self.seed = NumberField("First seed", seed, 0, 9999, name="lab4-seed")
        self.run_button = css_class(widgets.Button(description="Run live study",
                                                   tooltip="Prune, train and evaluate the ticked methods "
                                                           "(smaller than the precomputed study)"),
                                    "ht-lab4-run")
        self.longrun = LongRun("Live study", budget_s=120.0)
        self.summary = css_class(widgets.HTML(), "ht-summary")
        self.provenance = css_class(widgets.HTML(), "ht-lab4-provenance", "ht-provenance")
        fig = go.Figure()
        names = list(pruning_study.CURVES)
        self._names = names
        n = len(names)
        self._dense_index, self._chance_index = 2 * n, 2 * n + 1
        for m in names:  # traces 0..n-1: precomputed
            fig.add_trace(go.Scatter(name=LABELS[m], mode="lines+markers", legendgroup=m,
                                     visible=m not in HIDDEN_AT_START,
                                     line=dict(color=_COLOR[m], width=3 if m in BASELINES else 2,
                                               dash="dot" if m == "random" else "solid"),
                                     marker=dict(size=7, symbol=_SYMBOL[m])))
        for m in names:  # traces n..2n-1: live
            fig.add_trace(go.Scatter(name=f"{LABELS[m]} (live)", mode="lines+markers", legendgroup=m,
                                     visible=m not in HIDDEN_AT_START, showlegend=False,
                                     line=dict(color=_COLOR[m], width=1.5, dash="dash"),
                                     marker=dict(size=6, symbol="diamond-open")))
        fig.add_trace(go.Scatter(name="dense (no pruning)", mode="lines",
                                 line=dict(color="black", width=1, dash="dashdot")))
        fig.add_trace(go.Scatter(name="chance (1 in 10 classes)", mode="lines", line=_CHANCE_LINE))
        fig.update_layout(xaxis=dict(title="weights remaining (%), log scale: sparser to the right",
                                     type="log", autorange="reversed"),
                          yaxis=dict(title="test accuracy (%)", range=[0, 100]))
        self.fig = fig
        self._draw_precomputed()
        for m, box in self.show.items():
            box.observe(lambda _, m=m: self._visibility(), names="value")
        self.run_button.on_click(lambda _: self.start())
        at_init = [self.show[m] for m in OPTIONAL if m in METHODS]
        after = [self.show[m] for m in OPTIONAL if m in pruning_study.AFTER_TRAINING]
        boxes = widgets.VBox([
            widgets.HBox([widgets.HTML("<b>At initialisation:</b>&nbsp;"), *at_init],
                         layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([widgets.HTML("<b>After training:</b>&nbsp;"), *after],
                         layout=widgets.Layout(flex_flow="row wrap"))])
        controls = widgets.HBox([self.seed, self.run_button], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([boxes, controls, self.longrun, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab4-curves")
        self.fig = figure_widget(self.fig, height=640, name="pruning-curves", legend_rows=5)
        self.children = [self.arch, boxes, self.fig, controls, self.longrun, self.provenance, self.summary,
                         self.status]
        self._live_info()

    def _live_info(self):
        c = self.config
        full = (self.data or {}).get("provenance", {}).get("config", {})
        self.status.info(f"Live {ARCH_LABELS[c.architecture]} study, smaller than the precomputed one: "
                         f"{len(c.seeds)} seeds (precomputed: {len(full.get('seeds', ())) or '?'}), "
                         f"{c.steps} steps (precomputed: {full.get('steps', '?')}), sparsities "
                         f"{', '.join(f'{s:.1%}' for s in c.sparsities)}: its networks are less trained, so "
                         "its levels are lower. About a minute on a 2-core CPU with the default methods; "
                         "press Run live study.")

    def _switched(self):
        """The Network toggle changed: show that network's precomputed and live curves."""
        self.config = live_config(self.architecture)
        self.data = self.precomputed()
        n = len(self._names)
        with self.fig.batch_update():
            self._draw_precomputed()
            for i in range(n):
                self.fig.data[n + i].update(x=[], y=[], error_y=_NO_ERROR_BARS)
            live = self._live_curves.get(self.architecture)
            if live:
                self._draw_live(live)
        self._live_info()

    # ---------------------------------------------------------------- drawing
    def _draw_precomputed(self):
        arch = self.architecture
        self.fig.layout.title = f"MNIST-1D {ARCH_LABELS[arch]}: test accuracy (mean ± std over seeds)"
        self.provenance.value = f"<small>{html.escape(_provenance_text(self.data, arch))}</small>"
        if self.data is None:
            for i in range(len(self._names)):
                self.fig.data[i].update(x=[], y=[], error_y=_NO_ERROR_BARS)
            self.fig.data[self._dense_index].update(x=[], y=[])
            self.fig.data[self._chance_index].update(x=[], y=[])
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
        self.fig.data[self._dense_index].update(x=compact([hi, lo]), y=compact([dense, dense]))
        chance = _chance(self.data)
        self.fig.data[self._chance_index].update(x=compact([hi, lo]), y=compact([chance, chance]))
        self.summary.value = self._summary(curves, "precomputed") + self._before_retraining()

    def _before_retraining(self) -> str:
        before = (self.data or {}).get("before_retraining")
        if not before or not before.get("sparsity"):
            return ""
        mean, _ = _stats(before["accuracy"])
        parts = [f"{a:.0f}% at {100 * s:.1f}%" for s, a in zip(before["sparsity"], mean)]
        return ("<p><b>Before any retraining</b>, the one-shot magnitude masks applied to the trained "
                "network score " + ", ".join(parts) + " sparsity.</p>")

    def _summary(self, curves, which):
        top = {m: (curves[m]["sparsity"][-1], float(np.mean(curves[m]["accuracy"][-1])))
               for m in curves if curves[m]["sparsity"]}
        if not top:
            return ""
        parts = [f"{LABELS[m]} {a:.0%} at {s:.1%}" for m, (s, a) in top.items()]
        return f"<p><b>Sparsest point ({which}):</b> " + "; ".join(parts) + ".</p>"

    def _draw_live(self, curves):
        n = len(self._names)
        with self.fig.batch_update():
            for i, m in enumerate(self._names):
                if m in curves and curves[m]["sparsity"]:
                    mean, std = _stats(curves[m]["accuracy"])
                    self.fig.data[n + i].update(x=compact(_remaining(curves[m]["sparsity"])), y=compact(mean),
                                                error_y=dict(type="data", array=compact(std), visible=True))

    @guarded()
    def _visibility(self):
        n = len(self._names)
        with self.fig.batch_update():
            for i, m in enumerate(self._names):
                vis = self.show[m].value if m in self.show else True
                self.fig.data[i].visible = vis
                self.fig.data[n + i].visible = vis

    # ---------------------------------------------------------------- live run
    def methods(self) -> tuple[str, ...]:
        """The curves of a live run: random plus the ticked methods."""
        return tuple(m for m in pruning_study.CURVES if m not in self.show or self.show[m].value)

    def steps(self):
        """Generator of the live study (yields (fraction, message)); updates the figure."""
        study = _study(self.config, int(self.seed.value))
        self.live = study
        self._live_curves[study.config.architecture] = study.results["curves"]
        n = len(self._names)
        with self.fig.batch_update():
            for i in range(n):
                self.fig.data[n + i].update(x=[], y=[])
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


@shareable("early")
class PruneEarly(_ArchSwitch, widgets.VBox):
    """Accuracy at one high sparsity when the scores are taken after k steps of dense training.

    Frankle, Dziugaite, Roy & Carbin (ICLR 2021, arXiv 2009.08576, section 6) found that scoring
    a little later than initialisation recovers much of the gap to pruning after training. Each
    line is a method scored at theta_k (the dense run's weights after k steps) and trained from
    theta_k for the remaining steps; k = 0 is pruning at initialisation. Horizontal lines: the
    same sparsity for random pruning, magnitude after training with learning-rate rewinding, the
    lottery ticket (which rewinds to a k of this axis), the dense network and chance.
    Precomputed only: the Network toggle switches between the MLP's and the CNN's curve.
    """

    _REFERENCES = ("random", "after_lr_rewind", "lottery")

    def __init__(self):
        self.status = Status("")
        self._init_arch()
        self.data = self.precomputed()
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = go.Figure()
        for m in pruning_study.EARLY_METHODS:
            fig.add_trace(go.Scatter(name=f"{LABELS[m]} scored at step k", mode="lines+markers",
                                     line=dict(color=_COLOR[m], width=2), marker=dict(size=7, symbol=_SYMBOL[m])))
        for m in self._REFERENCES:
            fig.add_trace(go.Scatter(name=LABELS[m], mode="lines",
                                     line=dict(color=_COLOR[m], width=2, dash="dash")))
        fig.add_trace(go.Scatter(name="dense (no pruning)", mode="lines",
                                 line=dict(color="black", width=1, dash="dashdot")))
        fig.add_trace(go.Scatter(name="chance (1 in 10 classes)", mode="lines", line=_CHANCE_LINE))
        fig.update_layout(xaxis=dict(title="k: steps of dense training before the scores are taken"),
                          yaxis=dict(title="test accuracy (%)", range=[0, 100]))
        self.fig = fig
        self._draw()
        super().__init__([self.summary, self.status])
        css_class(self, "ht-view", "ht-lab4-early")
        self.fig = figure_widget(self.fig, height=540, name="prune-early", legend_rows=3)
        self.children = [self.arch, self.fig, self.summary, self.status]

    def _switched(self):
        """The Network toggle changed: draw that network's precomputed curve."""
        self.data = self.precomputed()
        with self.fig.batch_update():
            self._draw()

    def _draw(self):
        arch = ARCH_LABELS[self.architecture]
        early = (self.data or {}).get("early") or {}
        n_lines = len(pruning_study.EARLY_METHODS) + len(self._REFERENCES) + 2
        if not early.get("steps"):
            for i in range(n_lines):
                self.fig.data[i].update(x=[], y=[], error_y=_NO_ERROR_BARS)
            self.fig.layout.title = f"No precomputed prune-early curve for the {arch}"
            self.summary.value = f"<p>{html.escape(_provenance_text(self.data, self.architecture))}</p>"
            return
        ks, s = [int(k) for k in early["steps"]], float(early["sparsity"])
        T = self.data["provenance"]["config"]["steps"]
        for i, m in enumerate(pruning_study.EARLY_METHODS):
            mean, std = _stats(early["accuracy"][m])
            self.fig.data[i].update(x=ks, y=compact(mean), error_y=dict(type="data", array=compact(std), visible=True))
        span = [ks[0], ks[-1]]
        j = len(pruning_study.EARLY_METHODS)
        refs = {}
        for m in self._REFERENCES:
            pt = _point(self.data, m, s)
            refs[m] = pt
            self.fig.data[j].update(x=span if pt else [], y=[pt[0], pt[0]] if pt else [])
            j += 1
        dense = 100 * float(np.mean(self.data["dense"]))
        self.fig.data[j].update(x=span, y=[dense, dense])
        chance = _chance(self.data)
        self.fig.data[j + 1].update(x=span, y=[chance, chance])
        self.fig.layout.title = f"{arch}: scores taken at step k of {T}, {s:.1%} sparsity (mean ± std)"
        first = {m: float(np.mean(early["accuracy"][m][0])) * 100 for m in pruning_study.EARLY_METHODS}
        best = {m: max(float(np.mean(a)) * 100 for a in early["accuracy"][m]) for m in pruning_study.EARLY_METHODS}
        lines = [f"{LABELS[m]} {first[m]:.0f}% at k = 0, best {best[m]:.0f}%" for m in pruning_study.EARLY_METHODS]
        ref = "; ".join(f"{LABELS[m]} {pt[0]:.0f}%" for m, pt in refs.items() if pt)
        self.summary.value = ("<p>" + html.escape("; ".join(lines)) + ".</p><p>At the same sparsity: "
                              + html.escape(ref) + ". Precomputed only: nothing here is retrained live.</p>")
        self.status.ok(f"{arch}: scores taken at k = {', '.join(map(str, ks))} steps.")


@shareable("ablations")
class Ablations(_ArchSwitch, widgets.VBox):
    """Layerwise shuffle, reinitialisation and inversion for each method (Frankle et al. 2021).

    Grouped bars: for each method the accuracy of the original mask and of the three ablations,
    mean +- std over seeds, with chance as a dotted line; precomputed at first, replaced by a
    live run on request. The Network toggle switches between the MLP's and the CNN's ablations
    (the last live run of each network is kept).

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
        self.run_button = css_class(widgets.Button(description="Run live ablations"),
                                    "ht-lab4-run-ablations")
        self.longrun = LongRun("Ablations", budget_s=120.0)
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = go.Figure()
        for v in pruning_study.VARIANTS:
            fig.add_trace(go.Bar(name=v, marker_color=_VARIANT_COLOR[v], marker_pattern_shape=_VARIANT_PATTERN[v]))
        fig.update_layout(barmode="group", yaxis=dict(title="test accuracy (%)", range=[0, 100]),
                          xaxis=dict(title="pruning method"))
        self.fig = fig
        self._draw(self._precomputed_ablation(), "precomputed")
        self.run_button.on_click(lambda _: self.start())
        controls = widgets.HBox([self.seed, self.run_button], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.longrun, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab4-ablations")
        self.fig = figure_widget(self.fig, height=480, name="ablations", legend_rows=1)
        self.children = [self.arch, self.fig, controls, self.longrun, self.summary, self.status]
        self._live_info()

    def _live_info(self):
        c = self.config
        r = c.ablation_rounds[0]
        self.status.info(f"Live {ARCH_LABELS[c.architecture]} ablations at sparsity {c.lottery_sparsity(r):.1%} "
                         f"({len(c.seeds)} seeds, {c.steps} steps: smaller than the precomputed study).")

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
        chance = _chance(self.data)
        self.fig.layout.shapes = [dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=chance, y1=chance,
                                       line=_CHANCE_LINE)]
        self.fig.layout.annotations = [dict(xref="paper", x=1, yref="y", y=chance, text="chance",
                                            showarrow=False, xanchor="right", yanchor="bottom",
                                            font=dict(size=11, color="#444444"))]
        if item is None:
            for j in range(len(pruning_study.VARIANTS)):
                self.fig.data[j].update(x=[], y=[], error_y=_NO_ERROR_BARS)
            self.fig.layout.title = f"No precomputed {arch} ablations: press Run live ablations"
            self.summary.value = f"<p>{html.escape(_provenance_text(None, self.architecture))}</p>"
            return
        sparsity, table = item
        methods = [m for m in pruning_study.ABLATION_METHODS if m in table]
        labels = ["lottery ticket" if m == "lottery" else LABELS[m] for m in methods]
        for j, v in enumerate(pruning_study.VARIANTS):
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
        self.fig.layout.title = f"{arch} ablations at {sparsity:.1%} sparsity ({which})"
        lines = []
        for m, label in zip(methods, labels):
            o = np.mean(table[m]["original"])
            d = {v: np.mean(table[m][v]) - o for v in pruning_study.VARIANTS[1:] if table[m].get(v)}
            lines.append(f"{label}: " + ", ".join(f"{v} {x * 100:+.1f} pts" for v, x in d.items()))
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
                    all(t.get(v) for v in (pruning_study.VARIANTS[:3] if m == "lottery" else pruning_study.VARIANTS))}
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


def _layer_item(study: dict | None, sparsity: float):
    """The precomputed per-layer fractions at ``sparsity`` (keys "0.9900" or, older, "0.99")."""
    for key, item in ((study or {}).get("layers") or {}).items():
        if abs(float(key) - float(sparsity)) < 1e-4:
            return item
    return None


@shareable("layers")
class LayerFractions(_ArchSwitch, widgets.VBox):
    """Fraction of weights each method keeps in each layer, at initialisation or after training.

    The at-initialisation masks (every method of :data:`hardtrain.pruning.METHODS`, SynFlow with
    its 100 rounds) are computed live when the precomputed study does not have the chosen
    sparsity and seed (scoring and masking only, no training). The after-training masks (one-shot
    magnitude pruning of the trained network, and the lottery ticket at the sparsities its IMP
    rounds reach) need a trained network: they come from the precomputed study, seed 0. The
    *Masks* toggle (class ``ht-lab4-layer-group``) shows the at-init masks, the after-training
    ones, or both. A layer with nothing left is marked *collapsed*. The Network toggle switches
    between the MLP (layers 1-3) and the CNN (conv 1-3, then the linear head); the summary gives
    each mask's theoretical FLOP speedup.

    Args:
      sparsity: the sparsity shown first (the closest one offered). seed: seed of the weights.
    """

    #: Sparsities offered when no precomputed study is found.
    DEFAULT_SPARSITIES = (0.5, 0.9, 0.99, 0.995, 0.999)
    NAMES = (*METHODS, "magnitude_after", "lottery")
    GROUPS = {"init": tuple(METHODS), "after": ("magnitude_after", "lottery")}

    def __init__(self, sparsity: float = 0.99, seed: int = 0):
        self.status = Status("")
        self._init_arch()
        self.data = self.precomputed()
        options = self._options()
        start = min(options, key=lambda s: abs(s - float(sparsity)))
        self._quiet = False
        self.sparsity = css_class(widgets.Dropdown(
            options=[(f"{s:.1%}", s) for s in options], value=start,
            description="Sparsity", style={"description_width": "initial"}), "ht-lab4-sparsity")
        self.group = css_class(widgets.ToggleButtons(
            options=[("at initialisation", "init"), ("after training", "after"), ("both", "both")],
            value="both", description="Masks:", style={"description_width": "initial", "button_width": "9em"},
            tooltips=["masks chosen before any training", "masks chosen from the trained network (seed 0)",
                      "all masks"]), "ht-lab4-layer-group")
        self.seed = NumberField("Seed", seed, 0, 9999, name="lab4-layer-seed",
                                on_change=lambda _: self.update())
        self.summary = css_class(widgets.HTML(), "ht-summary")
        fig = go.Figure()
        for m in self.NAMES:
            fig.add_trace(go.Bar(name=LABELS[m], marker_color=_COLOR[m],
                                 # hatched: after training; dotted: random (grey, as SynFlow's
                                 # green looks under deuteranopia)
                                 marker_pattern_shape=("/" if m in self.GROUPS["after"]
                                                       else "." if m == "random" else "")))
        fig.update_layout(barmode="group", yaxis=dict(title="weights kept in the layer (%)", type="log"),
                          xaxis=dict(title="layer (input -> output)"))
        self.fig = fig
        self._study = None
        self.update()
        self.sparsity.observe(lambda _: None if self._quiet else self.update(), names="value")
        self.group.observe(lambda _: self._groups(), names="value")
        controls = widgets.HBox([self.sparsity, self.seed], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.summary, self.status])
        css_class(self, "ht-view", "ht-lab4-layers")
        self.fig = figure_widget(self.fig, height=520, name="layers", legend_rows=3)
        self.children = [self.arch, controls, self.group, self.fig, self.summary, self.status]

    def _options(self) -> list[float]:
        layers = (self.data or {}).get("layers")
        if layers:
            return sorted(float(k) for k in layers)
        return list(self.DEFAULT_SPARSITIES)

    def _switched(self):
        """The Network toggle changed: that network's sparsities and masks."""
        self.data = self.precomputed()
        options = self._options()
        current = float(self.sparsity.value)
        self._quiet = True
        try:
            self.sparsity.options = [(f"{s:.1%}", s) for s in options]
            self.sparsity.value = min(options, key=lambda s: abs(s - current))
        finally:
            self._quiet = False
        self.update()

    @guarded()
    def _groups(self):
        shown = self.NAMES if self.group.value == "both" else self.GROUPS[self.group.value]
        with self.fig.batch_update():
            for j, m in enumerate(self.NAMES):
                self.fig.data[j].visible = m in shown

    def _draw(self, sparsity, item, which):
        layers = list(next(iter(item.values()))["remaining"])
        short = _layer_labels(layers)
        floor = 1e-3  # a collapsed layer (0%) drawn at the bottom of the log axis
        shown = self.NAMES if self.group.value == "both" else self.GROUPS[self.group.value]
        with getattr(self.fig, "batch_update", _null)():
            for j, m in enumerate(self.NAMES):
                if m not in item:
                    self.fig.data[j].update(x=[], y=[], text=[])
                    continue
                fr = [100 * item[m]["remaining"][name] for name in layers]
                self.fig.data[j].update(x=short, y=[max(f, floor) for f in fr],
                                        text=["collapsed" if f == 0 else f"{f:.2g}%" for f in fr],
                                        textposition="outside", visible=m in shown)
            self.fig.layout.title = f"{ARCH_LABELS[self.architecture]} at {sparsity:.1%} sparsity ({which})"
            self.fig.layout.yaxis.range = [np.log10(floor) - 0.3, 2.2]
        collapsed = {m: item[m]["collapsed"] for m in item if item[m]["collapsed"]}
        if collapsed:
            text = "; ".join(f"<b>{html.escape(LABELS[m])}</b>: {', '.join(short[layers.index(c)] for c in cs)}"
                             for m, cs in collapsed.items())
            summary = f"<p>Layer collapse (no weight left, the network is disconnected): {text}.</p>"
        else:
            summary = "<p>No layer collapsed: every method keeps at least one weight per layer.</p>"
        missing = [m for m in self.GROUPS["after"] if m not in item]
        if missing:
            summary += ("<p>Not shown here: " + ", ".join(html.escape(LABELS[m]) for m in missing)
                        + ". After-training masks need a trained network: they are precomputed for seed 0 "
                        "(the lottery ticket only at the sparsities its 20% rounds reach).</p>")
        speed = {m: item[m]["speedup"] for m in item if item[m].get("speedup")}
        if speed:
            summary += ("<p>Theoretical FLOP speedup (dense / remaining multiply-adds): "
                        + ", ".join(f"{html.escape(LABELS[m])} {x:.3g}×" for m, x in speed.items()) + ".</p>")
        self.summary.value = summary

    @guarded()
    def update(self):
        """Draw the masks at the chosen sparsity and seed: precomputed if there, else at-init live."""
        s = float(self.sparsity.value)
        seed = int(self.seed.value)
        item = _layer_item(self.data, s) if seed == 0 else None
        arch = ARCH_LABELS[self.architecture]
        if item is not None:
            self._draw(s, item, "precomputed, seed 0")
            self.status.ok(f"{arch}: precomputed masks at {s:.1%} sparsity, seed 0.")
            return
        config = _layer_config(self.architecture)
        if (self._study is None or self._study.config.seeds[0] != seed
                or self._study.config.architecture != self.architecture):
            self._study = _study(dataclasses.replace(config, seeds=(seed,)), seed)
        item = self._study.layer_fractions(s)
        self._draw(s, item, f"at-init masks computed live, seed {seed}")
        self.status.ok(f"{arch}: masks of {len(item)} at-init methods at {s:.1%} sparsity, seed {seed}.")


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
