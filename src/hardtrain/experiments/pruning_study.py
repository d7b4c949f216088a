"""Lab 4's pruning study: accuracy vs sparsity, pruning early, ablations; precomputed with provenance.

Size: past 500 lines because :class:`Study` is one protocol whose generators share the dense run,
its kept weights theta_k and the IMP rounds' cache (curves, prune-early and ablations reuse each
other's points); splitting the class would scatter that state. The configuration and the study's
constants already live in their own module, :mod:`.pruning_study_config`.

The experiment behind lab 4's dashboards (Frankle, Dziugaite, Roy & Carbin, "Pruning Neural
Networks at Initialization: Why are We Missing the Mark?", ICLR 2021, arXiv 2009.08576, at
laptop scale on MNIST-1D, Greydanus & Kobak, ICML 2024, arXiv 2011.14439): :class:`Study` runs
it from a :class:`StudyConfig` (defined, with the study's constants, in
:mod:`.pruning_study_config` and re-exported here) through generators that yield
``(fraction_done, message)``; :func:`precompute` runs it whole and writes the JSON that ships in
``assets/lab4/`` (through :mod:`.precomputed`, with provenance); :func:`load_precomputed` reads
it. The numerics (scores, masks, masked training, lottery tickets, accounting) are
:mod:`hardtrain.pruning`'s.

Command line::

    python -m hardtrain.experiments precompute lab4 --out assets/lab4/                      # MLP
    python -m hardtrain.experiments precompute lab4 --architecture cnn --out assets/lab4/   # CNN

Examples:
    >>> sorted(load_precomputed())[:4]
    ['ablations', 'before_retraining', 'chance', 'curves']
    >>> load_precomputed(architecture="cnn")["provenance"]["architecture"]
    'cnn'
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import data, models
from .. import train as training
from ..pruning import (METHODS, apply_masks, class_balanced_batch, collapsed_layers, flops_speedup,
                       magnitude_mask, map_seeds, masked_optimizer, prunable_paths, prune,
                       remaining_per_layer, shuffle_within_layers, stack_seeds)
from . import precomputed
from .pruning_study_config import (ABLATION_METHODS, AFTER_TRAINING, ARCHITECTURES, ASSET_FILE,
                                   ASSET_FILES, CURVES, EARLY_METHODS, LAYER_SPARSITIES,
                                   ONE_SHOT_AFTER, VARIANTS, StudyConfig, _check_architecture,
                                   _check_choice)

__all__ = ["Study", "precompute", "load_precomputed", "StudyConfig", "ARCHITECTURES", "ASSET_FILE",
           "ASSET_FILES", "CURVES", "AFTER_TRAINING", "ONE_SHOT_AFTER", "ABLATION_METHODS", "VARIANTS",
           "EARLY_METHODS", "LAYER_SPARSITIES"]


def _is_none(x) -> bool:
    return x is None


def _rounded(x):
    if isinstance(x, dict):
        return {str(k): _rounded(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_rounded(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not np.isfinite(x) else round(float(x), 5)
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


@functools.lru_cache(maxsize=8)
def _batch_loss(apply_fn):
    """Mean softmax cross-entropy of a minibatch, ``(params, xb, yb) -> scalar`` (one per model)."""

    def loss(params, xb, yb):
        return optax.softmax_cross_entropy_with_integer_labels(apply_fn(params, xb), yb).mean()

    return loss


@functools.lru_cache(maxsize=1)
def _study_optimizer() -> optax.GradientTransformation:
    """Adam with an injected learning rate, chained with :func:`keep_pruned_at_zero`.

    One object for every study: the learning rate of each step is set by
    :func:`hardtrain.train.train_minibatch`, so all studies share the compiled loops.
    """
    return masked_optimizer(training.make_optimizer("adam", 1e-2))


def _same(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-6


class Study:
    """A pruning study on MNIST-1D: accuracy vs sparsity, pruning early, and the ablations.

    Reproduces the protocol of Frankle, Dziugaite, Roy & Carbin, "Pruning Neural Networks at
    Initialization: Why are We Missing the Mark?" (ICLR 2021, arXiv 2009.08576) at laptop scale,
    on the MLP or the 1-D CNN of ``config.architecture``, every network trained with the recipe of
    :class:`StudyConfig` (minibatch Adam, cosine schedule over T steps):

    - **at initialisation** (random, magnitude, SNIP, GraSP, |GraSP|, SynFlow): score theta_0,
      mask, train T steps from theta_0;
    - **after training**, the baselines, all retraining for the same T - k steps:
      one-shot global magnitude pruning of the trained weights theta_T, then *fine-tuning* (the
      final, smallest learning rate of the schedule, held constant), *learning-rate rewinding*
      (the schedule's last T - k steps, from theta_T) or *weight rewinding* (the survivors reset
      to theta_k, the schedule's last T - k steps) (Renda, Frankle & Carbin, "Comparing
      Rewinding and Fine-tuning in Neural Network Pruning", ICLR 2020, arXiv 2003.02389); and
      iterative magnitude pruning (IMP, 20% of the remaining weights per round, globally) with
      learning-rate rewinding, or with weight rewinding: the lottery ticket (Frankle et al.,
      ICML 2020, arXiv 1912.05671). ``results["before_retraining"]`` keeps the test accuracy
      of the one-shot masks applied to theta_T before any retraining;
    - **pruning early**: scores taken at theta_k (the dense run's weights after k steps) for a
      few k, trained from theta_k for T - k steps (Frankle et al. 2021, section 6);
    - **ablations**: layerwise shuffle, reinitialisation, inversion.

    Global ranking is used for every magnitude baseline, as in Frankle et al. (2021) and Renda et
    al. (2020): one threshold lets the layers keep different densities, as trained weights ask.
    A fresh Adam state starts every retraining (the optimiser state is not rewound). Every run is
    one compiled, seed-vmapped loop of :func:`hardtrain.train.train_minibatch`; the generators
    yield ``(fraction_done, message)`` after each chunk (one method at one sparsity, all seeds),
    so a dashboard can show progress and stop between chunks.

    Args:
      config: a :class:`StudyConfig`.

    Attributes:
      uses: ``{prunable path: multiply-adds per example of one weight}``, for
        :func:`flops_speedup`.
      chance: the expected accuracy of guessing a class uniformly at random, 1 / n_classes.
      results: JSON-friendly dict filled by the generators: ``"dense"`` and ``"dense_train"``
        (test / training accuracy per seed), ``"curves"`` ({name: {"sparsity": [...],
        "accuracy": [[per seed] ...]}}), ``"early"`` ({"sparsity", "steps", "accuracy":
        {method: [[per seed] per step]}}), ``"ablations"`` ({str(sparsity): {method: {variant:
        [per seed]}}}).

    Raises:
      ValueError: a batch larger than the training set.
    """

    def __init__(self, config: StudyConfig):
        self.config = c = config
        ds = data.load("mnist1d", seed=c.data_seed, max_train=c.n_train)
        if c.batch_size > ds.x_train.shape[0]:
            raise ValueError(f"batch_size {c.batch_size} exceeds the {ds.x_train.shape[0]} training examples")
        self.dataset = ds
        self._spec = c.model_spec(ds.n_features, ds.n_classes)
        cls, args, kwargs = self._spec
        self.apply_fn, _ = models.build(cls, *args, seed=0, **kwargs)
        self.uses = models.weight_uses(cls, *args, **kwargs)
        self.batch_loss = _batch_loss(self.apply_fn)
        self.optimizer = _study_optimizer()
        self.learning_rates = training.cosine_learning_rates(c.learning_rate, c.steps, c.final_lr_fraction)
        n = int(ds.x_train.shape[0])
        self.batches = jnp.stack([training.batch_indices(n, c.batch_size, c.steps, jax.random.key(50_000 + int(s)))
                                  for s in c.seeds])
        self.params0 = self._init(c.seeds)
        self._acc = _batched_accuracy(self.apply_fn)
        self._test = (ds.x_test, ds.y_test)
        self.chance = 1.0 / ds.n_classes
        self.results: dict = {"dense": None, "dense_train": None, "curves": {}, "ablations": {}, "early": {}}
        self._lottery: dict[int, Any] = {}  # round -> (masks, trained params, accuracies)
        self._imp_lr: dict[int, Any] = {}  # the same for iterative pruning with LR rewinding
        self._dense = None
        self._theta: dict[int, Any] = {}

    # ------------------------------------------------------------------ helpers
    def _init(self, seeds):
        cls, args, kwargs = self._spec
        trees = [models.build(cls, *args, seed=int(s), **kwargs)[1] for s in seeds]
        return jax.tree.map(lambda *a: jnp.stack(a), *trees)

    def _seed_slice(self, tree, i):
        return jax.tree.map(lambda a: None if a is None else np.asarray(a)[i], tree,
                            is_leaf=_is_none) if tree is not None else None

    def _stack(self, trees):
        return stack_seeds(trees)

    def accuracy(self, params_batch, split: str = "test") -> list[float]:
        """Accuracy of every seed's parameters (leading seed axis) on the test or training set."""
        x, y = self._test if split == "test" else (self.dataset.x_train, self.dataset.y_train)
        return [float(a) for a in np.asarray(self._acc(params_batch, x, y))]

    def scoring_batch(self, seed: int):
        """The class-balanced batch of SNIP/GraSP for one seed."""
        ds = self.dataset
        return class_balanced_batch(ds.x_train, ds.y_train, self.config.per_class,
                                    jax.random.key(10_000 + int(seed)))

    def at_init_masks(self, method: str, sparsity: float, params_batch=None, *, invert=False):
        """Masks (leading seed axis) of a scoring method on each seed's weights (default theta_0)."""
        c = self.config
        params_batch = self.params0 if params_batch is None else params_batch
        out = []
        for i, seed in enumerate(c.seeds):
            p = self._seed_slice(params_batch, i)
            out.append(prune(method, p, self.apply_fn, self.scoring_batch(seed), sparsity,
                             key=jax.random.key(20_000 + int(seed)), invert=invert,
                             rounds=c.synflow_rounds if method == "synflow" else None))
        return self._stack(out)

    def run(self, params_batch, mask_batch, start: int = 0, stop: int | None = None, *,
            constant_lr: float | None = None, opt_state=None) -> training.TrainResult:
        """Train every seed (with its mask) over steps [start, stop) of the schedule and batch order.

        Args:
          params_batch: weights with a leading seed axis (pruned weights are zeroed here).
          mask_batch: masks with a leading seed axis, or None (dense).
          start, stop: the steps of the recipe to run (default: all T).
          constant_lr: hold this learning rate instead of the schedule (fine-tuning).
          opt_state: continue from this optimiser state (the dense run's segments).

        Returns:
          A :class:`hardtrain.train.TrainResult` (leading seed axis).
        """
        c = self.config
        stop = c.steps if stop is None else int(stop)
        p = params_batch if mask_batch is None else apply_masks(params_batch, mask_batch)
        lrs = (self.learning_rates[start:stop] if constant_lr is None
               else np.full(stop - start, constant_lr, np.float32))
        return training.train_minibatch(self.batch_loss, p, self.optimizer, self.dataset.x_train,
                                        self.dataset.y_train, self.batches[:, start:stop],
                                        learning_rates=lrs, opt_state=opt_state, batched=True)

    def train(self, params_batch, mask_batch, start: int = 0, **kw):
        """:meth:`run`, then the test accuracies: ``(accuracies, result)``."""
        res = self.run(params_batch, mask_batch, start, **kw)
        return self.accuracy(res.params), res

    def _add_point(self, name, sparsity, accs):
        cur = self.results["curves"].setdefault(name, {"sparsity": [], "accuracy": []})
        cur["sparsity"].append(float(sparsity))
        cur["accuracy"].append([float(a) for a in accs])

    def _curve_point(self, name, sparsity):
        cur = self.results["curves"].get(name)
        if cur:
            for s, a in zip(cur["sparsity"], cur["accuracy"]):
                if _same(s, sparsity):
                    return a
        return None

    def dense(self):
        """Train the dense network once, keeping theta_k at every early and rewind step; cached.

        Returns:
          ``(theta_k, theta_T)`` for the rewind step k (leading seed axis); ``theta(k)`` gives
          the others.
        """
        if self._dense is None:
            c = self.config
            marks = sorted({k for k in (*c.early_steps, c.rewind_step) if 0 < k < c.steps})
            p, state, start = self.params0, None, 0
            self._theta[0] = p
            for stop in (*marks, c.steps):
                res = self.run(p, None, start, stop, opt_state=state)
                p, state, start = res.params, res.opt_state, stop
                self._theta[stop] = p
            self._dense = (self._theta[c.rewind_step], p)
            self.results["dense"] = self.accuracy(p)
            self.results["dense_train"] = self.accuracy(p, "train")
        return self._dense

    def theta(self, k: int):
        """The dense run's weights after k steps (k = 0, an early step, the rewind step, or T)."""
        self.dense()
        if k not in self._theta:
            raise ValueError(f"theta_k is kept for k in {sorted(self._theta)}, not {k!r}")
        return self._theta[k]

    def _magnitude_masks(self, weights, current, sparsity):
        return map_seeds(functools.partial(magnitude_mask, sparsity=sparsity), True, weights, current)

    # ------------------------------------------------------------------ generators
    def curve_steps(self, methods: Sequence[str] = CURVES) -> Iterator[tuple[float, str]]:
        """Fill ``results["curves"]`` for ``methods``; yields ``(fraction, message)`` per chunk.

        Raises:
          ValueError: an unknown curve name.
        """
        for m in methods:
            _check_choice("curve", m, CURVES)
        c = self.config
        at_init = [m for m in methods if m in METHODS]
        after = [m for m in ONE_SHOT_AFTER if m in methods]
        iterative = [m for m in ("imp_lr_rewind", "lottery") if m in methods]
        chunks = (1 + len(at_init) * len(c.sparsities) + len(after) * len(c.sparsities)
                  + len(iterative) * self._lottery_target())
        done = 0
        for m in methods:
            self.results["curves"].pop(m, None)
        self.dense()
        done += 1
        yield done / chunks, (f"dense network trained ({np.mean(self.results['dense']):.1%} test, "
                              f"{np.mean(self.results['dense_train']):.1%} training accuracy)")
        for s in c.sparsities:
            for m in at_init:
                accs, _ = self.train(self.params0, self.at_init_masks(m, s))
                self._add_point(m, s, accs)
                done += 1
                yield done / chunks, f"{m} at sparsity {s:.1%}: {np.mean(accs):.1%}"
        if after:
            theta_k, trained = self.dense()
            k = c.rewind_step
            before = self.results.setdefault("before_retraining", {"sparsity": [], "accuracy": []})
            before["sparsity"].clear()
            before["accuracy"].clear()
            how = {"after_finetune": "fine-tuned", "after_lr_rewind": "learning rate rewound",
                   "after_weight_rewind": "weights rewound"}
            for s in c.sparsities:
                mk = self._magnitude_masks(trained, None, s)
                before["sparsity"].append(float(s))
                before["accuracy"].append(self.accuracy(apply_masks(trained, mk)))
                for m in after:
                    if m == "after_weight_rewind":
                        accs, _ = self.train(theta_k, mk, k)
                    else:
                        lr = float(self.learning_rates[-1]) if m == "after_finetune" else None
                        accs, _ = self.train(trained, mk, k, constant_lr=lr)
                    self._add_point(m, s, accs)
                    done += 1
                    yield done / chunks, f"magnitude after training, {how[m]}, sparsity {s:.1%}: {np.mean(accs):.1%}"
        for m in iterative:
            for r, s, accs in self._lottery_steps(self._lottery_target(), rewind="weights" if m == "lottery" else "lr"):
                self._add_point(m, s, accs)
                done += 1
                name = "lottery ticket" if m == "lottery" else "iterative pruning, learning rate rewound,"
                yield done / chunks, f"{name} round {r} (sparsity {s:.1%}): {np.mean(accs):.1%}"

    def _lottery_target(self):
        c = self.config
        top = max(c.sparsities)
        return int(math.ceil(math.log(1.0 - top) / math.log(1.0 - c.prune_fraction) - 1e-9))

    def _lottery_steps(self, rounds: int, rewind: str = "weights"):
        """IMP rounds 1..rounds (cached rounds reused); yields (round, sparsity, accuracies).

        ``rewind="weights"``: the survivors restart from theta_k (the lottery ticket);
        ``"lr"``: they continue from the last round's trained weights, with the schedule's last
        T - k steps (iterative pruning with learning-rate rewinding, Renda et al. 2020).
        """
        c = self.config
        theta_k, trained = self.dense()
        cache = self._lottery if rewind == "weights" else self._imp_lr
        current = None
        for r in range(1, rounds + 1):
            s = c.lottery_sparsity(r)
            if r in cache:
                current, trained, accs = cache[r]
            else:
                current = self._magnitude_masks(trained, current, s)
                accs, res = self.train(theta_k if rewind == "weights" else trained, current, c.rewind_step)
                trained = res.params
                cache[r] = (current, trained, accs)
            yield r, s, accs

    def prune_early_steps(self, methods: Sequence[str] = EARLY_METHODS) -> Iterator[tuple[float, str]]:
        """The prune-early curve: scores at theta_k, trained from theta_k; fills ``results["early"]``.

        At the sparsity :attr:`StudyConfig.early_sparsity`, for every k of
        :attr:`StudyConfig.early_steps`: each method scores the dense run's weights after k
        steps (SNIP and GraSP with the same scoring batch as at init), and the pruned network is
        trained from theta_k for the remaining T - k steps of the schedule. k = 0 is pruning at
        initialisation (the curve's point is reused when it exists).

        Raises:
          ValueError: an unknown method.
        """
        for m in methods:
            _check_choice("early method", m, METHODS)
        c = self.config
        ks = c.early_steps
        s = c.early_sparsity
        out = {"sparsity": s, "steps": list(ks), "accuracy": {m: [] for m in methods}}
        self.results["early"] = out
        if not ks:
            return
        self.dense()
        chunks, done = len(ks) * len(methods), 0
        for k in ks:
            for m in methods:
                accs = self._curve_point(m, s) if k == 0 else None
                if accs is None:
                    theta = self.theta(k)
                    accs, _ = self.train(theta, self.at_init_masks(m, s, theta), k)
                out["accuracy"][m].append([float(a) for a in accs])
                done += 1
                yield done / chunks, f"{m} scored after {k} steps, sparsity {s:.1%}: {np.mean(accs):.1%}"

    def ablation_steps(self, rounds: int, methods: Sequence[str] = ABLATION_METHODS
                       ) -> Iterator[tuple[float, str]]:
        """Ablations at the sparsity of IMP round ``rounds``; fills ``results["ablations"]``.

        At-init methods: original, layerwise-shuffled mask, reinitialised weights (a fresh seed,
        same mask), inverted scores. Lottery ticket: original, shuffled (rewound weights under a
        shuffled mask), reinit (fresh weights under the ticket's mask, trained T steps).

        Raises:
          ValueError: unknown method or rounds < 1.
        """
        for m in methods:
            _check_choice("ablation method", m, ABLATION_METHODS)
        if int(rounds) != rounds or rounds < 1:
            raise ValueError(f"rounds must be a positive integer, got {rounds!r}")
        c = self.config
        s = c.lottery_sparsity(rounds)
        out = self.results["ablations"].setdefault(f"{s:.4f}", {})
        fresh = self._init(tuple(1000 + int(x) for x in c.seeds))
        shuffle_keys = [jax.random.key(30_000 + int(x)) for x in c.seeds]
        at_init = [m for m in methods if m in METHODS]
        chunks = len(at_init) * 4 + (("lottery" in methods) * (rounds + 2))
        done = 0
        for m in at_init:
            mk = self.at_init_masks(m, s)
            shuffled = self._stack([shuffle_within_layers(self._seed_slice(mk, i), k)
                                    for i, k in enumerate(shuffle_keys)])
            runs = {"original": (self.params0, mk), "shuffled": (self.params0, shuffled),
                    "reinit": (fresh, mk), "inverted": (self.params0, self.at_init_masks(m, s, invert=True))}
            out[m] = {}
            for v, (p, mm) in runs.items():
                accs = self._curve_point(m, s) if v == "original" else None
                if accs is None:
                    accs, _ = self.train(p, mm)
                out[m][v] = [float(a) for a in accs]
                done += 1
                yield done / chunks, f"{m}, {v}, sparsity {s:.1%}: {np.mean(accs):.1%}"
        if "lottery" in methods:
            for r, _, _ in self._lottery_steps(rounds):
                done += 1
                yield done / chunks, f"lottery ticket round {r} of {rounds}"
            current, _, accs = self._lottery[rounds]
            theta_k, _ = self.dense()
            out["lottery"] = {"original": accs}
            shuffled = self._stack([shuffle_within_layers(self._seed_slice(current, i), k)
                                    for i, k in enumerate(shuffle_keys)])
            out["lottery"]["shuffled"], _ = self.train(theta_k, shuffled, c.rewind_step)
            done += 1
            yield done / chunks, f"lottery ticket, shuffled: {np.mean(out['lottery']['shuffled']):.1%}"
            out["lottery"]["reinit"], _ = self.train(fresh, current)
            done += 1
            yield done / chunks, f"lottery ticket, reinit: {np.mean(out['lottery']['reinit']):.1%}"

    def layer_fractions(self, sparsity: float, methods: Sequence[str] = METHODS, seed_index: int = 0
                        ) -> dict[str, dict]:
        """Remaining fraction per layer and collapsed layers of each at-init method (no training).

        Returns:
          ``{method: {"remaining": {layer: fraction}, "collapsed": [layers], "speedup": x}}``
          for the seed ``config.seeds[seed_index]``; ``speedup`` is the theoretical FLOP speedup
          of the mask (:func:`flops_speedup` with :attr:`uses`).
        """
        c = self.config
        p = self._seed_slice(self.params0, seed_index)
        seed = c.seeds[seed_index]
        out = {}
        for m in methods:
            mk = prune(m, p, self.apply_fn, self.scoring_batch(seed), sparsity,
                       key=jax.random.key(20_000 + int(seed)),
                       rounds=c.synflow_rounds if m == "synflow" else None)
            out[m] = self._layer_item(p, mk)
        return out

    def _layer_item(self, p, mk):
        return {"remaining": remaining_per_layer(mk), "collapsed": collapsed_layers(mk),
                "speedup": flops_speedup(p, mk, self.uses)}

    def after_training_layer_fractions(self, sparsity: float, seed_index: int = 0) -> dict[str, dict]:
        """Per-layer fractions of the masks found after training (trains the dense net if needed).

        ``"magnitude_after"``: one-shot global magnitude pruning of theta_T (the mask of both
        fine-tuning and learning-rate rewinding); ``"lottery"``: the IMP mask, only at a
        sparsity that an IMP round already computed by this study reached.

        Returns:
          ``{name: {"remaining", "collapsed", "speedup"}}`` as :meth:`layer_fractions`.
        """
        _, trained = self.dense()
        p = self._seed_slice(trained, seed_index)
        out = {"magnitude_after": self._layer_item(p, magnitude_mask(p, None, sparsity))}
        for r, (current, _, _) in self._lottery.items():
            if _same(self.config.lottery_sparsity(r), sparsity):
                out["lottery"] = self._layer_item(p, self._seed_slice(current, seed_index))
        return out

    def run_all(self) -> Iterator[tuple[float, str]]:
        """Curves, the prune-early curve, then the ablations at every ``config.ablation_rounds``."""
        c = self.config
        parts = 1 + bool(c.early_steps) + len(c.ablation_rounds)
        for f, msg in self.curve_steps():
            yield f / parts, msg
        j = 1
        if c.early_steps:
            for f, msg in self.prune_early_steps():
                yield (j + f) / parts, msg
            j += 1
        for r in c.ablation_rounds:
            for f, msg in self.ablation_steps(r):
                yield (j + f) / parts, msg
            j += 1

@functools.lru_cache(maxsize=8)
def _batched_accuracy(apply_fn):
    def acc(params, x, y):
        return jnp.mean(jnp.argmax(apply_fn(params, x), -1) == y)

    return jax.jit(jax.vmap(acc, in_axes=(0, None, None)))


def precompute(out: str | Path, config: StudyConfig | None = None, *, command: str = "",
               progress: Callable[[float, str], None] | None = None) -> Path:
    """Run the whole study and write it as JSON (curves, prune-early, ablations, layers, provenance).

    ``"layers"`` maps each sparsity (4 decimals: the curves' and :data:`LAYER_SPARSITIES`) to the
    per-layer fractions of every at-init method, of magnitude pruning after training
    (``"magnitude_after"``) and, at IMP sparsities, of the lottery ticket (``"lottery"``), seed 0.

    The file is ``<out>/pruning_study.json`` for the MLP and ``<out>/pruning_study_cnn.json``
    for the CNN (:data:`ASSET_FILES`, chosen by ``config.architecture``). Its provenance
    (:func:`hardtrain.experiments.precomputed.provenance`) records, besides the command, package
    versions, machine and date: ``"architecture"``, ``"model"`` (the network in words),
    ``"recipe"``, ``"config"`` (every field), ``"seconds"`` and ``"dataset"``. Accuracies are
    rounded to 5 decimals (a non-finite value is written as ``null``).

    Args:
      out: output folder (created).
      config: default :meth:`StudyConfig.full` (the MLP).
      command: the command line to record in the provenance.
      progress: called with ``(fraction, message)`` after each chunk.

    Returns:
      The path of the JSON file.
    """
    config = config or StudyConfig.full()
    t0 = time.perf_counter()
    study = Study(config)
    for frac, msg in study.run_all():
        if progress is not None:
            progress(frac, msg)
    layers = {}
    for s in (*config.sparsities, *LAYER_SPARSITIES):
        layers[f"{s:.4f}"] = {**study.layer_fractions(s), **study.after_training_layer_fractions(s)}
    prov = precomputed.provenance(
        command, architecture=config.architecture, model=config.describe(), recipe=config.recipe(),
        config=dataclasses.asdict(config), seconds=round(time.perf_counter() - t0, 1),
        dataset="MNIST-1D generated locally (mnist1d.data.make_dataset, get_dataset_args())")
    payload = {"provenance": prov,
               "dense": study.results["dense"], "dense_train": study.results["dense_train"],
               "before_retraining": study.results.get("before_retraining"),
               "chance": study.chance, "curves": study.results["curves"],
               "early": study.results["early"],
               "ablations": study.results["ablations"], "layers": layers,
               # names from one seed's tree: with the seed axis every bias would look prunable
               "layer_names": prunable_paths(study._seed_slice(study.params0, 0)), "weight_uses": study.uses}
    return precomputed.save(Path(out) / ASSET_FILES[config.architecture], _rounded(payload))


def load_precomputed(path: str | Path | None = None, architecture: str = "mlp") -> dict:
    """Read a study written by :func:`precompute` (default: the repository's assets/lab4/).

    Args:
      path: a JSON file, or a folder holding :data:`ASSET_FILES`; default assets/lab4/.
      architecture: which study to read from a folder: ``"mlp"`` (pruning_study.json) or
        ``"cnn"`` (pruning_study_cnn.json). A file path is read as it is.

    Returns:
      The JSON document as a dict (``"provenance"``, ``"dense"``, ``"curves"``, ``"ablations"``,
      ``"layers"``, ...). Files written before the CNN existed have no ``"architecture"`` in
      their provenance: they are MLP studies.

    Raises:
      ValueError: an unknown architecture, or a file that is not valid JSON.
      FileNotFoundError: no such file; the message names the command that writes it.
    """
    _check_architecture(architecture)
    path = precomputed.assets_dir("lab4") if path is None else Path(path)
    if path.is_dir():
        path = path / ASSET_FILES[architecture]
    try:
        return precomputed.load(path.name, folder=path.parent, lab="lab4")
    except FileNotFoundError as exc:
        if architecture == "cnn":
            raise FileNotFoundError(f"{exc} (with --architecture cnn)") from None
        raise
