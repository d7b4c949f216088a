"""Lab 3, section 3: width turns a hard search into an easy one.

Gradient descent fits a training set more often as the network widens, on two tasks:

- lab 2's hard Set-Splitting instance (:data:`HARD_INSTANCE`), turned into a training set by
  Blum & Rivest's reduction ("Training a 3-node neural network is NP-complete", NIPS 1988;
  Neural Networks 5(1), 1992): a 2-hidden-unit threshold network fits it, yet gradient descent on
  the 2-unit relaxation fails from every restart tried; :class:`HardInstanceSweep`;
- random labels on MNIST-1D, which wide nets memorise and narrow ones cannot (Zhang, Bengio,
  Hardt, Recht, Vinyals, "Understanding deep learning requires rethinking generalization",
  ICLR 2017, arXiv 1611.03530); :class:`MemorisationSweep`.

:class:`Config` holds both sweeps' sizes (``full()``: the precomputed
``assets/lab3/width_makes_easy.json``).

Examples:
    >>> n, subsets = hard_instance()
    >>> n, len(subsets), Config.full().widths[0]
    (10, 20, 2)
"""

from __future__ import annotations

import dataclasses
import time
from typing import Iterator, Sequence

import jax
import numpy as np

from .. import models
from .. import train as training
from ..hardness import blum_rivest_dataset, fit_threshold_network_gd, random_instance
from ..validation import check_int
from .base import Presets
from .sweeps import (Sweep, SweepResult, check_n_train, check_seeds, check_widths, mlp_loss, mnist1d,
                     stacked_inits)

__all__ = ["HARD_INSTANCE", "hard_instance", "Config", "MemorisationSweep", "HardInstanceSweep"]

#: Lab 2's hard instance used by lab 3: ``random_instance(10, 20, 3, seed=1)`` is splittable (a
#: 2-hidden-unit threshold network fits its Blum-Rivest training set, SAT-certified in lab 2) yet
#: gradient descent on the 2-unit relaxation failed on all restarts tried.
HARD_INSTANCE = {"n_elements": 10, "n_subsets": 20, "subset_size": 3, "seed": 1}


def hard_instance() -> tuple[int, tuple[tuple[int, ...], ...]]:
    """Lab 2's fixed hard Set-Splitting instance (:data:`HARD_INSTANCE`), as (n, subsets).

    Returns:
      ``(n_elements, subsets)``, in :func:`hardtrain.hardness.random_instance`'s format.
    """
    h = HARD_INSTANCE
    return random_instance(h["n_elements"], h["n_subsets"], h["subset_size"], seed=h["seed"])


@dataclasses.dataclass(frozen=True)
class Config(Presets):
    """What section 3 computes.

    Attributes:
      widths: hidden widths (2 is the width of Blum & Rivest's network).
      restarts: gradient-descent restarts per width on the hard instance.
      hard_steps: gradient-descent steps per restart on the hard instance.
      memo_n_train: MNIST-1D inputs whose labels are replaced by random ones.
      memo_steps: Adam steps per width on the random labels.
      memo_seeds: how many initial weights per width on the random labels (seeds ``seed``,
        ``seed + 1``, ...).
      seed: seed of the restarts, of the first initial weights and of the random labels.
    """

    widths: tuple[int, ...] = (2, 3, 4, 6, 8, 16, 32, 64)
    restarts: int = 32
    hard_steps: int = 500
    memo_n_train: int = 500
    memo_steps: int = 2000
    memo_seeds: int = 8
    seed: int = 0

    @classmethod
    def live(cls):
        """Five widths; 16 restarts and 16 seeds; 300 random labels, 1000 steps."""
        return cls(widths=(2, 3, 4, 8, 32), restarts=16, memo_n_train=300, memo_steps=1000, memo_seeds=16)

    @classmethod
    def tiny(cls):
        """Widths 2 and 8; 4 restarts and 4 seeds of 100 steps; 100 random labels."""
        return cls(widths=(2, 8), restarts=4, hard_steps=100, memo_n_train=100, memo_steps=100, memo_seeds=4)


