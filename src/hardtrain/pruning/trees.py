"""Pytrees of a pruning study: which leaves are prunable, their names, masking them, seed axes.

Every part of :mod:`hardtrain.pruning` works on *plain pytrees* (the nested dicts of
:func:`hardtrain.models.pure` / :func:`hardtrain.models.build`), optax-style: small pure
functions, pytrees in, pytrees out. Only leaves with ``ndim >= 2`` (weight matrices and
convolution kernels) are *prunable*; biases and other leaves with ``ndim <= 1`` are never pruned:
in a score tree and in a mask tree their place holds ``None``. These are the conventions of
ShrinkBench (Blalock, Gonzalez Ortiz, Frankle & Guttag, "What is the State of Neural Network
Pruning?", MLSys 2020, arXiv 2003.03033) and of the reference code of Frankle, Dziugaite, Roy &
Carbin (ICLR 2021, arXiv 2009.08576).

This module also holds the private helpers the other pruning modules share (splitting a tree
into its prunable leaves, argument checks).

Examples:
    >>> import jax.numpy as jnp
    >>> params = {"dense": {"kernel": jnp.ones((3, 2)), "bias": jnp.zeros(2)}}
    >>> prunable_paths(params)
    ['dense/kernel']
    >>> mask = {"dense": {"kernel": jnp.array([[True, False]] * 3), "bias": None}}
    >>> apply_masks(params, mask)["dense"]["kernel"].sum().item()
    3.0
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["is_prunable", "prunable_paths", "apply_masks", "map_seeds", "stack_seeds"]


def is_prunable(leaf) -> bool:
    """True for a leaf that may be pruned: an array with ``ndim >= 2`` (kernels, not biases).

    Args:
      leaf: a pytree leaf (an array) or ``None`` (a placeholder of a mask or score tree).

    Returns:
      True for an array with at least two dimensions.

    References:
      Blalock, Gonzalez Ortiz, Frankle, Guttag, "What is the State of Neural Network
      Pruning?", MLSys 2020, arXiv 2003.03033.

    Examples:
      >>> import jax.numpy as jnp
      >>> is_prunable(jnp.ones((3, 2))), is_prunable(jnp.ones(2)), is_prunable(None)
      (True, False, False)
    """
    return leaf is not None and jnp.ndim(leaf) >= 2


def _is_none(x) -> bool:
    return x is None


def _path_name(path) -> str:
    parts = []
    for k in path:
        for attr in ("key", "idx", "name"):
            if hasattr(k, attr):
                parts.append(str(getattr(k, attr)))
                break
        else:
            parts.append(str(k))
    return "/".join(parts)


def prunable_paths(params) -> list[str]:
    """Names of the prunable leaves, e.g. ``["layers/0/kernel", "layers/1/kernel"]``.

    Args:
      params: a pytree of arrays (or a mask / score tree with ``None`` placeholders).

    Returns:
      The ``/``-joined key paths of the leaves with ``ndim >= 2``, in pytree order.

    Examples:
      A 2-3-1 MLP has two kernels and two (never pruned) biases:

      >>> import jax.numpy as jnp
      >>> prunable_paths({"layers": {0: {"kernel": jnp.ones((2, 3)), "bias": jnp.ones(3)},
      ...                            1: {"kernel": jnp.ones((3, 1)), "bias": jnp.ones(1)}}})
      ['layers/0/kernel', 'layers/1/kernel']
    """
    flat, _ = jax.tree_util.tree_flatten_with_path(params, is_leaf=_is_none)
    return [_path_name(p) for p, leaf in flat if is_prunable(leaf)]


def _split(params):
    """(leaves with None kept, treedef, indices of the prunable leaves)."""
    leaves, treedef = jax.tree.flatten(params, is_leaf=_is_none)
    idx = [i for i, leaf in enumerate(leaves) if is_prunable(leaf)]
    return leaves, treedef, idx


def _require_prunable(params, what: str = "params") -> None:
    leaves, _, idx = _split(params)
    if not idx:
        shapes = [tuple(np.shape(x)) for x in leaves if x is not None]
        raise ValueError(f"{what} has no prunable leaf: pruning needs at least one array with "
                         f"ndim >= 2 (a weight matrix); got leaf shapes {shapes}")


def _check_sparsity(sparsity) -> float:
    try:
        s = float(sparsity)
    except (TypeError, ValueError):
        raise ValueError(f"sparsity must be a number in [0, 1), got {sparsity!r}") from None
    if not (0.0 <= s < 1.0):
        raise ValueError(f"sparsity must lie in [0, 1) (the fraction of prunable weights removed), "
                         f"got {sparsity!r}")
    return s


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(map(repr, choices))}")


def _apply_masks(params, mask_tree):
    return jax.tree.map(lambda m, p: p if m is None else jnp.where(m, p, jnp.zeros_like(p)),
                        mask_tree, params, is_leaf=_is_none)


_apply_masks_jit = jax.jit(_apply_masks)


def _to_tree(params, score_list):
    leaves, treedef, idx = _split(params)
    out = [None] * len(leaves)
    for s, i in zip(score_list, idx):
        out[i] = s
    return jax.tree.unflatten(treedef, out)


def apply_masks(params, mask_tree):
    """Zero the pruned weights: ``params * mask`` on prunable leaves, other leaves unchanged.

    One compiled program per tree shape (no eager operation per leaf).

    Args:
      params: pytree of arrays (optionally with a leading seed axis on every leaf).
      mask_tree: a mask tree from :func:`masks` / :func:`prune` (bool arrays on prunable leaves,
        ``None`` elsewhere), with the same leading axis as ``params`` if it has one.

    Returns:
      A pytree shaped like ``params``.

    Raises:
      ValueError: the trees do not match.

    Examples:
      The diagonal mask keeps 1 and 4; the bias (mask ``None``) is untouched:

      >>> import jax.numpy as jnp
      >>> params = {"w": jnp.array([[1.0, 2.0], [3.0, 4.0]]), "b": jnp.ones(2)}
      >>> out = apply_masks(params, {"w": jnp.array([[True, False], [False, True]]), "b": None})
      >>> out["w"].tolist(), out["b"].tolist()
      ([[1.0, 0.0], [0.0, 4.0]], [1.0, 1.0])
    """
    try:
        jax.tree.map(lambda m, p: None, mask_tree, params, is_leaf=_is_none)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"mask tree does not match the params tree: {exc}") from None
    return _apply_masks_jit(params, mask_tree)


def map_seeds(fn, batched: bool, *trees):
    """Apply ``fn`` to each slice of a leading seed axis (or once when not batched).

    The slices are taken on the host and the results stacked there (:func:`stack_seeds`), so a
    function that is not vmappable (e.g. :func:`hardtrain.pruning.masks`) runs once per seed.

    Args:
      fn: ``(*trees) -> tree``; a ``None`` tree is passed as ``None``.
      batched: whether the trees carry a leading seed axis.
      *trees: pytrees (``None`` placeholders allowed), the first one not ``None``.

    Returns:
      ``fn(*trees)``, or its results over the seeds stacked along a new leading axis.

    Examples:
      A 50% mask per seed: each seed keeps its own largest weight:

      >>> import numpy as np
      >>> from hardtrain.pruning import masks
      >>> scores = {"w": np.array([[[1.0, 2.0]], [[4.0, 3.0]]])}  # 2 seeds of a (1, 2) kernel
      >>> map_seeds(lambda s: masks(s, 0.5), True, scores)["w"].tolist()
      [[[False, True]], [[True, False]]]
    """
    if not batched:
        return fn(*trees)
    n = jax.tree.leaves(trees[0])[0].shape[0]
    host = [None if t is None else jax.tree.map(np.asarray, t) for t in trees]
    outs = [fn(*[None if t is None else jax.tree.map(lambda a: None if a is None else a[i], t,
                                                      is_leaf=_is_none) for t in host])
            for i in range(n)]
    return stack_seeds(outs)


def stack_seeds(trees):
    """Stack trees along a new leading (seed) axis on the host (no compiled program per shape).

    Args:
      trees: a sequence of pytrees of the same structure (``None`` placeholders kept).

    Returns:
      One pytree whose array leaves have a leading axis of length ``len(trees)``.

    Examples:
        >>> stack_seeds([{"w": np.ones((2, 2)), "b": None}] * 3)["w"].shape
        (3, 2, 2)
    """
    return jax.tree.map(lambda *a: None if a[0] is None else jnp.asarray(np.stack([np.asarray(x) for x in a])),
                        *trees, is_leaf=_is_none)
