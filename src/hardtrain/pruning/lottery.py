"""Lottery tickets: iterative magnitude pruning (IMP) with rewinding to early in training.

Train the dense network, prune a fraction of the smallest trained weights, reset the survivors
to their values at step k, train again; repeat. k = 0 is the original lottery ticket (Frankle &
Carbin, "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks", ICLR 2019,
arXiv 1803.03635); k > 0 is weight rewinding, which lets tickets exist in larger networks
(Frankle, Dziugaite, Roy & Carbin, "Linear Mode Connectivity and the Lottery Ticket
Hypothesis", ICML 2020, arXiv 1912.05671).

Examples:
    >>> import jax.numpy as jnp
    >>> w = {"w": jnp.array([[0.5, -2.0, 0.1, 1.0]])}
    >>> first = magnitude_mask(w, None, 0.5)
    >>> first["w"].tolist()
    [[False, True, False, True]]
    >>> magnitude_mask(w, first, 0.75)["w"].tolist()  # ranks only the survivors
    [[False, True, False, False]]
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterator, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .. import train as training
from .masked_training import train_masked
from .masking import SCOPES, masks
from .scores import score
from .trees import _check_choice, _is_none, _require_prunable, apply_masks, map_seeds

__all__ = ["LotteryRound", "LotteryResult", "iterate_lottery_ticket", "lottery_ticket", "magnitude_mask"]


class LotteryRound(NamedTuple):
    """One round of iterative magnitude pruning (round 0 is the dense network).

    Attributes:
      round: k = 0, 1, ...; sparsity: 1 - (1 - prune_fraction)^k.
      masks: the mask tree of this round (None for round 0).
      params: the trained parameters of this round.
      result: the :class:`hardtrain.train.TrainResult` of the last training run.
      rewind_params: theta_k, the weights the survivors are reset to (same in every round).
    """

    round: int
    sparsity: float
    masks: Any
    params: Any
    result: training.TrainResult
    rewind_params: Any


class LotteryResult(NamedTuple):
    """What :func:`lottery_ticket` returns.

    Attributes:
      rounds: list of :class:`LotteryRound`, dense first.
      rewind_params: the weights at step ``rewind_step`` of the dense run (theta_k; theta_0 for
        k = 0), to which the survivors are reset every round.
    """

    rounds: list
    rewind_params: Any


def iterate_lottery_ticket(loss_fn: Callable, params, optimizer: optax.GradientTransformation,
                           steps: int, *, rounds: int, prune_fraction: float = 0.2,
                           rewind_step: int = 0, scope: str = "global",
                           batched: bool = False) -> Iterator[LotteryRound]:
    """Iterative magnitude pruning with rewinding, one round at a time (a generator).

    Round 0 trains the dense network for ``steps`` updates, keeping theta_k, its weights after
    ``rewind_step`` = k updates. Each later round prunes ``prune_fraction`` of the weights still
    alive by magnitude of the last trained weights (globally by default), resets the survivors
    to theta_k and trains them for ``steps - k`` updates. k = 0 is the original lottery ticket
    (Frankle & Carbin, "The Lottery Ticket Hypothesis", ICLR 2019, arXiv 1803.03635); k > 0 is
    rewinding (Frankle, Dziugaite, Roy & Carbin, "Linear Mode Connectivity and the Lottery
    Ticket Hypothesis", ICML 2020, arXiv 1912.05671). The dense run is split at step k into two
    compiled loops; the optimiser state starts afresh at the split (and in every round).

    Args:
      loss_fn, optimizer, steps: as in :func:`train_masked`.
      params: initial parameters theta_0 (with a leading seed axis when ``batched``).
      rounds: number of pruning rounds after the dense one, >= 0.
      prune_fraction: fraction of the remaining weights removed per round, in (0, 1).
      rewind_step: k, in [0, steps).
      scope: ``"global"`` or ``"layerwise"``.
      batched: leading seed axis on ``params`` (seeds trained together).

    Yields:
      :class:`LotteryRound` for rounds 0..rounds.

    Raises:
      ValueError: bad counts or fractions (raised at the first ``next``).

    References:
      Frankle, Carbin, "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural
      Networks", ICLR 2019, arXiv 1803.03635.
      Frankle, Dziugaite, Roy, Carbin, "Linear Mode Connectivity and the Lottery Ticket
      Hypothesis", ICML 2020, arXiv 1912.05671.

    Examples:
      Removing half of the weights per round, the sparsity goes 0, 1/2:

      >>> import jax.numpy as jnp
      >>> from hardtrain.train import make_optimizer
      >>> loss = lambda p: jnp.sum((p["w"] - 1.0) ** 2)
      >>> rounds = iterate_lottery_ticket(loss, {"w": jnp.array([[0.1, 2.0], [3.0, 0.2]])},
      ...                                 make_optimizer("gd", 0.1), 10, rounds=1, prune_fraction=0.5)
      >>> [(r.round, r.sparsity) for r in rounds]
      [(0, 0.0), (1, 0.5)]
    """
    if int(rounds) != rounds or rounds < 0:
        raise ValueError(f"rounds must be a whole number >= 0, got {rounds!r}")
    if not 0.0 < prune_fraction < 1.0:
        raise ValueError(f"prune_fraction must lie in (0, 1), got {prune_fraction!r}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if int(rewind_step) != rewind_step or not 0 <= rewind_step < steps:
        raise ValueError(f"rewind_step must be an integer in [0, steps) = [0, {steps}), got {rewind_step!r}")
    _check_choice("scope", scope, SCOPES)
    _require_prunable(params)
    k = int(rewind_step)
    if k > 0:
        first = train_masked(loss_fn, params, None, optimizer, k, batched=batched)
        theta_k = first.params
        res = train_masked(loss_fn, theta_k, None, optimizer, steps - k, batched=batched)
    else:
        theta_k = params
        res = train_masked(loss_fn, params, None, optimizer, steps, batched=batched)
    trained = res.params
    current = None
    yield LotteryRound(0, 0.0, None, trained, res, theta_k)
    for r in range(1, int(rounds) + 1):
        sparsity = 1.0 - (1.0 - prune_fraction) ** r
        current = map_seeds(functools.partial(magnitude_mask, sparsity=sparsity, scope=scope),
                            batched, trained, current)
        res = train_masked(loss_fn, theta_k, current, optimizer, steps - k, batched=batched)
        trained = res.params
        yield LotteryRound(r, sparsity, current, trained, res, theta_k)


def magnitude_mask(weights, current, sparsity: float, scope: str = "global"):
    """Magnitude mask of ``weights`` at ``sparsity`` among the weights ``current`` keeps.

    One round of IMP: the weights that ``current`` pruned score ``-inf``, so they stay pruned
    and the ranking is over the survivors only.

    Args:
      weights: a parameter tree (no seed axis), e.g. the trained weights of the last round.
      current: the mask tree of the last round, or ``None`` (nothing pruned yet).
      sparsity: the total fraction of prunable weights removed after this round, in [0, 1).
      scope: ``"global"`` or ``"layerwise"`` (see :func:`~hardtrain.pruning.masks`).

    Returns:
      A mask tree; it keeps a subset of what ``current`` keeps when ``sparsity`` is at least
      the current one.

    Examples:
      Keep the 2 largest of |0.5|, |-3|, |2|, |1|; once -3 is pruned it stays pruned:

      >>> import jax.numpy as jnp
      >>> w = {"w": jnp.array([[0.5, -3.0, 2.0, 1.0]])}
      >>> magnitude_mask(w, None, 0.5)["w"].tolist()
      [[False, True, True, False]]
      >>> magnitude_mask(w, {"w": jnp.array([[True, False, True, True]])}, 0.5)["w"].tolist()
      [[False, False, True, True]]
    """
    s = score("magnitude", weights if current is None else apply_masks(weights, current), None)
    if current is not None:
        s = jax.tree.map(lambda a, m: None if a is None else jnp.where(m, a, -jnp.inf),
                         s, current, is_leaf=_is_none)
    return masks(s, sparsity, scope)


def lottery_ticket(loss_fn: Callable, params, optimizer: optax.GradientTransformation, steps: int,
                   *, rounds: int, prune_fraction: float = 0.2, rewind_step: int = 0,
                   scope: str = "global", batched: bool = False) -> LotteryResult:
    """Iterative magnitude pruning (IMP) with rewinding to step k; all rounds at once.

    See :func:`iterate_lottery_ticket` for the procedure and the references (Frankle & Carbin,
    ICLR 2019, arXiv 1803.03635; Frankle et al., ICML 2020, arXiv 1912.05671). Default: 20% of
    the remaining weights per round, global ranking, k = 0.

    Args:
      loss_fn: ``params -> scalar``, as in :func:`train_masked`.
      params: initial parameters theta_0 (with a leading seed axis when ``batched``).
      optimizer: an optax transformation, as in :func:`train_masked`.
      steps: training steps of the dense round, >= 1.
      rounds: number of pruning rounds after the dense one, >= 0.
      prune_fraction: fraction of the remaining weights removed per round, in (0, 1).
      rewind_step: k, in [0, steps).
      scope: ``"global"`` or ``"layerwise"``.
      batched: leading seed axis on ``params`` (seeds trained together).

    Returns:
      A :class:`LotteryResult`: ``rounds[r]`` holds the mask at sparsity 1 - 0.8^r (for the
      default fraction) and the weights trained from ``rewind_params`` under it.

    Raises:
      ValueError: as :func:`iterate_lottery_ticket`.

    References:
      Frankle, Carbin, "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural
      Networks", ICLR 2019, arXiv 1803.03635.

    Examples:
      All four weights train towards 1 from 0.1, 2, 3, 0.2 and keep their order of
      magnitude, so the two rounds keep 3 and 2, then 3 alone:

      >>> import jax.numpy as jnp
      >>> from hardtrain.train import make_optimizer
      >>> loss = lambda p: jnp.sum((p["w"] - 1.0) ** 2)
      >>> lt = lottery_ticket(loss, {"w": jnp.array([[0.1, 2.0], [3.0, 0.2]])}, make_optimizer("gd", 0.1),
      ...                     10, rounds=2, prune_fraction=0.5)
      >>> [r.sparsity for r in lt.rounds]
      [0.0, 0.5, 0.75]
      >>> [r.masks["w"].tolist() for r in lt.rounds[1:]]
      [[[False, True], [True, False]], [[False, False], [True, False]]]
    """
    gen = iterate_lottery_ticket(loss_fn, params, optimizer, steps, rounds=rounds,
                                 prune_fraction=prune_fraction, rewind_step=rewind_step,
                                 scope=scope, batched=batched)
    out = list(gen)
    return LotteryResult(out, out[0].rewind_params)
