"""Lab 1, section 1: a linear classifier's loss is a bowl (with the logistic loss).

Logistic regression trained by full-batch gradient descent from w = 0 on a real binary dataset;
beside it, the certificates of convexity and separability: the linear program that decides
whether the classes can be separated exactly (HiGHS), the perceptron's update count against
Novikoff's bound, and the Hessian's eigenvalues at the solution. The same neuron with the squared
error of a sigmoid output is not convex (Auer, Herbster & Warmuth, NeurIPS 1995).

References:
  F. Rosenblatt, Psychological Review 65(6), 1958 (the perceptron); A. B. J. Novikoff, Symposium
  on the Mathematical Theory of Automata, 1962 (its mistake bound); H. Li et al., "Visualizing the
  loss landscape of neural nets", NeurIPS 2018, arXiv 1712.09913 (filter-normalised slices);
  D. Soudry et al., JMLR 19(70), 2018, arXiv 1710.10345 (GD on separable data).

Examples:
    >>> res = run(BowlConfig(dataset="xor", steps=50))
    >>> res.separable, res.weight_norms.shape, bool(res.hessian_eigenvalues[0] > -1e-6)
    (False, (51,), True)
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import jax
import numpy as np

from .. import data, landscape, models
from .. import train as training
from .base import Presets

__all__ = ["DATASETS", "LOSSES", "BowlConfig", "BowlResult", "run", "slice_directions", "bowl_slice"]

#: Binary datasets the section offers (scikit-learn's breast cancer, and three 2-D sets).
DATASETS = ("breast_cancer", "moons", "circles", "xor")

#: Losses of the same neuron: the logistic loss (convex) and the squared error of a sigmoid (not).
LOSSES = ("cross_entropy", "sigmoid_squared")


@dataclasses.dataclass(frozen=True)
class BowlConfig(Presets):
    """What section 1 computes.

    Attributes:
      dataset: one of :data:`DATASETS`.
      loss: one of :data:`LOSSES`.
      steps: gradient-descent steps (learning rate 1, from w = 0, b = 0).
      grid: points per axis of a loss slice.
      perceptron_epochs: the perceptron's epoch budget (it never stops on non-separable data).
    """

    dataset: str = "breast_cancer"
    loss: str = "cross_entropy"
    steps: int = 400
    grid: int = 41
    perceptron_epochs: int = 2000


@dataclasses.dataclass(frozen=True)
class BowlResult:
    """What :func:`run` returns.

    Attributes:
      config: the :class:`BowlConfig`.
      loss_fn: the training loss, a function of the parameter pytree.
      params: the parameters after ``steps`` steps.
      losses: array of shape (steps,), the loss before each step.
      weight_norms: array of shape (steps + 1,), ||w|| after each step (entry 0: the start).
      separable: whether the LP found a separating hyperplane.
      lp_ms: milliseconds the LP took.
      perceptron: the :class:`hardtrain.landscape.PerceptronResult`.
      hessian_eigenvalues: array of shape (n_params,), ascending, at ``params``.
      train_accuracy: fraction of training points classified correctly.
      gd_ms: milliseconds the gradient-descent run took.
    """

    config: BowlConfig
    loss_fn: Callable
    params: dict
    losses: np.ndarray
    weight_norms: np.ndarray
    separable: bool
    lp_ms: float
    perceptron: landscape.PerceptronResult
    hessian_eigenvalues: np.ndarray
    train_accuracy: float
    gd_ms: float


_LOSS_FNS: dict = {}  # (dataset, loss) -> (apply_fn, loss_fn): compiled code is reused


def _loss(dataset: str, loss: str):
    if (dataset, loss) not in _LOSS_FNS:
        ds = data.load(dataset)
        apply_fn, _ = models.build(models.LogisticRegression, ds.n_features, 1)
        _LOSS_FNS[dataset, loss] = (ds, apply_fn, models.loss_function(apply_fn, ds.x_train, ds.y_train, kind=loss))
    return _LOSS_FNS[dataset, loss]


def run(config: BowlConfig) -> BowlResult:
    """Train, decide separability, count perceptron updates and take the Hessian's spectrum.

    Args:
      config: the :class:`BowlConfig`.

    Returns:
      A :class:`BowlResult`.

    Raises:
      ValueError: an unknown dataset or loss.
    """
    if config.dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {config.dataset!r}")
    if config.loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {config.loss!r}")
    ds, apply_fn, loss_fn = _loss(config.dataset, config.loss)
    _, params0 = models.build(models.LogisticRegression, ds.n_features, 1)
    params0 = jax.tree.map(np.zeros_like, params0)  # start at w = 0, b = 0
    t0 = time.perf_counter()
    fit = training.train(loss_fn, params0, training.make_optimizer("gd", 1.0), config.steps, record_trajectory=True)
    gd_ms = 1e3 * (time.perf_counter() - t0)
    kernel = np.asarray(fit.trajectory["linear"]["kernel"]).reshape(config.steps + 1, -1)
    t0 = time.perf_counter()
    sep = landscape.separating_hyperplane(ds.x_train, ds.y_train)
    lp_ms = 1e3 * (time.perf_counter() - t0)
    return BowlResult(
        config=config, loss_fn=loss_fn, params=fit.params, losses=np.asarray(fit.losses),
        weight_norms=np.linalg.norm(kernel, axis=1), separable=sep is not None, lp_ms=lp_ms,
        perceptron=landscape.perceptron(ds.x_train, ds.y_train, max_epochs=config.perceptron_epochs),
        hessian_eigenvalues=landscape.hessian_eigenvalues(loss_fn, fit.params),
        train_accuracy=float(models.accuracy(apply_fn, fit.params, ds.x_train, ds.y_train)), gd_ms=gd_ms)


def slice_directions(result: BowlResult, seed: int):
    """Two filter-normalised random directions through the solution (Li et al., NeurIPS 2018).

    Args:
      result: a :class:`BowlResult`.
      seed: the directions' seed.

    Returns:
      A pair of pytrees shaped like ``result.params``.
    """
    return landscape.random_directions(jax.random.key(int(seed)), result.params, normalize="filter")


def bowl_slice(result: BowlResult, directions, half_width: float) -> tuple[np.ndarray, float]:
    """The loss on a 2-D slice through the solution, and the smallest curvature on it.

    Args:
      result: a :class:`BowlResult`.
      directions: from :func:`slice_directions`.
      half_width: the slice spans [-half_width, half_width] along each direction (in units of
        the filter-normalised directions, i.e. of ||w||).

    Returns:
      ``(z, curvature)``: z of shape (grid, grid) (row j, column i: the loss at
      (alphas[i], betas[j])), and the smallest eigenvalue of the slice's 2x2 Hessian over every
      4th grid point (negative: the loss curves down somewhere on the slice).
    """
    grid = float(half_width) * np.linspace(-1.0, 1.0, result.config.grid, dtype=np.float32)
    z = np.asarray(landscape.surface(result.loss_fn, result.params, directions, grid, grid))
    lam = np.asarray(landscape.slice_hessian_eigenvalues(result.loss_fn, result.params, directions,
                                                         grid[::4], grid[::4]))
    return z, float(lam.min())
