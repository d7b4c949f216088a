"""Lab 3, section 2: lazy training, the weights of wide networks barely move.

In the NTK parameterisation (:mod:`hardtrain.overparam.ntk`), full-batch gradient descent with a
learning rate independent of the width m changes the weights by a relative amount
||theta_T - theta_0|| / ||theta_0|| that shrinks like m^-1/2, while the loss reached stays about
the same: Jacot, Gabriel, Hongler, "Neural Tangent Kernel", NeurIPS 2018, arXiv 1806.07572; Lee
et al., NeurIPS 2019, arXiv 1902.06720; Chizat, Oyallon, Bach, "On Lazy Training in
Differentiable Programming", NeurIPS 2019, arXiv 1812.07956. :class:`LazyTrainingSweep` measures
it on MNIST-1D; :class:`Config` holds its sizes (``full()``: the precomputed
``assets/lab3/lazy_training.json``).

Examples:
    >>> Config.full().widths[-1], Config.live().steps, len(Config.tiny().seeds)
    (8192, 200, 1)
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from ..overparam import ntk_apply, ntk_init, relative_change, sweep_over_devices
from ..validation import check_int
from .base import Presets
from .sweeps import Sweep, SweepResult, check_n_train, check_seeds, check_widths, mnist1d

__all__ = ["Config", "LazyTrainingSweep"]


@dataclasses.dataclass(frozen=True)
class Config(Presets):
    """What section 2 computes.

    Attributes:
      widths: hidden widths m.
      n_train: the first n MNIST-1D training examples.
      steps: full-batch gradient-descent steps.
      lr: learning rate (the same at every width).
      seeds: seeds of the initial weights.
    """

    widths: tuple[int, ...] = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
    n_train: int = 256
    steps: int = 200
    lr: float = 1.0
    seeds: tuple[int, ...] = (0, 1, 2)

    @classmethod
    def live(cls):
        """Five widths from 32 to 8192, two seeds."""
        return cls(widths=(32, 128, 512, 2048, 8192), seeds=(0, 1))

    @classmethod
    def tiny(cls):
        """Five widths from 16 to 4096 on 64 examples, 20 steps, one seed."""
        return cls(widths=(16, 64, 256, 1024, 4096), n_train=64, steps=20, seeds=(0,))


@functools.lru_cache(maxsize=64)
def _lazy_program(width: int, steps: int, lr: float, n_inputs: int, n_outputs: int):
    def one(seed, x, targets):
        p0 = ntk_init(jax.random.fold_in(jax.random.key(1), seed), n_inputs, width, n_outputs)

        def loss(p):
            return 0.5 * jnp.mean(jnp.sum((ntk_apply(p, x) - targets) ** 2, -1))

        def body(p, _):
            value, g = jax.value_and_grad(loss)(p)
            return jax.tree.map(lambda w, gw: w - lr * gw, p, g), value

        p_t, losses = jax.lax.scan(body, p0, None, length=steps)
        return {"relative_change": relative_change(p0, p_t),
                "relative_change_W": relative_change(p0["W"], p_t["W"]),
                "initial_loss": losses[0], "final_loss": loss(p_t)}

    return one


class LazyTrainingSweep(Sweep):
    """Relative weight change vs width in the NTK parameterisation (lazy training).

    For each width m and seed: initialise :func:`hardtrain.overparam.ntk_init`, run ``steps``
    steps of full-batch gradient descent (learning rate ``lr``, independent of m) on the squared
    loss of one-hot MNIST-1D targets, and record ||theta_T - theta_0|| / ||theta_0|| (all
    weights, and the first layer alone), the initial and final loss. Theory: the change shrinks
    like m^-1/2 while the loss reached stays about the same (Jacot et al., arXiv 1806.07572; Lee
    et al., arXiv 1902.06720; Chizat, Oyallon, Bach, arXiv 1812.07956). Seeds are vmapped and
    sharded over the devices (:func:`hardtrain.overparam.sweep_over_devices`).

    Args:
      dataset: a :class:`hardtrain.data.Dataset`.
      widths: hidden widths m.
      n_train: first n training examples.
      steps: GD steps.
      lr: learning rate > 0.
      seeds: seeds of the initial weights.
      devices: as in :func:`hardtrain.overparam.sweep_over_devices`.

    Raises:
      ValueError: a bad width, seed, n_train, steps or lr.
    """

    def __init__(self, dataset, widths: Sequence[int] = (32, 128, 512, 2048, 8192), *,
                 n_train: int = 256, steps: int = 200, lr: float = 1.0, seeds: Sequence[int] = (0,),
                 devices=None):
        n_train = check_n_train(dataset, n_train)
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
        self.widths = check_widths(widths)
        self.seeds = check_seeds(seeds)
        self.steps_ = check_int("steps", steps, 1)
        self.lr = float(lr)
        self.x = dataset.x_train[:n_train]
        self.targets = jax.nn.one_hot(dataset.y_train[:n_train], dataset.n_classes)
        self.n_outputs = int(dataset.n_classes)
        self.devices = devices
        self.result = SweepResult(settings={"n_train": n_train, "steps": self.steps_, "lr": self.lr,
                                            "seeds": list(self.seeds),
                                            "model": "NTK-parameterised 40-m-10 ReLU, full-batch GD, squared loss"})

    @classmethod
    def from_config(cls, config: Config, dataset=None, **kwargs) -> "LazyTrainingSweep":
        """The sweep a :class:`Config` describes, on MNIST-1D unless another dataset is given.

        Args:
          config: the sizes.
          dataset: default :func:`hardtrain.experiments.sweeps.mnist1d`.
          **kwargs: passed on (``devices``).

        Returns:
          A :class:`LazyTrainingSweep`, not yet run.
        """
        return cls(mnist1d() if dataset is None else dataset, config.widths, n_train=config.n_train,
                   steps=config.steps, lr=config.lr, seeds=config.seeds, **kwargs)

    def fit(self, width: int) -> dict:
        """Metrics for one width, arrays over seeds."""
        fn = _lazy_program(int(width), self.steps_, self.lr, int(self.x.shape[1]), self.n_outputs)
        out = sweep_over_devices(fn, jnp.asarray(self.seeds, jnp.int32), self.x, self.targets,
                                 devices=self.devices)
        return {k: np.asarray(v) for k, v in out.items()}

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        self.result.clear()
        cost = np.array(self.widths, np.float64)
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            out = self.fit(m)
            self.result.add(m, time.perf_counter() - t0, **out)
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"width {m}: relative weight change {out['relative_change'].mean():.4f}, "
                f"final loss {out['final_loss'].mean():.4f}")
