"""Lab 4: pruning at initialisation vs after training: scores, masks, lottery tickets, ablations.

Core numerics only (no widgets, no experiment): small pure functions on *plain pytrees* (the
nested dicts of :func:`hardtrain.models.pure` / :func:`hardtrain.models.build`), optax-style,
pytrees in, pytrees out. One idea per module:

- :mod:`.trees`: which leaves are prunable (``ndim >= 2``: kernels, not biases), their paths,
  :func:`apply_masks`, stacking trees along a seed axis.
- :mod:`.scores`: :func:`score` with magnitude, random, SNIP (ICLR 2019), GraSP (ICLR 2020),
  |GraSP| (ICLR 2021) and SynFlow (NeurIPS 2020); the class-balanced scoring batch.
- :mod:`.masking`: :func:`masks` at an exact sparsity (global or layerwise, or inverted),
  :func:`prune` in one shot or iteratively (:func:`density_schedule`), :func:`imp_sparsities`.
- :mod:`.ablations`: the layerwise shuffle and reinitialisation sanity checks (ICLR 2021).
- :mod:`.masked_training`: training with pruned weights held at exactly zero
  (:func:`keep_pruned_at_zero`, :func:`train_masked`).
- :mod:`.lottery`: iterative magnitude pruning with rewinding, the lottery ticket (ICLR 2019,
  ICML 2020).
- :mod:`.accounting`: compression ratio, theoretical FLOP speedup, remaining weights per layer,
  layer collapse (ShrinkBench's conventions, MLSys 2020).

Conventions (those of the reference implementations and of ShrinkBench):

- Only leaves with ``ndim >= 2`` (weight matrices and convolution kernels) are *prunable*.
  Biases and other leaves with ``ndim <= 1`` get no score and are never pruned: in a score tree
  and in a mask tree their place holds ``None``.
- A higher score means *more important*: :func:`masks` keeps the highest scores.
- ``sparsity`` is the fraction of the prunable weights removed, in [0, 1); a mask keeps
  exactly ``n - round(sparsity * n)`` weights (globally, or in each layer for ``"layerwise"``).
- Training with masks keeps every pruned weight exactly zero: the optax transformation
  :func:`keep_pruned_at_zero` re-applies the mask after every update, under the one compiled
  loop of :mod:`hardtrain.train` (vmapped over seeds).

Conv kernels (kernel_size, in, out) are prunable leaves like dense kernels; every score, mask,
ablation and the accounting work on them unchanged (:func:`flops_speedup` counts a conv kernel
entry once per output position when given ``uses``).

The lab's study, which reproduces at laptop scale Frankle, Dziugaite, Roy & Carbin, "Pruning
Neural Networks at Initialization: Why are We Missing the Mark?", ICLR 2021, arXiv 2009.08576,
on MNIST-1D, is an experiment: :mod:`hardtrain.experiments.pruning_study`. Its command line::

    python -m hardtrain.experiments precompute lab4 --out assets/lab4/ [--architecture cnn]

(``python -m hardtrain.pruning precompute ...`` still works: an alias of that command.)

This package imports neither ipywidgets, plotly, nor :mod:`hardtrain.experiments`.

Examples:
    >>> import jax
    >>> from hardtrain import models
    >>> apply_fn, params = models.build(models.MLP, 4, (8,), 3, seed=0)
    >>> mask = prune("synflow", params, apply_fn, None, 0.75, input_shape=(4,), rounds=10)
    >>> remaining_per_layer(mask)["layers/0/kernel"] + remaining_per_layer(mask)["layers/1/kernel"] > 0
    True
    >>> float(round(flops_speedup(params, mask), 6))
    4.0
"""

from .ablations import reinitialize, shuffle_within_layers
from .accounting import collapsed_layers, compression_ratio, flops_speedup, remaining_per_layer
from .lottery import LotteryResult, LotteryRound, iterate_lottery_ticket, lottery_ticket, magnitude_mask
from .masked_training import keep_pruned_at_zero, masked_optimizer, train_masked
from .masking import SCOPES, density_schedule, imp_sparsities, masks, prune
from .scores import GRASP_TEMPERATURE, METHODS, SYNFLOW_ROUNDS, class_balanced_batch, score
from .trees import apply_masks, is_prunable, map_seeds, prunable_paths, stack_seeds

__all__ = [
    "METHODS", "SCOPES", "GRASP_TEMPERATURE", "SYNFLOW_ROUNDS", "is_prunable", "prunable_paths",
    "apply_masks", "map_seeds", "stack_seeds", "score", "class_balanced_batch", "masks", "prune",
    "density_schedule", "imp_sparsities", "shuffle_within_layers", "reinitialize",
    "keep_pruned_at_zero", "masked_optimizer", "train_masked", "LotteryRound", "LotteryResult",
    "iterate_lottery_ticket", "lottery_ticket", "magnitude_mask", "compression_ratio",
    "remaining_per_layer", "flops_speedup", "collapsed_layers",
]
