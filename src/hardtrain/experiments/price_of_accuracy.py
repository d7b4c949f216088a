"""Lab 3, section 4: the price of accuracy, measured on a ladder of training runs.

A ladder of MNIST-1D MLPs, each bigger and trained on more data for more steps
(:func:`default_ladder`); :class:`CostLadder` measures each rung's FLOPs (XLA's cost analysis,
:func:`hardtrain.compute.flops`), wall time and test error, so that
:func:`hardtrain.compute.fit_power_law` can fit error against compute and compare the exponent
with the published ones (Thompson, Greenewald, Lee, Manso, "The Computational Limits of Deep
Learning", arXiv 2007.05558, 2020). Data: Greydanus & Kobak, "Scaling Down Deep Learning with
MNIST-1D", ICML 2024, arXiv 2011.14439. :class:`Config` holds the ladder (``full()``: the
precomputed ``assets/lab3/cost_ladder.json``).

Examples:
    >>> [r.width for r in default_ladder()]
    [8, 16, 32, 64, 128]
    >>> len(Config.tiny().rungs) < len(Config.live().rungs)
    True
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import models
from ..compute import flops
from .base import Presets
from .sweeps import mnist1d

__all__ = ["Rung", "RungResult", "default_ladder", "Config", "CostLadder", "ladder_document"]

@dataclasses.dataclass(frozen=True)
class Rung:
    """One rung of the ladder: an MLP with one hidden layer of ``width`` ReLU units, trained
    full-batch with Adam for ``steps`` steps on the first ``n_train`` MNIST-1D examples."""

    width: int
    n_train: int
    steps: int


@dataclasses.dataclass(frozen=True)
class RungResult:
    """Measured cost of one rung.

    Attributes:
      rung: the :class:`Rung`.
      params: number of parameters.
      flops_per_step: FLOPs of one training step (from :func:`hardtrain.compute.flops`).
      flops: total FLOPs of the run.
      seconds: wall time of the training (compile excluded).
      test_error: final test error (fraction misclassified).
      train_error: final train error.
      errors: test error after each chunk.
      chunk_steps: steps per chunk.
      flops_to_target, seconds_to_target: first chunk at or below the target error (NaN when
        never reached).
    """

    rung: Rung
    params: int
    flops_per_step: float
    flops: float
    seconds: float
    test_error: float
    train_error: float
    errors: tuple[float, ...]
    chunk_steps: int
    flops_to_target: float
    seconds_to_target: float


def default_ladder(fast: bool = False) -> tuple[Rung, ...]:
    """The ladder used by lab 3: width, data and steps grow together at every rung.

    Width (hidden units) and training examples double per rung; steps grow 1.33 to 1.5 times
    (150, 200, 300, 450, 600).

    Args:
      fast: a short ladder for tests and the fast (CI) mode.

    Returns:
      A tuple of :class:`Rung`.
    """
    if fast:
        return (Rung(8, 250, 100), Rung(16, 500, 150), Rung(32, 1000, 200))
    return (Rung(8, 250, 150), Rung(16, 500, 200), Rung(32, 1000, 300), Rung(64, 2000, 450),
            Rung(128, 4000, 600))


@dataclasses.dataclass(frozen=True)
class Config(Presets):
    """What section 4 measures.

    Attributes:
      rungs: the ladder (:func:`default_ladder`).
      target_error: test error whose first crossing is timed, in (0, 1).
      seed: seed of the initial weights.
      chunks: evaluation points per rung.
    """

    rungs: tuple[Rung, ...] = default_ladder()
    target_error: float = 0.6
    seed: int = 0
    chunks: int = 5

    @classmethod
    def tiny(cls):
        """Three short rungs (:func:`default_ladder` ``(fast=True)``)."""
        return cls(rungs=default_ladder(fast=True))


class CostLadder:
    """Train a ladder of MNIST-1D MLPs and measure FLOPs and wall time to each error level.

    Each rung trains an MLP (40 -> width ReLU -> 10) full-batch with Adam (learning rate 1e-2,
    Kingma & Ba, arXiv 1412.6980) in chunks of ``chunk`` steps compiled once per shape; the test
    error is read after every chunk. FLOPs come from XLA's cost analysis of one step
    (:func:`hardtrain.compute.flops`), the time from the wall clock around the chunks (the first
    chunk's compile is excluded: it is run once before timing). Data: Greydanus & Kobak,
    "Scaling Down Deep Learning with MNIST-1D", ICML 2024, arXiv 2011.14439.

    Use ``for fraction, message in ladder.steps(): ...`` (one rung per item; a progress bar can
    follow and a Stop button can break the loop), or ``ladder.run()``; the results accumulate in
    ``ladder.results``.

    Args:
      dataset: a :class:`hardtrain.data.Dataset` (MNIST-1D in the lab).
      rungs: the :class:`Rung` sequence (default :func:`default_ladder`).
      target_error: test error whose first crossing is timed, in (0, 1).
      seed: seed of the initial weights.
      chunks: number of evaluation points per rung, >= 1.

    Raises:
      ValueError: an empty ladder, a rung with more examples than the dataset has, a
        non-positive size, a target outside (0, 1).
    """

    def __init__(self, dataset, rungs: Sequence[Rung] | None = None, *, target_error: float = 0.6,
                 seed: int = 0, chunks: int = 5):
        rungs = tuple(default_ladder() if rungs is None else rungs)
        if not rungs:
            raise ValueError("the ladder needs at least one rung")
        n_max = int(dataset.x_train.shape[0])
        for r in rungs:
            if min(r.width, r.n_train, r.steps) < 1:
                raise ValueError(f"rung sizes must be >= 1, got {r}")
            if r.n_train > n_max:
                raise ValueError(f"rung {r} asks for {r.n_train} training examples; the dataset has {n_max}")
        if not 0 < target_error < 1:
            raise ValueError(f"target_error must lie in (0, 1), got {target_error!r}")
        if int(chunks) != chunks or chunks < 1:
            raise ValueError(f"chunks must be a positive integer, got {chunks!r}")
        self.dataset, self.rungs, self.target_error = dataset, rungs, float(target_error)
        self.seed, self.chunks = int(seed), int(chunks)
        self.results: list[RungResult] = []

    @classmethod
    def from_config(cls, config: Config, dataset=None) -> "CostLadder":
        """The ladder a :class:`Config` describes, on MNIST-1D unless another dataset is given.

        Args:
          config: the rungs, target error, seed and evaluation points.
          dataset: default :func:`hardtrain.experiments.sweeps.mnist1d`.

        Returns:
          A :class:`CostLadder`, not yet run.
        """
        return cls(mnist1d() if dataset is None else dataset, config.rungs, target_error=config.target_error,
                   seed=config.seed, chunks=config.chunks)

    def steps(self) -> Iterator[tuple[float, str]]:
        """Run the rungs one by one; yield (fraction done, message) after each."""
        self.results = []
        total = sum(r.width * r.n_train * r.steps for r in self.rungs)
        done = 0
        for i, rung in enumerate(self.rungs):
            self.results.append(self._run_rung(rung))
            done += rung.width * rung.n_train * rung.steps
            r = self.results[-1]
            yield done / total, (f"rung {i + 1}/{len(self.rungs)}: width {rung.width}, {rung.n_train} examples, "
                                 f"{rung.steps} steps: test error {r.test_error:.3f} in {r.seconds:.1f} s")

    def run(self) -> list[RungResult]:
        """Run every rung; return :attr:`results`."""
        for _ in self.steps():
            pass
        return self.results

    def _run_rung(self, rung: Rung) -> RungResult:
        ds = self.dataset
        x, y = ds.x_train[:rung.n_train], ds.y_train[:rung.n_train]
        apply_fn, params = models.build(models.MLP, ds.n_features, (rung.width,), ds.n_classes,
                                        activation="relu", seed=self.seed)
        chunk = max(1, rung.steps // self.chunks)
        n_chunks = math.ceil(rung.steps / chunk)
        step, run_chunk, error, tx = _ladder_programs(apply_fn, chunk)
        opt_state = jax.jit(tx.init)(params)
        fps = flops(step, params, opt_state, x, y)
        # Warm-up: compile the chunk on a copy, outside the timed region.
        jax.block_until_ready(run_chunk(params, opt_state, x, y))
        errors, elapsed, hit = [], 0.0, None
        for c in range(n_chunks):
            t0 = time.perf_counter()
            params, opt_state = jax.block_until_ready(run_chunk(params, opt_state, x, y))
            elapsed += time.perf_counter() - t0
            err = float(error(params, ds.x_test, ds.y_test))
            errors.append(err)
            if hit is None and err <= self.target_error:
                hit = ((c + 1) * chunk * fps, elapsed)
        total_steps = n_chunks * chunk
        return RungResult(
            rung=rung, params=int(sum(np.size(p) for p in jax.tree.leaves(params))),
            flops_per_step=fps, flops=total_steps * fps, seconds=elapsed, test_error=errors[-1],
            train_error=float(error(params, x, y)), errors=tuple(errors), chunk_steps=chunk,
            flops_to_target=hit[0] if hit else float("nan"),
            seconds_to_target=hit[1] if hit else float("nan"))


_LADDER_CACHE: dict = {}


def _ladder_programs(apply_fn, chunk: int):
    """(step, jitted chunk of steps, jitted error, optimiser) for one architecture, built once."""
    key = (apply_fn, chunk)
    if key in _LADDER_CACHE:
        return _LADDER_CACHE[key]
    tx = optax.adam(1e-2)

    def loss(params, x, y):
        return optax.softmax_cross_entropy_with_integer_labels(apply_fn(params, x), y).mean()

    def step(params, opt_state, x, y):
        grads = jax.grad(loss)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    @jax.jit
    def run_chunk(params, opt_state, x, y):
        def body(carry, _):
            return step(*carry, x, y), None

        return jax.lax.scan(body, (params, opt_state), None, length=chunk)[0]

    @jax.jit
    def error(params, x, y):
        return jnp.mean(jnp.argmax(apply_fn(params, x), -1) != y)

    _LADDER_CACHE[key] = (step, run_chunk, error, tx)
    return _LADDER_CACHE[key]


def ladder_document(ladder: CostLadder) -> dict:
    """The JSON-able result of a ladder that ran: ``{"rungs": [...], "target_error": ...}``.

    Args:
      ladder: a :class:`CostLadder` after :meth:`CostLadder.run` (or part of its ``steps()``).

    Returns:
      One dict per measured rung (:class:`RungResult` as a dict, its :class:`Rung` nested) and
      the target error: the layout of ``assets/lab3/cost_ladder.json``'s ``"result"``.
    """
    return {"rungs": [dataclasses.asdict(r) for r in ladder.results], "target_error": ladder.target_error}
