"""What a mask saves: compression, FLOPs, the density of every layer, and layer collapse.

ShrinkBench's conventions (Blalock, Gonzalez Ortiz, Frankle & Guttag, "What is the State of
Neural Network Pruning?", MLSys 2020, arXiv 2003.03033): the compression ratio counts every
parameter, biases included; the theoretical speedup counts the multiply-adds of the weights
left, a conv kernel entry once per output position. A layer with no weight left disconnects the
network: *layer collapse* (Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020, arXiv 2006.05467).

Examples:
    >>> import jax.numpy as jnp
    >>> params = {"a": {"kernel": jnp.ones((2, 5)), "bias": jnp.ones(5)}}
    >>> mask = {"a": {"kernel": jnp.arange(10).reshape(2, 5) < 4, "bias": None}}
    >>> compression_ratio(params, mask), float(flops_speedup(params, mask)), remaining_per_layer(mask)
    (1.6666666666666667, 2.5, {'a/kernel': 0.4})
"""

from __future__ import annotations

import math

import jax
import numpy as np

from .trees import _is_none, _require_prunable, _split, prunable_paths

__all__ = ["compression_ratio", "remaining_per_layer", "flops_speedup", "collapsed_layers"]


def _pairs(params, mask_tree):
    p_leaves = jax.tree.leaves(params)
    m_leaves = jax.tree.flatten(mask_tree, is_leaf=_is_none)[0]
    if len(p_leaves) != len(m_leaves):
        raise ValueError(f"mask tree has {len(m_leaves)} leaves, params {len(p_leaves)}")
    return list(zip(p_leaves, m_leaves))


def compression_ratio(params, mask_tree) -> float:
    """Total parameters / remaining (unpruned) parameters, biases included (ShrinkBench).

    Args:
      params: the parameter tree (sizes of every leaf).
      mask_tree: its mask tree.

    Returns:
      A float >= 1 (inf when nothing is left).

    Raises:
      ValueError: the trees do not match.

    References:
      Blalock, Gonzalez Ortiz, Frankle, Guttag, "What is the State of Neural Network
      Pruning?", MLSys 2020, arXiv 2003.03033.

    Examples:
      Half of a (2, 2) kernel kept, the 2 biases counted as kept: 6 / (2 + 2) = 1.5:

      >>> import jax.numpy as jnp
      >>> params = {"w": jnp.ones((2, 2)), "b": jnp.ones(2)}
      >>> compression_ratio(params, {"w": jnp.array([[True, False], [False, True]]), "b": None})
      1.5
    """
    total = kept = 0
    for p, m in _pairs(params, mask_tree):
        n = int(np.size(p))
        total += n
        kept += n if m is None else int(np.count_nonzero(np.asarray(m)))
    return total / kept if kept else math.inf


def remaining_per_layer(mask_tree) -> dict[str, float]:
    """Fraction of weights left in every prunable layer, ``{"layers/0/kernel": 0.31, ...}``.

    What the at-init methods really decide (Frankle et al., ICLR 2021, arXiv 2009.08576): the
    layerwise-shuffle ablation keeps these numbers and nothing else.

    Args:
      mask_tree: a mask tree (bool arrays on prunable leaves, ``None`` elsewhere).

    Returns:
      ``{path: fraction of the layer's weights kept}``, keyed like :func:`prunable_paths`.

    Raises:
      ValueError: no prunable leaf.

    References:
      Frankle, Dziugaite, Roy, Carbin, "Pruning Neural Networks at Initialization: Why are We
      Missing the Mark?", ICLR 2021, arXiv 2009.08576.

    Examples:
      >>> import jax.numpy as jnp
      >>> remaining_per_layer({"a": jnp.array([[True, False, False, False]]), "b": None})
      {'a': 0.25}
    """
    _require_prunable(mask_tree, "mask_tree")
    names = prunable_paths(mask_tree)
    leaves, _, idx = _split(mask_tree)
    return {n: float(np.mean(np.asarray(leaves[i]))) for n, i in zip(names, idx)}


