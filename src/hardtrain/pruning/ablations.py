"""The sanity checks of pruning at initialisation: layerwise shuffle and reinitialisation.

Frankle, Dziugaite, Roy & Carbin, "Pruning Neural Networks at Initialization: Why are We Missing
the Mark?", ICLR 2021, arXiv 2009.08576, section 5: if a method found *which* weights matter,
permuting its mask within each layer (keeping every layer's density) or drawing fresh weights
under the same mask should hurt. The third ablation, inversion, is ``invert=True`` of
:func:`hardtrain.pruning.masks` and :func:`hardtrain.pruning.prune`.

Examples:
    >>> import jax, jax.numpy as jnp
    >>> m = {"w": jnp.array([[True, False, False, True]]), "b": None}
    >>> shuffled = shuffle_within_layers(m, jax.random.key(0))
    >>> int(shuffled["w"].sum()), shuffled["b"] is None
    (2, True)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .trees import _require_prunable, _split, apply_masks

__all__ = ["shuffle_within_layers", "reinitialize"]


def shuffle_within_layers(mask_tree, key):
    """The layerwise-shuffle ablation: permute each layer's mask at random.

    Keeps the number of surviving weights of every layer and forgets *which* weights survive
    (Frankle, Dziugaite, Roy & Carbin, ICLR 2021, arXiv 2009.08576, section 5).

    Args:
      mask_tree: a mask tree (bool arrays on prunable leaves, ``None`` elsewhere).
      key: a ``jax.random.key``.

    Returns:
      A mask tree of the same shapes and per-layer counts.

    Raises:
      ValueError: no prunable leaf.

    References:
      Frankle, Dziugaite, Roy, Carbin, "Pruning Neural Networks at Initialization: Why are We
      Missing the Mark?", ICLR 2021, arXiv 2009.08576.

    Examples:
      Two of four weights survive, before and after the shuffle:

      >>> import jax, jax.numpy as jnp
      >>> m = {"w": jnp.array([[True, True, False, False]])}
      >>> shuffled = shuffle_within_layers(m, jax.random.key(0))
      >>> shuffled["w"].shape, int(shuffled["w"].sum())
      ((1, 4), 2)
    """
    _require_prunable(mask_tree, "mask_tree")
    return _shuffle_jit(mask_tree, key)


@jax.jit
def _shuffle_jit(mask_tree, key):
    leaves, treedef, idx = _split(mask_tree)
    keys = jax.random.split(key, len(idx))
    out = list(leaves)
    for k, i in zip(keys, idx):
        m = jnp.asarray(leaves[i])
        out[i] = jax.random.permutation(k, m.ravel()).reshape(m.shape)
    return jax.tree.unflatten(treedef, out)


def reinitialize(mask_tree, init_params):
    """The reinitialisation ablation: keep the mask, take fresh weights from the initialiser.

    Frankle et al. (ICLR 2021, arXiv 2009.08576): draw new weights from the initial distribution
    (e.g. ``models.build(..., seed=other)``) and apply the same mask.

    Args:
      mask_tree: a mask tree.
      init_params: freshly initialised parameters of the same shapes.

    Returns:
      ``apply_masks(init_params, mask_tree)``.

    Raises:
      ValueError: the trees do not match.

    References:
      Frankle, Dziugaite, Roy, Carbin, "Pruning Neural Networks at Initialization: Why are We
      Missing the Mark?", ICLR 2021, arXiv 2009.08576.

    Examples:
      >>> import jax.numpy as jnp
      >>> m = {"w": jnp.array([[True, True, False, False]])}
      >>> reinitialize(m, {"w": jnp.array([[5.0, 6.0, 7.0, 8.0]])})["w"].tolist()
      [[5.0, 6.0, 0.0, 0.0]]
    """
    return apply_masks(init_params, mask_tree)
