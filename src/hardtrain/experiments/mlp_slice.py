"""Lab 1, part 2, section 2: a real MLP seen through a slice, a line, and its Hessian.

An MLP with one hidden layer is trained (Adam, full batch) on digits or MNIST-1D. Then: the loss
on a filter-normalised 2-D slice through the trained weights (Li et al.), the loss on the
straight line from the initial to the trained weights with its midpoint-convexity test
(Goodfellow et al.), the extreme curvatures on the slice, and the extreme eigenvalues of the full
Hessian by Lanczos iteration on Hessian-vector products (Pearlmutter). A slice that looks like a
bowl proves nothing: the line or the Hessian can still show that the loss is not convex.

References:
  H. Li, Z. Xu, G. Taylor, C. Studer, T. Goldstein, "Visualizing the loss landscape of neural
  nets", NeurIPS 2018, arXiv 1712.09913; I. J. Goodfellow, O. Vinyals, A. M. Saxe, "Qualitatively
  characterizing neural network optimization problems", ICLR 2015, arXiv 1412.6544;
  B. A. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 6(1), 1994.

Examples:
    >>> exp = MLPSlice(MLPSliceConfig.tiny())
    >>> [round(f, 1) for f, _ in exp.steps()]
    [0.2, 0.4, 0.6, 0.8, 1.0]
    >>> exp.result.slice_losses.shape, exp.result.violations.n_checks
    ((15, 15), 1600)
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import jax
import numpy as np

from .. import data, landscape, models
from .. import train as training
from .base import Presets

__all__ = ["DATASETS", "MLPSliceConfig", "MLPSliceResult", "MLPSlice", "LINE_T"]

#: Datasets the section offers.
DATASETS = ("digits", "mnist1d")

#: Positions on the line from the initial (t = 0) to the trained (t = 1) weights, with margins.
LINE_T = np.linspace(-0.2, 1.2, 57)


@dataclasses.dataclass(frozen=True)
class MLPSliceConfig(Presets):
    """What the section trains and measures.

    Attributes:
      dataset: one of :data:`DATASETS`.
      width: hidden units.
      activation: "tanh" or "relu".
      steps: Adam steps (learning rate 0.01, full batch).
      seed: seed of the initialisation and of the slice's directions.
      grid: points per axis of the slice, over [-1, 1] in units of the filter-normalised
        directions.
      checks: the midpoint test uses ``checks x checks`` pairs on the init-to-trained line.
    """

    dataset: str = "digits"
    width: int = 32
    activation: str = "tanh"
    steps: int = 300
    seed: int = 0
    grid: int = 31
    checks: int = 40

    @classmethod
    def tiny(cls):
        """A coarser slice and 100 steps (tests, fast mode)."""
        return cls(steps=100, grid=15)


@dataclasses.dataclass(frozen=True)
class MLPSliceResult:
    """What :class:`MLPSlice` computes.

    Attributes:
      config: the :class:`MLPSliceConfig`.
      n_params: parameters of the MLP.
      train_accuracy, test_accuracy: fractions of correctly classified examples.
      diverged_at: the step at which training diverged, or None.
      grid: array of shape (grid,), the slice's coordinates.
      slice_losses: array of shape (grid, grid), row j, column i: the loss at (grid[i], grid[j]).
      line_losses: array of shape (57,), the loss at :data:`LINE_T`.
      violations: the :class:`hardtrain.landscape.ConvexityReport` of the init-to-trained line.
      slice_curvature: (smallest, largest) eigenvalue of the slice's 2x2 Hessians (every 2nd
        grid point).
      hessian_extremes: (smallest, largest) eigenvalue of the full Hessian (Lanczos).
    """

    config: MLPSliceConfig
    n_params: int
    train_accuracy: float
    test_accuracy: float
    diverged_at: int | None
    grid: np.ndarray
    slice_losses: np.ndarray
    line_losses: np.ndarray
    violations: landscape.ConvexityReport
    slice_curvature: tuple[float, float]
    hessian_extremes: tuple[float, float]


_DATA: dict = {}
_LOSSES: dict = {}


class MLPSlice:
    """The experiment: ``for fraction, message in exp.steps(): ...``, then ``exp.result``.

    Five steps (train, slice, line, slice curvatures, Hessian), each yielding
    ``(fraction_done, message)`` so that a dashboard can show progress.

    Args:
      config: the :class:`MLPSliceConfig`.

    Raises:
      ValueError: an unknown dataset or activation.
    """

    def __init__(self, config: MLPSliceConfig):
        if config.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}, got {config.dataset!r}")
        if config.activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {config.activation!r}")
        self.config = config
        self.result: MLPSliceResult | None = None

    def steps(self) -> Iterator[tuple[float, str]]:
        """Run the experiment, one stage per item; ``self.result`` is set at the end."""
        c = self.config
        if c.dataset not in _DATA:
            _DATA[c.dataset] = data.load(c.dataset)
        ds = _DATA[c.dataset]
        apply_fn, p0 = models.build(models.MLP, ds.n_features, (int(c.width),), ds.n_classes,
                                    activation=c.activation, seed=int(c.seed))
        key = (c.dataset, apply_fn)
        if key not in _LOSSES:  # one loss function per architecture and dataset: compiled code is reused
            _LOSSES[key] = models.loss_function(apply_fn, ds.x_train, ds.y_train)
        loss_fn = _LOSSES[key]
        fit = training.train(loss_fn, p0, training.make_optimizer("adam", 0.01), int(c.steps))
        params = fit.params
        yield 0.2, "trained"
        grid = np.linspace(-1.0, 1.0, int(c.grid), dtype=np.float32)
        dirs = landscape.random_directions(jax.random.key(int(c.seed)), params, "filter")
        z = np.asarray(landscape.surface(loss_fn, params, dirs, grid, grid))
        yield 0.4, "slice computed"
        line = np.asarray(landscape.interpolate(loss_fn, p0, params, LINE_T))
        report = landscape.convexity_violations(loss_fn, p0, params, int(c.checks))
        yield 0.6, "line computed"
        lam = np.asarray(landscape.slice_hessian_eigenvalues(loss_fn, params, dirs, grid[::2], grid[::2]))
        yield 0.8, "slice curvatures computed"
        lo, hi = landscape.hessian_extreme_eigenvalues(loss_fn, params)
        self.result = MLPSliceResult(
            config=c, n_params=models.count_params(params),
            train_accuracy=float(models.accuracy(apply_fn, params, ds.x_train, ds.y_train)),
            test_accuracy=float(models.accuracy(apply_fn, params, ds.x_test, ds.y_test)),
            diverged_at=int(fit.diverged_at) if bool(fit.diverged) else None,
            grid=grid, slice_losses=z, line_losses=line, violations=report,
            slice_curvature=(float(lam[..., 0].min()), float(lam[..., 1].max())),
            hessian_extremes=(float(lo[0]), float(hi[0])))
        yield 1.0, "full Hessian's extreme eigenvalues computed"

    def run(self) -> MLPSliceResult:
        """Run every step and return the result."""
        for _ in self.steps():
            pass
        return self.result
