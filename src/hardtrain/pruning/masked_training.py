"""Training with pruned weights held at exactly zero, in one compiled loop for every mask.

The mask lives in the optimiser's state (:func:`keep_pruned_at_zero`, chained last), so
:mod:`hardtrain.train`'s compiled, seed-vmapped loop serves every mask; in the spirit of
jaxpruner's ``wrap_optax`` (Lee et al., "JaxPruner: A concise library for sparsity research",
CPAL 2024, arXiv 2304.14082).

Examples:
    >>> import jax.numpy as jnp, optax
    >>> params = {"w": jnp.array([[1.0, 0.0], [2.0, 3.0]])}
    >>> opt = optax.chain(optax.sgd(0.1), keep_pruned_at_zero())
    >>> state = opt.init(params)
    >>> updates, _ = opt.update({"w": jnp.ones((2, 2))}, state, params)
    >>> optax.apply_updates(params, updates)["w"].tolist()
    [[0.8999999761581421, 0.0], [1.899999976158142, 2.9000000953674316]]
"""

from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .. import train as training
from .trees import apply_masks

__all__ = ["keep_pruned_at_zero", "masked_optimizer", "train_masked"]


class _KeepState(NamedTuple):
    mask: Any


def keep_pruned_at_zero() -> optax.GradientTransformation:
    """An optax transformation that keeps pruned weights at exactly zero.

    ``init(params)`` records the mask ``params != 0`` of every prunable leaf (so apply the
    masks to the parameters first, e.g. with :func:`apply_masks`; a weight drawn from a
    continuous initialiser is 0 with probability 0). ``update`` replaces the update of every
    pruned weight by ``-param``, so that ``param + update`` is exactly 0 after every step,
    whatever the optimiser before it did (momentum, Adam). Chain it *last*:
    ``optax.chain(optax.adam(1e-2), keep_pruned_at_zero())``. Because the mask lives in the
    optimiser state, one compiled training loop serves every mask (and ``vmap`` over seeds).
    In the spirit of jaxpruner's ``wrap_optax`` (Lee et al., arXiv 2304.14082).

    Returns:
      An ``optax.GradientTransformation``; ``update`` needs ``params``.

    References:
      Lee et al., "JaxPruner: A concise library for sparsity research", 2023, arXiv 2304.14082.

    Examples:
      The pruned weight stays at 0 although its gradient is 1; the other one takes its SGD
      step 1 - 0.1 * 1:

      >>> import jax.numpy as jnp, optax
      >>> opt = optax.chain(optax.sgd(0.1), keep_pruned_at_zero())
      >>> w = {"w": jnp.array([[1.0, 0.0]])}
      >>> upd, _ = opt.update({"w": jnp.ones((1, 2))}, opt.init(w), w)
      >>> [round(float(v), 4) for v in optax.apply_updates(w, upd)["w"][0]]
      [0.9, 0.0]
    """

    def init(params):
        return _KeepState(jax.tree.map(lambda p: (p != 0) if p.ndim >= 2 else jnp.ones((), bool), params))

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("keep_pruned_at_zero needs params in update(updates, state, params)")
        new = jax.tree.map(lambda u, m, p: jnp.where(m, u, -p) if p.ndim >= 2 else u,
                           updates, state.mask, params)
        return new, state

    return optax.GradientTransformation(init, update)


@functools.lru_cache(maxsize=32)
def masked_optimizer(optimizer: optax.GradientTransformation) -> optax.GradientTransformation:
    """``optax.chain(optimizer, keep_pruned_at_zero())``, one object per ``optimizer``.

    The same object is returned for the same optimiser, so :mod:`hardtrain.train` reuses its
    compiled loop for every mask.
    """
    return optax.chain(optimizer, keep_pruned_at_zero())


def train_masked(loss_fn: Callable, params, mask_tree, optimizer: optax.GradientTransformation,
                 steps: int, *, batched: bool = False) -> training.TrainResult:
    """Train with pruned weights held at zero, in one compiled loop of :mod:`hardtrain.train`.

    Args:
      loss_fn: ``params -> scalar`` (e.g. :func:`hardtrain.models.loss_function`); reuse it.
      params: initial parameters (the pruned weights are zeroed here).
      mask_tree: a mask tree (or None for dense training).
      optimizer: an optax transformation (e.g. from :func:`hardtrain.train.make_optimizer`);
        it is chained with :func:`keep_pruned_at_zero`.
      steps: number of full-batch updates, >= 1.
      batched: ``params`` and ``mask_tree`` carry a leading seed axis (``vmap``, one program).

    Returns:
      A :class:`hardtrain.train.TrainResult`; every pruned weight of ``.params`` is exactly 0.

    Raises:
      ValueError: as :func:`hardtrain.train.train`, or a mask tree that does not match.

    Examples:
      The kept diagonal moves towards 1; the pruned entries stay exactly 0:

      >>> import jax.numpy as jnp
      >>> from hardtrain.train import make_optimizer
      >>> loss = lambda p: jnp.sum((p["w"] - 1.0) ** 2)
      >>> mask = {"w": jnp.array([[True, False], [False, True]])}
      >>> r = train_masked(loss, {"w": jnp.full((2, 2), 0.5)}, mask, make_optimizer("gd", 0.1), 20)
      >>> [[round(float(v), 3) for v in row] for row in r.params["w"]]
      [[0.994, 0.0], [0.0, 0.994]]
    """
    p = params if mask_tree is None else apply_masks(params, mask_tree)
    opt = masked_optimizer(optimizer)
    if batched:
        return training.train_many(loss_fn, p, opt, steps)
    return training.train(loss_fn, p, opt, steps)
