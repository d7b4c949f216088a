"""Lab 1, part 2, section 1: the symmetries of one hidden layer make the loss non-convex.

A tanh net with H hidden units is trained on XOR data; permuting its hidden units or flipping
the signs of a unit's weights gives 2^H H! settings of the weights that compute the same
function. On the straight segment from the trained weights to one of those copies both ends have
the same loss and the middle is higher: midpoint convexity fails, so the loss is not convex. A
ReLU net of the same width has a continuous symmetry instead (scale a unit's input weights by
c > 0, its output weight by 1/c): flat along that curve, not along the straight line.

References:
  A. M. Chen, H. Lu, R. Hecht-Nielsen, "On the geometry of feedforward neural network error
  surfaces", Neural Computation 5(6), 1993; L. Dinh et al., "Sharp minima can generalize for
  deep nets", ICML 2017, arXiv 1703.04933 (ReLU rescaling).

Examples:
    >>> res = run(SymmetriesConfig(width=2, steps=50))
    >>> len(res.copies), res.rescaling_curve.shape
    (8, (61,))
    >>> seg = copy_segment(res, 1, checks=10)
    >>> seg.report.n_checks, bool(abs(seg.report.losses[0] - seg.report.losses[-1]) < 1e-5)
    (100, True)
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from .. import data, landscape, models
from .. import train as training
from .base import Presets

__all__ = ["SymmetriesConfig", "SymmetriesResult", "Segment", "run", "copy_segment", "SEGMENT_T"]

#: Positions on the segment from the trained weights (t = 0) to a copy (t = 1), with margins.
SEGMENT_T = np.linspace(-0.25, 1.25, 61)

_LOSSES: dict = {}  # (activation, width) -> loss function: compiled code is reused


@dataclasses.dataclass(frozen=True)
class SymmetriesConfig(Presets):
    """What the symmetries section trains.

    Attributes:
      width: hidden units H (1-5: the copies are listed explicitly).
      seed: initialisation seed of both nets.
      steps: Adam steps (learning rate ``learning_rate``, full batch) for each net.
      learning_rate: Adam's step size.
      rescale: the ReLU rescaling factor c at the end of the curve.
    """

    width: int = 3
    seed: int = 0
    steps: int = 600
    learning_rate: float = 0.05
    rescale: float = 4.0


@dataclasses.dataclass(frozen=True)
class SymmetriesResult:
    """What :func:`run` returns.

    Attributes:
      config: the :class:`SymmetriesConfig`.
      tanh_loss: the tanh net's training loss (a function of its parameter pytree).
      tanh_params: its trained parameters.
      copies: the 2^H H! equivalent parameter pytrees (index 0: the trained one).
      rescaling_curve: array of shape (61,), the ReLU net's loss along its rescaling curve,
        c from 1 to ``rescale`` (log-spaced).
      rescaling_line: array of shape (61,), its loss on the straight line between the curve's ends.
    """

    config: SymmetriesConfig
    tanh_loss: Callable
    tanh_params: dict
    copies: list
    rescaling_curve: np.ndarray
    rescaling_line: np.ndarray


@dataclasses.dataclass(frozen=True)
class Segment:
    """The straight segment to one copy.

    Attributes:
      copy: the copy's index (1 .. len(copies) - 1).
      losses: array of shape (61,), the loss at :data:`SEGMENT_T`.
      report: the :class:`hardtrain.landscape.ConvexityReport` of the midpoint checks on [0, 1].
    """

    copy: int
    losses: np.ndarray
    report: landscape.ConvexityReport


def _fit(config: SymmetriesConfig, activation: str):
    ds = data.load("xor", seed=0)
    apply_fn, p0 = models.build(models.MLP, 2, (int(config.width),), 1, activation=activation, seed=int(config.seed))
    key = (activation, int(config.width))
    if key not in _LOSSES:
        _LOSSES[key] = models.loss_function(apply_fn, ds.x_train, ds.y_train)
    loss_fn = _LOSSES[key]
    opt = training.make_optimizer("adam", config.learning_rate)
    return loss_fn, training.train(loss_fn, p0, opt, int(config.steps)).params


def run(config: SymmetriesConfig) -> SymmetriesResult:
    """Train the tanh and ReLU nets, list the tanh net's copies, trace the ReLU rescaling.

    Raises:
      ValueError: a width outside 1-5.
    """
    if not 1 <= int(config.width) <= 5:
        raise ValueError(f"width must be 1-5 (the copies are listed explicitly), got {config.width}")
    tanh_loss, tanh_params = _fit(config, "tanh")
    relu_loss, relu_params = _fit(config, "relu")
    cs = np.exp(np.linspace(0.0, np.log(config.rescale), 61))
    curve = np.asarray(landscape.rescaling_losses(relu_loss, relu_params, cs))
    line = np.asarray(landscape.interpolate(relu_loss, relu_params, landscape.relu_rescale(relu_params, config.rescale),
                                            np.linspace(0, 1, 61)))
    return SymmetriesResult(config, tanh_loss, tanh_params, landscape.tanh_symmetries(tanh_params), curve, line)


def copy_segment(result: SymmetriesResult, copy: int, checks: int = 30) -> Segment:
    """The loss on the straight segment from the trained weights to copy ``copy``.

    Args:
      result: a :class:`SymmetriesResult`.
      copy: 1 .. len(result.copies) - 1 (clipped into that range).
      checks: the midpoint test uses ``checks x checks`` pairs of points.

    Returns:
      A :class:`Segment`.
    """
    k = int(min(max(int(copy), 1), len(result.copies) - 1))
    other = result.copies[k]
    losses = np.asarray(landscape.interpolate(result.tanh_loss, result.tanh_params, other, SEGMENT_T))
    report = landscape.convexity_violations(result.tanh_loss, result.tanh_params, other, int(checks))
    return Segment(k, losses, report)
