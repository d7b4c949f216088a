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
      history_every: k > 0 also records, for a replay, the relative change and the loss at steps
        0, k, 2k, ... (0: final values only).
    """

    widths: tuple[int, ...] = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
    n_train: int = 256
    steps: int = 200
    lr: float = 1.0
    seeds: tuple[int, ...] = (0, 1, 2)
    history_every: int = 0

    @classmethod
    def live(cls):
        """Five widths from 32 to 8192, two seeds."""
        return cls(widths=(32, 128, 512, 2048, 8192), seeds=(0, 1))

    @classmethod
    def tiny(cls):
        """Five widths from 16 to 4096 on 64 examples, 20 steps, one seed."""
        return cls(widths=(16, 64, 256, 1024, 4096), n_train=64, steps=20, seeds=(0,))


@functools.lru_cache(maxsize=64)
def _lazy_program(width: int, steps: int, lr: float, n_inputs: int, n_outputs: int, history: bool = False):
    def one(seed, x, targets):
        p0 = ntk_init(jax.random.fold_in(jax.random.key(1), seed), n_inputs, width, n_outputs)

        def loss(p):
            return 0.5 * jnp.mean(jnp.sum((ntk_apply(p, x) - targets) ** 2, -1))

        def body(p, _):
            value, g = jax.value_and_grad(loss)(p)
            out = (value, relative_change(p0, p)) if history else value  # both before this step
            return jax.tree.map(lambda w, gw: w - lr * gw, p, g), out

        p_t, per_step = jax.lax.scan(body, p0, None, length=steps)
        losses = per_step[0] if history else per_step
        final = {"relative_change": relative_change(p0, p_t),
                 "relative_change_W": relative_change(p0["W"], p_t["W"]),
                 "initial_loss": losses[0], "final_loss": loss(p_t)}
        if history:  # steps 0 .. T: the values before each step, then the final ones
            final["history_loss"] = jnp.append(losses, final["final_loss"])
            final["history_relative_change"] = jnp.append(per_step[1], final["relative_change"])
        return final

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
      history_every: k > 0 also keeps, in :attr:`history`, each seed's relative change and loss
        at steps 0, k, 2k, ... up to ``steps`` (for a replay); 0 keeps final values only.
      devices: as in :func:`hardtrain.overparam.sweep_over_devices`.

    Attributes:
      history: one dict per width done, when ``history_every`` > 0: ``"steps"`` (F,) the steps
        recorded, ``"relative_change"`` and ``"loss"`` of shape (seeds, F). Empty otherwise.

    Raises:
      ValueError: a bad width, seed, n_train, steps, lr or history_every.
    """

    def __init__(self, dataset, widths: Sequence[int] = (32, 128, 512, 2048, 8192), *,
                 n_train: int = 256, steps: int = 200, lr: float = 1.0, seeds: Sequence[int] = (0,),
                 history_every: int = 0, devices=None):
        n_train = check_n_train(dataset, n_train)
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
        self.widths = check_widths(widths)
        self.seeds = check_seeds(seeds)
        self.steps_ = check_int("steps", steps, 1)
        self.lr = float(lr)
        self.history_every = check_int("history_every", history_every, 0)
        self.history: list[dict] = []
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
                   steps=config.steps, lr=config.lr, seeds=config.seeds,
                   history_every=config.history_every, **kwargs)

    def fit(self, width: int) -> dict:
        """Metrics for one width, arrays over seeds (with ``history_every``, the history too:
        ``history_loss`` and ``history_relative_change`` of shape (seeds, steps + 1))."""
        fn = _lazy_program(int(width), self.steps_, self.lr, int(self.x.shape[1]), self.n_outputs,
                           self.history_every > 0)
        out = sweep_over_devices(fn, jnp.asarray(self.seeds, jnp.int32), self.x, self.targets,
                                 devices=self.devices)
        return {k: np.asarray(v) for k, v in out.items()}

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        self.result.clear()
        self.history.clear()
        cost = np.array(self.widths, np.float64)
        kept = np.arange(0, self.steps_ + 1, max(self.history_every, 1))
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            out = self.fit(m)
            if self.history_every:
                self.history.append({"steps": kept, "loss": out.pop("history_loss")[:, kept],
                                     "relative_change": out.pop("history_relative_change")[:, kept]})
            self.result.add(m, time.perf_counter() - t0, **out)
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"width {m}: relative weight change {out['relative_change'].mean():.4f}, "
                f"final loss {out['final_loss'].mean():.4f}")
