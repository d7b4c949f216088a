"""Lab 1, section 2: optimisers on the smallest non-convex loss, L(a, w) = (a w - 1)^2.

A chosen start point and jittered copies of it run in one vmapped, compiled call of gradient
descent, momentum or Adam; a start whose loss leaves [0, max_loss] or turns NaN is reported as
diverged, with the step. The loss has a saddle at the origin and a whole hyperbola a w = 1 of
global minima; near (1, 1) gradient descent is stable only below a learning rate set by the
Hessian's largest eigenvalue there.

Examples:
    >>> res = run(PlaygroundConfig(optimizer="gd", learning_rate=0.1, start=(0.5, 1.5), starts=2))
    >>> res.trajectory_a.shape, bool(res.final_losses.max() < 1e-4), res.diverged.tolist()
    ((2, 101), True, [False, False])
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import landscape
from .. import train as training
from .base import Presets

__all__ = ["LIMIT", "PlaygroundConfig", "PlaygroundResult", "jittered_starts", "run", "loss_surface"]

#: The playground's box: starts are clipped to [-LIMIT, LIMIT]^2.
LIMIT = 2.5

_OPTIMIZERS: dict = {}  # one optax transformation per name: compiled loops are reused


@dataclasses.dataclass(frozen=True)
class PlaygroundConfig(Presets):
    """One run of the playground.

    Attributes:
      optimizer: a name from :data:`hardtrain.train.OPTIMIZERS` ("gd", "momentum", "adam").
      learning_rate: the step size (passed as data: no recompile when it changes).
      start: (a, w), the first start point.
      starts: number of starts: the chosen one and ``starts - 1`` copies jittered by N(0, 0.35^2).
      seed: the jitter's seed.
      steps: optimiser steps.
      max_loss: a loss above this (or NaN) marks a start as diverged.
    """

    optimizer: str = "gd"
    learning_rate: float = 0.1
    start: tuple[float, float] = (0.5, 1.5)
    starts: int = 4
    seed: int = 0
    steps: int = 100
    max_loss: float = 1e6


@dataclasses.dataclass(frozen=True)
class PlaygroundResult:
    """What :func:`run` returns.

    Attributes:
      config: the :class:`PlaygroundConfig`.
      trajectory_a, trajectory_w: arrays of shape (starts, steps + 1); after a divergence they
        hold the last finite point.
      diverged: bool array of shape (starts,). diverged_at: int array of shape (starts,), the
        step of divergence or -1.
      final_losses: array of shape (starts,), L at each end point.
    """

    config: PlaygroundConfig
    trajectory_a: np.ndarray
    trajectory_w: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    final_losses: np.ndarray


def jittered_starts(config: PlaygroundConfig) -> dict[str, np.ndarray]:
    """The start points: ``config.start``, then N(0, 0.35^2) jitter around it (seeded), clipped.

    Returns:
      ``{"a": array of shape (starts,), "w": array of shape (starts,)}``, float32.
    """
    n = int(config.starts)
    rng = np.random.default_rng(int(config.seed))
    jitter = np.vstack([np.zeros((1, 2)), 0.35 * rng.standard_normal((n - 1, 2))])
    pts = np.clip(np.array(config.start, dtype=np.float64) + jitter, -LIMIT, LIMIT).astype(np.float32)
    return {"a": pts[:, 0], "w": pts[:, 1]}


def run(config: PlaygroundConfig) -> PlaygroundResult:
    """Run every start of the playground in one compiled, vmapped call.

    Args:
      config: the :class:`PlaygroundConfig`.

    Returns:
      A :class:`PlaygroundResult`.

    Raises:
      ValueError: an unknown optimiser, or fewer than one start or step.
    """
    if config.optimizer not in training.OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {training.OPTIMIZERS}, got {config.optimizer!r}")
    if int(config.starts) < 1 or int(config.steps) < 1:
        raise ValueError(f"need at least one start and one step, got {config.starts} and {config.steps}")
    if config.optimizer not in _OPTIMIZERS:
        _OPTIMIZERS[config.optimizer] = training.make_optimizer(config.optimizer, 0.1)
    res = training.train_many(landscape.product_loss, jittered_starts(config), _OPTIMIZERS[config.optimizer],
                              int(config.steps), record_trajectory=True,
                              hyperparams={"learning_rate": float(config.learning_rate)}, max_loss=config.max_loss)
    a, w = np.asarray(res.trajectory["a"]), np.asarray(res.trajectory["w"])
    return PlaygroundResult(config, a, w, np.asarray(res.diverged), np.asarray(res.diverged_at),
                            (a[:, -1] * w[:, -1] - 1.0) ** 2)


def loss_surface(points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """L(a, w) on the playground's box [-LIMIT, LIMIT]^2.

    Args:
      points: grid points per axis.

    Returns:
      ``(grid, z)``: grid of shape (points,), z of shape (points, points) with z[j, i] the loss at
      (a, w) = (grid[i], grid[j]).
    """
    grid = np.linspace(-LIMIT, LIMIT, int(points), dtype=np.float32)
    origin = {"a": np.float32(0.0), "w": np.float32(0.0)}
    units = ({"a": np.float32(1.0), "w": np.float32(0.0)}, {"a": np.float32(0.0), "w": np.float32(1.0)})
    return grid, np.asarray(landscape.surface(landscape.product_loss, origin, units, grid, grid))