def flops_speedup(params, mask_tree, uses: dict[str, int] | None = None) -> float:
    """Theoretical speedup: dense multiply-adds / multiply-adds of the remaining weights.

    As ShrinkBench (Blalock et al., MLSys 2020, arXiv 2003.03033) counts it: a dense kernel
    weight costs one multiply-add per example; a conv kernel entry one per *output position*
    (a kernel (k, in, out) producing a length-L output costs L * k * in * out multiply-adds, and
    a pruned entry saves L of them); biases and activations are not counted. For a CNN pass
    ``uses={path: output positions}``, e.g. ``models.weight_uses(models.CNN1D, 40, (25, 25, 25),
    10)`` (``{"convs/0/kernel": 20, ..., "head/kernel": 1}``); without it every weight counts
    once, which is right for an MLP but over-weights the head of a CNN.

    Args:
      params: parameter tree.
      mask_tree: its mask tree.
      uses: per prunable path (as :func:`prunable_paths` names it), how often each weight is
        used per example (default 1 for a path not given).

    Returns:
      A float >= 1 (inf when no weight is left).

    Raises:
      ValueError: the trees do not match, no prunable leaf, or a ``uses`` key that is not a
        prunable path or a count below 1.

    References:
      Blalock, Gonzalez Ortiz, Frankle, Guttag, "What is the State of Neural Network
      Pruning?", MLSys 2020, arXiv 2003.03033.

    Examples:
      A conv kernel of 100 entries used at 20 positions, half kept, and a head of 100 weights,
      all kept: (2000 + 100) / (1000 + 100) = 1.909...; without ``uses``, 200 / 150:

      >>> import jax.numpy as jnp
      >>> params = {"conv": jnp.ones((5, 4, 5)), "head": jnp.ones((10, 10))}
      >>> mask = {"conv": jnp.arange(100).reshape(5, 4, 5) < 50, "head": jnp.ones((10, 10), bool)}
      >>> with_uses, plain = flops_speedup(params, mask, uses={"conv": 20}), flops_speedup(params, mask)
      >>> round(float(with_uses), 4), round(float(plain), 4)
      (1.9091, 1.3333)
    """
    _require_prunable(mask_tree, "mask_tree")
    paths = prunable_paths(mask_tree)
    for k, v in (uses or {}).items():
        if k not in paths:
            raise ValueError(f"uses has a key {k!r} that is not a prunable path; expected some of {paths}")
        if not v >= 1:
            raise ValueError(f"uses[{k!r}] must be >= 1 (multiply-adds per example), got {v!r}")
    names = iter(paths)
    dense = sparse = 0.0
    for p, m in _pairs(params, mask_tree):
        if m is None:
            continue
        u = (uses or {}).get(next(names), 1)
        dense += u * np.size(p)
        sparse += u * np.count_nonzero(np.asarray(m))
    return dense / sparse if sparse else math.inf


def collapsed_layers(mask_tree) -> list[str]:
    """Layers with no weight left: *layer collapse*, which disconnects the network.

    Tanaka et al. (NeurIPS 2020, arXiv 2006.05467) show that single-shot SNIP, GraSP and
    magnitude pruning collapse layers at extreme sparsity, and that iterative SynFlow avoids it.

    Args:
      mask_tree: a mask tree (bool arrays on prunable leaves, ``None`` elsewhere).

    Returns:
      The paths of the prunable leaves whose mask is all False (empty when none).

    Raises:
      ValueError: no prunable leaf.

    References:
      Tanaka, Kunin, Yamins, Ganguli, "Pruning neural networks without any data by
      iteratively conserving synaptic flow", NeurIPS 2020, arXiv 2006.05467.

    Examples:
      >>> import jax.numpy as jnp
      >>> collapsed_layers({"a": jnp.zeros((2, 2), bool), "b": jnp.array([[True, False]])})
      ['a']
    """
    return [name for name, frac in remaining_per_layer(mask_tree).items() if frac == 0.0]