class MemorisationSweep(Sweep):
    """How often gradient descent fits *random* labels exactly, as the width grows.

    For each width m: ``len(seeds)`` one-hidden-layer ReLU MLPs (40 -> m -> 10, LeCun-normal
    init) are trained at once (vmapped over seeds, one compiled program per width) full-batch
    with Adam (learning rate 1e-2) for ``steps`` steps on ``n_train`` MNIST-1D inputs whose
    labels were replaced by uniformly random classes (drawn once, ``label_seed``). Success = zero
    training errors. Wide nets memorise random labels (Zhang et al., ICLR 2017, arXiv 1611.03530);
    narrow ones cannot: m * (40 + 10) + 10 + m parameters against n labels.

    Args:
      dataset: a :class:`hardtrain.data.Dataset`.
      widths: hidden widths.
      n_train: number of inputs.
      steps: Adam steps.
      seeds: seeds of the initial weights.
      label_seed: seed of the random labels.

    Raises:
      ValueError: a bad width, seed, n_train or steps.
    """

    def __init__(self, dataset, widths: Sequence[int] = (2, 4, 8, 16, 32, 64, 128), *,
                 n_train: int = 200, steps: int = 1000, seeds: Sequence[int] = tuple(range(8)),
                 label_seed: int = 0):
        n_train = check_n_train(dataset, n_train)
        self.widths = check_widths(widths)
        self.seeds = check_seeds(seeds)
        self.steps_ = check_int("steps", steps, 1)
        self.ds = dataset
        self.x = dataset.x_train[:n_train]
        self.y = jax.random.randint(jax.random.key(int(label_seed)), (n_train,), 0, dataset.n_classes)
        self._opt = training.make_optimizer("adam", 1e-2)
        self.result = SweepResult(settings={"n_train": n_train, "steps": self.steps_, "seeds": list(self.seeds),
                                            "label_seed": int(label_seed),
                                            "task": "random labels (memorisation)"})

    @classmethod
    def from_config(cls, config: Config, dataset=None) -> "MemorisationSweep":
        """The random-labels sweep a :class:`Config` describes (``memo_*``, ``widths``, ``seed``).

        Args:
          config: the sizes.
          dataset: default :func:`hardtrain.experiments.sweeps.mnist1d`.

        Returns:
          A :class:`MemorisationSweep`, not yet run.
        """
        return cls(mnist1d() if dataset is None else dataset, config.widths, n_train=config.memo_n_train,
                   steps=config.memo_steps, seeds=tuple(range(config.seed, config.seed + config.memo_seeds)),
                   label_seed=config.seed)

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        self.result.clear()
        cost = np.array(self.widths, np.float64)
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            apply_fn, _ = models.build(models.MLP, self.ds.n_features, (m,), self.ds.n_classes, activation="relu")
            params = stacked_inits(m, self.ds.n_features, self.ds.n_classes, self.seeds)
            loss_fn = mlp_loss(apply_fn, self.x, self.y)
            res = training.train_many(loss_fn, params, self._opt, self.steps_)
            errs = np.array([1.0 - models.accuracy(apply_fn, jax.tree.map(lambda a: a[s], res.params),
                                                   self.x, self.y) for s in range(len(self.seeds))])
            self.result.add(m, time.perf_counter() - t0, train_error=errs,
                            success=(errs == 0).astype(np.float64))
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"width {m}: {int((errs == 0).sum())}/{len(self.seeds)} runs fit every random label")


class HardInstanceSweep(Sweep):
    """Gradient-descent success rate on lab 2's hard Blum-Rivest instance as the width grows.

    Uses :func:`hardtrain.hardness.blum_rivest_dataset` (a training set that a 2-hidden-unit
    threshold network fits iff a set-splitting instance is solvable; Blum & Rivest, Neural
    Networks 1992) and :func:`hardtrain.hardness.fit_threshold_network_gd` with ``restarts``
    random restarts per width; the success rate is the fraction of restarts with zero training
    errors.

    Args:
      n_elements: size of the ground set of the instance.
      subsets: the subsets (lab 2's format).
      widths: hidden widths (2 is the width of the hardness proof).
      restarts, steps, seed: as in lab 2's function.

    Raises:
      ValueError: bad widths, restarts or steps.
    """

    def __init__(self, n_elements: int, subsets, widths: Sequence[int] = (2, 4, 8, 16, 32), *,
                 restarts: int = 16, steps: int = 500, seed: int = 0):
        self.X, self.y = blum_rivest_dataset(n_elements, subsets, gadget=True)
        self.widths = check_widths(widths)
        self.restarts = check_int("restarts", restarts, 1)
        self.steps_ = check_int("steps", steps, 1)
        self.seed = int(seed)
        self.result = SweepResult(settings={"n_elements": int(n_elements), "subsets": [list(s) for s in subsets],
                                            "restarts": self.restarts, "steps": self.steps_, "seed": self.seed,
                                            "task": "Blum-Rivest instance (lab 2)"})

    @classmethod
    def from_config(cls, config: Config) -> "HardInstanceSweep":
        """The sweep on :func:`hard_instance` a :class:`Config` describes (``restarts``, ``hard_steps``...).

        Args:
          config: the sizes.

        Returns:
          A :class:`HardInstanceSweep`, not yet run.
        """
        return cls(*hard_instance(), widths=config.widths, restarts=config.restarts, steps=config.hard_steps,
                   seed=config.seed)

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        self.result.clear()
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            res = fit_threshold_network_gd(self.X, self.y, self.restarts, self.steps_, jax.random.key(self.seed),
                                           width=m)
            errors = np.asarray(res.errors, np.float64)
            self.result.add(m, time.perf_counter() - t0, errors=errors, success=(errors == 0).astype(np.float64))
            yield (i + 1) / len(self.widths), f"width {m}: success rate {float(res.success_rate):.2f}"
