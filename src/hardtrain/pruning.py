"""Pruning at initialisation vs after training: scores, masks, schedules, lottery tickets, ablations.

Everything works on *plain pytrees* (the nested dicts of :func:`hardtrain.models.pure` /
:func:`hardtrain.models.build`), optax-style: small pure functions, pytrees in, pytrees out.
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

The study of this module reproduces, at laptop scale, Frankle, Dziugaite, Roy & Carbin,
"Pruning Neural Networks at Initialization: Why are We Missing the Mark?", ICLR 2021,
arXiv 2009.08576, on MNIST-1D (Greydanus & Kobak, ICML 2024, arXiv 2011.14439), for a fully
connected net (:class:`hardtrain.models.MLP`) or a small 1-D CNN (:class:`hardtrain.models.CNN1D`):
``StudyConfig(architecture="mlp" | "cnn")``. Conv kernels (kernel_size, in, out) are prunable
leaves like dense kernels; every score, mask, ablation and the accounting work on them unchanged
(:func:`flops_speedup` counts a conv kernel entry once per output position when given ``uses``).

Command line (precomputes the lab's full-scale curves, with provenance)::

    python -m hardtrain.pruning precompute --out assets/lab4/                      # MLP
    python -m hardtrain.pruning precompute --architecture cnn --out assets/lab4/   # CNN

This is a core module: it never imports ipywidgets or plotly.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import data, models
from . import train as training

__all__ = [
    "METHODS", "SCOPES", "is_prunable", "prunable_paths", "score", "masks", "prune", "apply_masks",
    "class_balanced_batch", "shuffle_within_layers", "reinitialize", "keep_pruned_at_zero",
    "masked_optimizer", "train_masked", "LotteryRound", "LotteryResult", "iterate_lottery_ticket",
    "lottery_ticket", "density_schedule", "compression_ratio", "remaining_per_layer",
    "flops_speedup", "collapsed_layers", "imp_sparsities", "StudyConfig", "Study", "precompute",
    "load_precomputed", "ASSET_FILE", "ASSET_FILES", "ARCHITECTURES", "CURVES", "AFTER_TRAINING", "ONE_SHOT_AFTER",
    "ABLATION_METHODS", "VARIANTS", "EARLY_METHODS", "LAYER_SPARSITIES",
]

#: Scoring methods accepted by :func:`score` and :func:`prune`.
METHODS = ("magnitude", "random", "snip", "grasp", "grasp_abs", "synflow")
#: Ranking scopes accepted by :func:`masks` and :func:`prune`.
SCOPES = ("global", "layerwise")
#: Default temperature of GraSP's logits (the reference implementations divide by 200).
GRASP_TEMPERATURE = 200.0
#: Default number of SynFlow rounds (Tanaka et al. 2020).
SYNFLOW_ROUNDS = 100
#: File name of the precomputed MLP study inside the output folder.
ASSET_FILE = "pruning_study.json"
#: Architectures of the study (:class:`StudyConfig`): a fully connected net or a small 1-D CNN.
ARCHITECTURES = ("mlp", "cnn")
#: File name of each architecture's precomputed study (the MLP's is :data:`ASSET_FILE`).
ASSET_FILES = {"mlp": ASSET_FILE, "cnn": "pruning_study_cnn.json"}


# --------------------------------------------------------------------------------------------
# Pytree helpers: prunable leaves, paths, None placeholders
# --------------------------------------------------------------------------------------------

def is_prunable(leaf) -> bool:
    """True for a leaf that may be pruned: an array with ``ndim >= 2`` (kernels, not biases)."""
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
    """
    try:
        jax.tree.map(lambda m, p: None, mask_tree, params, is_leaf=_is_none)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"mask tree does not match the params tree: {exc}") from None
    return _apply_masks_jit(params, mask_tree)


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------

def _cross_entropy(apply_fn, params, x, y, temperature=1.0):
    logits = apply_fn(params, x) / temperature
    if logits.shape[-1] == 1:
        return optax.sigmoid_binary_cross_entropy(logits[:, 0], y.astype(logits.dtype)).mean()
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def _raw_scores(method: str, apply_fn: Callable, params, x, y, key, temperature):
    """List of score arrays for the prunable leaves of ``params`` (traceable)."""
    leaves, treedef, idx = _split(params)
    if method == "magnitude":
        return [jnp.abs(leaves[i]) for i in idx]
    if method == "random":
        keys = jax.random.split(key, len(idx))
        return [jax.random.uniform(k, leaves[i].shape) for k, i in zip(keys, idx)]
    if method == "snip":
        g = jax.grad(lambda p: _cross_entropy(apply_fn, p, x, y))(params)
        gl = jax.tree.leaves(g)
        return [jnp.abs(gl[i] * leaves[i]) for i in idx]
    if method in ("grasp", "grasp_abs"):
        def loss_w(ws):  # the loss as a function of the prunable weights only (reference code)
            full = list(leaves)
            for w, i in zip(ws, idx):
                full[i] = w
            return _cross_entropy(apply_fn, jax.tree.unflatten(treedef, full), x, y, temperature)

        ws = [leaves[i] for i in idx]
        g = jax.lax.stop_gradient(jax.grad(loss_w)(ws))
        hg = jax.grad(lambda w: sum(jnp.vdot(a, b) for a, b in zip(g, jax.grad(loss_w)(w))))(ws)
        if method == "grasp_abs":
            return [jnp.abs(w * h) for w, h in zip(ws, hg)]
        return [w * h for w, h in zip(ws, hg)]
    if method == "synflow":
        p64 = jax.tree.map(lambda p: jnp.abs(p.astype(jnp.float64)), params)
        ones = jnp.ones((1,) + x.shape[1:], jnp.float64)
        g = jax.grad(lambda p: jnp.sum(apply_fn(p, ones)))(p64)
        l64, gl = jax.tree.leaves(p64), jax.tree.leaves(g)
        return [jnp.abs(gl[i] * l64[i]) for i in idx]
    raise ValueError(f"unknown method {method!r}")


def _check_batch(apply_fn, params, batch, method):
    if batch is None:
        raise ValueError(f"method {method!r} needs batch=(x, y): x an array of shape (n, ...) that "
                         "apply_fn accepts and y an int array of shape (n,)")
    try:
        x, y = batch
    except (TypeError, ValueError):
        raise ValueError(f"batch must be a pair (x, y), got {type(batch).__name__}") from None
    x, y = jnp.asarray(x), jnp.asarray(y)
    if x.ndim < 1 or y.ndim != 1 or x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(f"batch must be (x of shape (n, ...), y of shape (n,)) with the same n >= 1; "
                         f"got x {tuple(x.shape)} and y {tuple(y.shape)}")
    if not jnp.issubdtype(y.dtype, jnp.integer):
        raise ValueError(f"batch labels y must be integers (class ids), got dtype {y.dtype}")
    try:
        out = jax.eval_shape(apply_fn, params, x)
    except Exception as exc:  # noqa: BLE001 - any shape error of the model
        raise ValueError(f"batch x of shape {tuple(x.shape)} does not fit apply_fn "
                         f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
    if len(out.shape) != 2 or out.shape[0] != x.shape[0]:
        raise ValueError(f"apply_fn must return logits of shape (n, K) = ({x.shape[0]}, K); "
                         f"got {tuple(out.shape)}")
    return x, y


def _prepare(method, params, apply_fn, batch, key, input_shape):
    """Validated (x, y, key) for a scoring method."""
    _check_choice("method", method, METHODS)
    _require_prunable(params)
    if method == "random" and key is None:
        raise ValueError("method 'random' needs key=jax.random.key(seed)")
    key = jax.random.key(0) if key is None else key
    if method in ("snip", "grasp", "grasp_abs"):
        x, y = _check_batch(apply_fn, params, batch, method)
    elif method == "synflow":
        if batch is not None:
            x, _ = _check_batch(apply_fn, params, batch, method)
            x = x[:1]
        elif input_shape is not None:
            x = jnp.zeros((1, *tuple(int(d) for d in input_shape)), jnp.float32)
            _check_batch(apply_fn, params, (x, jnp.zeros(1, jnp.int32)), method)
        else:
            raise ValueError("method 'synflow' needs the input shape: pass batch=(x, y) or "
                             "input_shape=(d,) (SynFlow is data-free; only x's shape is used)")
        y = jnp.zeros(1, jnp.int32)
    else:
        x = jnp.zeros((1, 1), jnp.float32) if batch is None else jnp.asarray(batch[0])[:1]
        y = jnp.zeros(1, jnp.int32)
    return x, y, key


@functools.lru_cache(maxsize=64)
def _scorer(method: str, apply_fn: Callable):
    return jax.jit(functools.partial(_raw_scores, method, apply_fn))


def _to_tree(params, score_list):
    leaves, treedef, idx = _split(params)
    out = [None] * len(leaves)
    for s, i in zip(score_list, idx):
        out[i] = s
    return jax.tree.unflatten(treedef, out)


def score(method: str, params, apply_fn: Callable, batch=None, *, key=None,
          temperature: float = GRASP_TEMPERATURE, input_shape: Sequence[int] | None = None):
    """Importance score of every prunable weight (higher = more important = kept).

    Methods:
      - ``"magnitude"``: |w|.
      - ``"random"``: i.i.d. uniform scores (needs ``key``).
      - ``"snip"``: |g * w| with g = dL/dw of the mean cross-entropy on ``batch``
        (Lee, Ajanthan & Torr, "SNIP: Single-shot Network Pruning based on Connection
        Sensitivity", ICLR 2019, arXiv 1810.02340).
      - ``"grasp"``: w * Hg with g the gradient of the cross-entropy of the logits divided by
        ``temperature`` (default 200 as in the reference code) with respect to the prunable
        weights, and Hg = grad_w (stop_gradient(g) . g) by double backprop (Wang, Zhang &
        Grosse, "Picking Winning Tickets Before Training by Preserving Gradient Flow",
        ICLR 2020, arXiv 2002.07376). The paper removes the weights with the *highest* -w*Hg;
        with this sign the lowest scores are pruned, which is the same choice.
      - ``"grasp_abs"``: |w * Hg|, the magnitude of GraSP's score (same Hg), which Frankle,
        Dziugaite, Roy & Carbin (ICLR 2021, arXiv 2009.08576, section 5) found to do as well as
        or better than GraSP: keeping the weights whose removal changes the gradient flow the
        most in *either* direction.
      - ``"synflow"``: one round of |dR/dtheta * theta| with R = sum(apply_fn(|params|, 1)) on an
        all-ones input of one example's shape, in float64 (Tanaka, Kunin, Yamins & Ganguli,
        "Pruning neural networks without any data by iteratively conserving synaptic flow",
        NeurIPS 2020, arXiv 2006.05467). Data-free: only ``x``'s shape is used.

    Args:
      method: one of :data:`METHODS`.
      params: pytree of arrays (e.g. ``models.build(models.MLP, ...)[1]``).
      apply_fn: ``(params, x) -> logits`` of shape (n, K).
      batch: ``(x, y)``: x of shape (n, ...) accepted by ``apply_fn``, y int of shape (n,).
        Needed by snip, grasp and grasp_abs; synflow needs it (or ``input_shape``) for the input shape.
      key: a ``jax.random.key``; needed by ``"random"``.
      temperature: GraSP's logit temperature, > 0.
      input_shape: shape of one example, for synflow without a batch.
    Returns:
      A pytree shaped like ``params``: a float array of the leaf's shape on every prunable leaf
      (``ndim >= 2``; float64 for synflow), ``None`` on the others (never pruned).
    Raises:
      ValueError: unknown method; no prunable leaf; missing key/batch; a batch whose shapes do
        not fit ``apply_fn`` or whose labels are not integers; temperature <= 0.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    x, y, key = _prepare(method, params, apply_fn, batch, key, input_shape)
    if method == "synflow":
        with jax.enable_x64(True):
            s = _scorer(method, apply_fn)(params, x, y, key, float(temperature))
    else:
        s = _scorer(method, apply_fn)(params, x, y, key, float(temperature))
    return _to_tree(params, s)


def class_balanced_batch(x, y, per_class: int, key) -> tuple[jax.Array, jax.Array]:
    """``per_class`` random examples of every class (the scoring batch of SNIP and GraSP).

    The reference code of Frankle et al. (ICLR 2021, arXiv 2009.08576) scores on N examples
    per class; this draws them without replacement with ``key``.

    Args:
      x: array of shape (n, ...). y: int array of shape (n,), classes 0..K-1.
      per_class: examples per class, >= 1 and at most the size of the smallest class.
      key: a ``jax.random.key``.
    Returns:
      ``(xb, yb)`` with K * per_class rows, grouped by class.
    Raises:
      ValueError: per_class < 1 or larger than a class.
    """
    y_np = np.asarray(y)
    classes, counts = np.unique(y_np, return_counts=True)
    if int(per_class) != per_class or per_class < 1 or per_class > counts.min():
        raise ValueError(f"per_class must be an integer in [1, {counts.min()}] (the smallest class), "
                         f"got {per_class!r}")
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel())
    rows = np.concatenate([rng.choice(np.flatnonzero(y_np == c), int(per_class), replace=False)
                           for c in classes])
    return jnp.asarray(np.asarray(x)[rows]), jnp.asarray(y_np[rows])


# --------------------------------------------------------------------------------------------
# Masks
# --------------------------------------------------------------------------------------------

def _order_key(s):
    """Unsigned integers in the same order as the floats ``s`` (the radix-sort float key)."""
    utype, bits = (jnp.uint64, 64) if s.dtype == jnp.float64 else (jnp.uint32, 32)
    s = s.astype(jnp.float64 if bits == 64 else jnp.float32)
    s = jnp.where(s == 0, jnp.zeros_like(s), s)  # -0.0 and +0.0 are one value
    u = jax.lax.bitcast_convert_type(s, utype)
    sign = jnp.asarray(1, utype) << (bits - 1)
    return jnp.where(u & sign, ~u, u | sign), bits


def _rank_keep(s, keep):
    """Bool mask of the ``keep`` highest entries of the 1-D array ``s`` (ties: lower index first).

    Exact selection without sorting: a bisection over the bit patterns of the scores finds the
    ``keep``-th largest value (32 or 64 steps of one comparison and one sum each), then ties at
    that value are taken in index order. On a CPU this is several times faster than an argsort
    of the scores, which SynFlow's 100 rounds would otherwise repeat.
    """
    key, bits = _order_key(s)
    utype = key.dtype
    keep = jnp.asarray(keep, jnp.int32)

    def step(_, lohi):
        lo, hi = lohi
        gap = hi - lo
        mid = lo + (gap >> 1) + (gap & 1)
        ok = jnp.sum(key >= mid, dtype=jnp.int32) >= keep
        active = lo < hi
        return (jnp.where(active & ok, mid, lo), jnp.where(active & ~ok, mid - jnp.asarray(1, utype), hi))

    lo, _ = jax.lax.fori_loop(0, bits, step, (jnp.min(key), jnp.max(key)))
    greater = key > lo
    tied = key == lo
    extra = keep - jnp.sum(greater, dtype=jnp.int32)
    mask = greater | (tied & (jnp.cumsum(tied, dtype=jnp.int32) <= extra))
    return mask & (keep > 0)


def _select(scores: list, keep, scope: str, invert: bool):
    """Masks (list) keeping ``keep`` entries (global: scalar; layerwise: one per leaf)."""
    clean = []
    for s in scores:
        s = jnp.where(jnp.isnan(s), -jnp.inf, s)
        if invert:  # prune the highest instead; -inf (already pruned) stays lowest
            s = jnp.where(jnp.isneginf(s), -jnp.inf, -s)
        clean.append(s)
    if scope == "global":
        flat = jnp.concatenate([s.ravel() for s in clean])
        m = _rank_keep(flat, keep)
        out, start = [], 0
        for s in clean:
            out.append(m[start:start + s.size].reshape(s.shape))
            start += s.size
        return out
    return [_rank_keep(s.ravel(), keep[i]).reshape(s.shape) for i, s in enumerate(clean)]


_select_jit = jax.jit(_select, static_argnames=("scope", "invert"))


def _keep_counts(sizes: Sequence[int], sparsity: float, scope: str):
    if scope == "global":
        n = int(sum(sizes))
        return np.int32(n - int(round(sparsity * n)))
    return np.array([n - int(round(sparsity * n)) for n in sizes], np.int32)


def masks(scores, sparsity: float, scope: str = "global", invert: bool = False):
    """Binary masks keeping the highest scores, at an exact sparsity.

    ``"global"`` ranks all prunable weights together (one threshold: layers may end up with very
    different densities); ``"layerwise"`` removes the same fraction from every layer. Exactly
    ``n - round(sparsity * n)`` weights are kept (n counted globally or per layer); ties are
    broken by position. A score of ``-inf`` (or NaN) is pruned first in either mode: iterative
    pruning marks already-pruned weights that way.

    ``invert=True`` is the inversion ablation of Frankle et al. (ICLR 2021, arXiv 2009.08576):
    the *highest*-scoring weights are pruned, so the mask keeps the lowest scores; at sparsity
    ``s`` it is the complement of the ordinary mask at sparsity ``1 - s``.

    Args:
      scores: a score tree from :func:`score` (arrays on prunable leaves, ``None`` elsewhere;
        a tree of plain arrays works too: leaves with ndim <= 1 are ignored).
      sparsity: fraction of the prunable weights removed, in [0, 1).
      scope: ``"global"`` or ``"layerwise"``.
      invert: prune the highest scores instead of the lowest.
    Returns:
      A tree shaped like ``scores``: bool arrays (True = kept) on prunable leaves, ``None`` on the
      others.
    Raises:
      ValueError: sparsity outside [0, 1), unknown scope, or no prunable leaf.
    """
    s = _check_sparsity(sparsity)
    _check_choice("scope", scope, SCOPES)
    _require_prunable(scores, "scores")
    leaves, treedef, idx = _split(scores)
    arrays = [jnp.asarray(leaves[i]) for i in idx]
    keep = _keep_counts([a.size for a in arrays], s, scope)
    m = _select_jit(arrays, keep, scope=scope, invert=bool(invert))
    out = [None] * len(leaves)
    for a, i in zip(m, idx):
        out[i] = a
    return jax.tree.unflatten(treedef, out)


def density_schedule(sparsity: float, rounds: int) -> np.ndarray:
    """Exponential pruning schedule: density after round k of n is d^(k/n), d = 1 - sparsity.

    As in SynFlow's iterative pruning (Tanaka et al., NeurIPS 2020, arXiv 2006.05467): each round
    removes the same *fraction* of the weights that are left.

    Args:
      sparsity: final sparsity in [0, 1). rounds: number of rounds n >= 1.
    Returns:
      Array of shape (n,): the density after rounds 1..n (the last one is 1 - sparsity).
    Raises:
      ValueError: sparsity outside [0, 1) or rounds not a positive integer.
    """
    s = _check_sparsity(sparsity)
    if int(rounds) != rounds or rounds < 1:
        raise ValueError(f"rounds must be a positive integer, got {rounds!r}")
    k = np.arange(1, int(rounds) + 1)
    return (1.0 - s) ** (k / int(rounds))


@functools.lru_cache(maxsize=64)
def _pruner(method: str, apply_fn: Callable, scope: str, invert: bool):
    """Jitted iterative pruning: ``lax.scan`` over rounds, re-scoring the masked weights."""

    def run(params, x, y, key, temperature, keep):
        leaves, treedef, idx = _split(params)
        mask0 = [jnp.ones(leaves[i].shape, bool) for i in idx]

        def body(mask_list, inp):
            keep_r, k = inp
            full = list(leaves)
            for m, i in zip(mask_list, idx):
                full[i] = jnp.where(m, leaves[i], jnp.zeros_like(leaves[i]))
            s = _raw_scores(method, apply_fn, jax.tree.unflatten(treedef, full), x, y, k, temperature)
            s = [jnp.where(m, v, -jnp.inf) for m, v in zip(mask_list, s)]
            return _select(s, keep_r, scope, invert), None

        keys = jax.random.split(key, keep.shape[0])
        out, _ = jax.lax.scan(body, mask0, (keep, keys))
        return out

    return jax.jit(run)


def prune(method: str, params, apply_fn: Callable, batch, sparsity: float, *, key=None,
          scope: str = "global", rounds: int | None = None, invert: bool = False,
          temperature: float = GRASP_TEMPERATURE, input_shape: Sequence[int] | None = None):
    """Score and mask in one shot, or iteratively with an exponential schedule.

    With ``rounds = n > 1`` the weights are re-scored n times; after round k the density is
    ``(1 - sparsity)^(k/n)`` (:func:`density_schedule`), each round scoring the *masked*
    network and ranking only the weights still alive. SynFlow defaults to 100 rounds (Tanaka et
    al., NeurIPS 2020, arXiv 2006.05467), every other method to one shot. The whole loop is one
    compiled ``lax.scan`` (SynFlow in float64).

    Args:
      method, params, apply_fn, batch, key, temperature, input_shape: as in :func:`score`.
      sparsity: final fraction of prunable weights removed, in [0, 1).
      scope: ``"global"`` or ``"layerwise"`` ranking (see :func:`masks`).
      rounds: number of pruning rounds (default 100 for synflow, else 1).
      invert: the inversion ablation (prune the highest scores); see :func:`masks`.
    Returns:
      A mask tree (bool arrays on prunable leaves, ``None`` elsewhere) at exactly ``sparsity``.
    Raises:
      ValueError: as :func:`score` and :func:`masks`, or rounds not a positive integer.
    """
    s = _check_sparsity(sparsity)
    _check_choice("scope", scope, SCOPES)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    x, y, key = _prepare(method, params, apply_fn, batch, key, input_shape)
    n = (SYNFLOW_ROUNDS if method == "synflow" else 1) if rounds is None else rounds
    dens = density_schedule(s, n)
    leaves, treedef, idx = _split(params)
    sizes = [int(np.prod(leaves[i].shape)) for i in idx]
    keep = np.stack([_keep_counts(sizes, 1.0 - d, scope) for d in dens[:-1]]
                    + [_keep_counts(sizes, s, scope)])
    fn = _pruner(method, apply_fn, scope, bool(invert))
    if method == "synflow":
        with jax.enable_x64(True):
            m = fn(params, x, y, key, float(temperature), jnp.asarray(keep))
    else:
        m = fn(params, x, y, key, float(temperature), jnp.asarray(keep))
    return _to_tree(params, m)


# --------------------------------------------------------------------------------------------
# Ablations
# --------------------------------------------------------------------------------------------

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
      mask_tree: a mask tree. init_params: freshly initialised parameters of the same shapes.
    Returns:
      ``apply_masks(init_params, mask_tree)``.
    Raises:
      ValueError: the trees do not match.
    """
    return apply_masks(init_params, mask_tree)


# --------------------------------------------------------------------------------------------
# Training with masks
# --------------------------------------------------------------------------------------------

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
    """
    p = params if mask_tree is None else apply_masks(params, mask_tree)
    opt = masked_optimizer(optimizer)
    if batched:
        return training.train_many(loss_fn, p, opt, steps)
    return training.train(loss_fn, p, opt, steps)


# --------------------------------------------------------------------------------------------
# Lottery tickets: iterative magnitude pruning with rewinding
# --------------------------------------------------------------------------------------------

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


def _map_seeds(fn, batched, *trees):
    """Apply ``fn`` to each slice of a leading seed axis (or once when not batched)."""
    if not batched:
        return fn(*trees)
    n = jax.tree.leaves(trees[0])[0].shape[0]
    host = [None if t is None else jax.tree.map(np.asarray, t) for t in trees]
    outs = [fn(*[None if t is None else jax.tree.map(lambda a: None if a is None else a[i], t,
                                                      is_leaf=_is_none) for t in host])
            for i in range(n)]
    return _stack_host(outs)


def _stack_host(trees):
    """Stack trees along a new leading axis on the host (no compiled program per shape)."""
    return jax.tree.map(lambda *a: None if a[0] is None else jnp.asarray(np.stack([np.asarray(x) for x in a])),
                        *trees, is_leaf=_is_none)


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
        current = _map_seeds(functools.partial(_imp_mask, sparsity=sparsity, scope=scope),
                             batched, trained, current)
        res = train_masked(loss_fn, theta_k, current, optimizer, steps - k, batched=batched)
        trained = res.params
        yield LotteryRound(r, sparsity, current, trained, res, theta_k)


def _imp_mask(weights, current, sparsity, scope="global"):
    """Magnitude mask of ``weights`` at ``sparsity`` among the weights ``current`` keeps."""
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

    Returns:
      A :class:`LotteryResult`: ``rounds[r]`` holds the mask at sparsity 1 - 0.8^r (for the
      default fraction) and the weights trained from ``rewind_params`` under it.
    Raises:
      ValueError: as :func:`iterate_lottery_ticket`.
    """
    gen = iterate_lottery_ticket(loss_fn, params, optimizer, steps, rounds=rounds,
                                 prune_fraction=prune_fraction, rewind_step=rewind_step,
                                 scope=scope, batched=batched)
    out = list(gen)
    return LotteryResult(out, out[0].rewind_params)


# --------------------------------------------------------------------------------------------
# Accounting (ShrinkBench conventions: Blalock et al., MLSys 2020, arXiv 2003.03033)
# --------------------------------------------------------------------------------------------

def _pairs(params, mask_tree):
    p_leaves = jax.tree.leaves(params)
    m_leaves = jax.tree.flatten(mask_tree, is_leaf=_is_none)[0]
    if len(p_leaves) != len(m_leaves):
        raise ValueError(f"mask tree has {len(m_leaves)} leaves, params {len(p_leaves)}")
    return list(zip(p_leaves, m_leaves))


def compression_ratio(params, mask_tree) -> float:
    """Total parameters / remaining (unpruned) parameters, biases included (ShrinkBench).

    Args:
      params: the parameter tree (sizes of every leaf). mask_tree: its mask tree.
    Returns:
      A float >= 1 (inf when nothing is left).
    Raises:
      ValueError: the trees do not match.
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

    Raises:
      ValueError: no prunable leaf.
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
    once, which is right for an MLP but over-weights the head of a CNN. Example: conv kernels of
    100 entries at 20 positions, half kept, and a head of 100 weights, all kept:
    (2000 + 100) / (1000 + 100) = 1.91.

    Args:
      params: parameter tree. mask_tree: its mask tree.
      uses: per prunable path (as :func:`prunable_paths` names it), how often each weight is
        used per example (default 1 for a path not given).
    Returns:
      A float >= 1 (inf when no weight is left).
    Raises:
      ValueError: the trees do not match, no prunable leaf, or a ``uses`` key that is not a
        prunable path or a count below 1.
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

    Returns:
      The paths of the prunable leaves whose mask is all False (empty when none).
    """
    return [name for name, frac in remaining_per_layer(mask_tree).items() if frac == 0.0]


# --------------------------------------------------------------------------------------------
# The study: accuracy vs sparsity, pruning early, ablations (the lab and the precompute command)
# --------------------------------------------------------------------------------------------

#: Curves of the study: at-init methods, then the three baselines that prune a trained network.
CURVES = ("random", "magnitude", "snip", "grasp", "grasp_abs", "synflow",
          "after_finetune", "after_lr_rewind", "after_weight_rewind", "imp_lr_rewind", "lottery")
#: The curves that prune after training, by magnitude of the trained weights: one shot, then
#: fine-tuning, learning-rate rewinding, or weight rewinding (the survivors reset to theta_k);
#: iteratively (20% of the remaining weights per round), with learning-rate rewinding or with
#: weight rewinding (the lottery ticket).
AFTER_TRAINING = ("after_finetune", "after_lr_rewind", "after_weight_rewind", "imp_lr_rewind", "lottery")
#: The one-shot after-training curves (one mask per sparsity from theta_T).
ONE_SHOT_AFTER = ("after_finetune", "after_lr_rewind", "after_weight_rewind")
#: Methods with ablations, and the ablation variants.
ABLATION_METHODS = ("magnitude", "snip", "grasp", "grasp_abs", "synflow", "lottery")
VARIANTS = ("original", "shuffled", "reinit", "inverted")
#: Methods of the prune-early curve (scores taken at theta_k instead of theta_0).
EARLY_METHODS = ("magnitude", "snip", "grasp", "synflow")


def imp_sparsities(rounds: Sequence[int], prune_fraction: float = 0.2) -> tuple:
    """Sparsities reached by iterative magnitude pruning after each of ``rounds``: 1 - (1-p)^r.

    The study measures every curve at these sparsities, so that the lottery ticket (one point
    per IMP round) and the other methods are compared at exactly the same sparsity.

    Args:
      rounds: positive round numbers. prune_fraction: p, removed per round, in (0, 1).
    Returns:
      A tuple of floats in (0, 1).
    Raises:
      ValueError: a round below 1 or p outside (0, 1).

    Examples:
      >>> [round(s, 4) for s in imp_sparsities((1, 3, 14))]
      [0.2, 0.488, 0.956]
    """
    if not 0.0 < prune_fraction < 1.0:
        raise ValueError(f"prune_fraction must lie in (0, 1), got {prune_fraction!r}")
    if any(int(r) != r or r < 1 for r in rounds):
        raise ValueError(f"rounds must be positive integers, got {tuple(rounds)!r}")
    return tuple(1.0 - (1.0 - prune_fraction) ** int(r) for r in rounds)


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Sizes and training recipe of a pruning study on MNIST-1D (an MLP or a small 1-D CNN).

    Training recipe (every run of the study, dense or pruned): minibatch Adam, batch 100,
    learning rate 1e-2 at step 0, as in the reference training code of MNIST-1D (Greydanus &
    Kobak, "Scaling down deep learning with MNIST-1D", ICML 2024, arXiv 2011.14439, whose MLP
    and CNN baselines are trained with Adam at 1e-2 and batch 100), decayed along a cosine to 1%
    of its peak over T = ``steps`` updates (Loshchilov & Hutter, ICLR 2017, arXiv 1608.03983), on
    all 4,000 training examples. A pruned network is trained with the same recipe from step 0
    (at-init methods) or from step k (rewinding, pruning early).

    Attributes:
      widths: hidden widths of the ReLU MLP (40 inputs, 10 classes); ``architecture="mlp"``.
      n_train: training examples used (None: all 4,000 of MNIST-1D's default split).
      steps: T, minibatch Adam updates of a full training run.
      batch_size: examples per minibatch (each epoch a fresh permutation, remainder dropped).
      learning_rate: the peak (step-0) learning rate of the cosine schedule.
      final_lr_fraction: the schedule ends near ``final_lr_fraction * learning_rate``; this
        final rate is also the constant rate of fine-tuning.
      seeds: seeds of the initial weights and of the batch order (error bars over them).
      sparsities: sparsities of every curve (by default the sparsities of IMP rounds, see
        :func:`imp_sparsities`, so the lottery ticket lands on the same points).
      per_class: examples per class in the scoring batch of SNIP and GraSP.
      rewind_fraction: the lottery ticket rewinds to step k = round(rewind_fraction * steps);
        after-training methods retrain for the same T - k steps.
      prune_fraction: fraction of the remaining weights removed per IMP round.
      ablation_rounds: IMP rounds r whose sparsity 1 - (1 - prune_fraction)^r the ablations
        use; the first is also the sparsity of the prune-early curve.
      early_fractions: the prune-early curve scores at theta_k for k = round(f * steps) for
        each f here (the rewind step is always added); empty for no prune-early curve.
      synflow_rounds: rounds of iterative SynFlow.
      data_seed: seed of the MNIST-1D generator.
      architecture: ``"mlp"`` (:class:`hardtrain.models.MLP` with ``widths``) or ``"cnn"``
        (:class:`hardtrain.models.CNN1D` with ``channels``), one of :data:`ARCHITECTURES`.
      channels: output channels of the CNN's conv layers (kernel ``kernel_size``, stride 2,
        ReLU), then a linear layer to 10 classes; ``architecture="cnn"``.
      kernel_size: width of the CNN's conv kernels.
    Raises:
      ValueError: an unknown architecture, a CNN without conv layers, a batch larger than the
        training set, or an early fraction outside [0, 1).
    """

    widths: tuple = (100, 100)
    n_train: int | None = None
    steps: int = 4000
    batch_size: int = 100
    learning_rate: float = 1e-2
    final_lr_fraction: float = 0.01
    seeds: tuple = (0, 1, 2)
    sparsities: tuple = imp_sparsities((3, 7, 10, 14, 18))
    per_class: int = 10
    rewind_fraction: float = 0.05
    prune_fraction: float = 0.2
    ablation_rounds: tuple = (14,)
    early_fractions: tuple = (0.0, 0.0025, 0.01, 0.025, 0.05, 0.1)
    synflow_rounds: int = SYNFLOW_ROUNDS
    data_seed: int = 0
    architecture: str = "mlp"
    channels: tuple = (32, 32, 32)
    kernel_size: int = 5

    def __post_init__(self):
        _check_architecture(self.architecture)
        if self.architecture == "cnn" and not tuple(self.channels):
            raise ValueError("a CNN study needs at least one conv layer: channels=() given")
        n = 4000 if self.n_train is None else int(self.n_train)
        if int(self.batch_size) != self.batch_size or not 1 <= self.batch_size <= n:
            raise ValueError(f"batch_size must be an integer in [1, n_train] = [1, {n}], got {self.batch_size!r}")
        if any(not 0.0 <= f < 1.0 for f in self.early_fractions):
            raise ValueError(f"early_fractions must lie in [0, 1), got {self.early_fractions!r}")

    @classmethod
    def full(cls, architecture: str = "mlp") -> "StudyConfig":
        """The precomputed, full-scale study (minutes per network; see benchmarks/RESULTS.md).

        Both networks: all 4,000 training examples, seeds 0-2, curves at the sparsities of IMP
        rounds 3, 7, 10, 14, 18 (48.8% to 98.2%), ablations and the prune-early curve at round 14
        (95.6%). The MLP is 40-100-100-10 (the MNIST-1D reference MLP), trained 4,000 minibatch
        steps (100 epochs); the CNN has three conv layers of 32 channels (kernel 5, stride 2), a
        little wider than the reference's 25 so that it comes near the reference accuracy here,
        trained 2,000 steps (50 epochs: it fits its training set well before, and each of its
        steps costs about 10 times the MLP's).

        Raises:
          ValueError: an unknown architecture.
        """
        _check_architecture(architecture)
        if architecture == "cnn":
            return cls(architecture="cnn", steps=2000)
        return cls()

    @classmethod
    def live(cls, architecture: str = "mlp") -> "StudyConfig":
        """What a learner runs live in the dashboard: under a minute on a 2-core CPU.

        Smaller than :meth:`full`: 2 seeds, 4 sparsities (IMP rounds 3, 7, 10, 14), 1,000
        training steps (25 epochs), no prune-early curve; the CNN has 16 channels and 500
        steps. Its networks are therefore less trained than the precomputed ones, which the
        dashboard says on screen.

        Raises:
          ValueError: an unknown architecture.
        """
        _check_architecture(architecture)
        common = dict(seeds=(0, 1), sparsities=imp_sparsities((3, 7, 10, 14)), ablation_rounds=(14,),
                      early_fractions=())
        if architecture == "cnn":
            return cls(architecture="cnn", channels=(16, 16, 16), steps=500, **common)
        return cls(steps=1000, **common)

    @classmethod
    def tiny(cls, architecture: str = "mlp") -> "StudyConfig":
        """The test runner's fast mode (HARDTRAIN_FAST=1): seconds.

        Raises:
          ValueError: an unknown architecture.
        """
        _check_architecture(architecture)
        extra = {"architecture": "cnn", "channels": (8, 8)} if architecture == "cnn" else {}
        return cls(widths=(32, 32), n_train=300, steps=60, batch_size=50, seeds=(0, 1),
                   sparsities=imp_sparsities((2, 3), 0.5), prune_fraction=0.5, rewind_fraction=0.1,
                   ablation_rounds=(3,), early_fractions=(0.0, 0.25), synflow_rounds=20, **extra)

    def model_spec(self, n_features: int = 40, n_classes: int = 10) -> tuple[type, tuple, dict]:
        """``(cls, args, kwargs)`` of the network, for :func:`hardtrain.models.build`.

        Args:
          n_features: input size (40 for MNIST-1D). n_classes: number of logits.
        Returns:
          ``(models.MLP, (d, widths, K), {"activation": "relu"})`` or
          ``(models.CNN1D, (d, channels, K), {"kernel_size": k, "stride": 2, "activation": "relu"})``.
        """
        if self.architecture == "cnn":
            return (models.CNN1D, (int(n_features), tuple(int(c) for c in self.channels), int(n_classes)),
                    {"kernel_size": int(self.kernel_size), "stride": 2, "activation": "relu"})
        return (models.MLP, (int(n_features), tuple(int(w) for w in self.widths), int(n_classes)),
                {"activation": "relu"})

    def describe(self, n_features: int = 40, n_classes: int = 10) -> str:
        """The network in words, e.g. ``"MLP 40-100-100-10"`` or ``"CNN 40 -> conv 32, 32, 32
        channels (kernel 5, stride 2, ReLU) -> linear 160-10"``."""
        if self.architecture == "cnn":
            cls, args, kw = self.model_spec(n_features, n_classes)
            length = models.weight_uses(cls, *args, **kw)[f"convs/{len(self.channels) - 1}/kernel"]
            convs = ", ".join(str(int(c)) for c in self.channels)
            return (f"CNN {n_features} -> conv {convs} channels (kernel {self.kernel_size}, stride 2, ReLU) "
                    f"-> linear {length * int(self.channels[-1])}-{n_classes}")
        return f"MLP {'-'.join(str(int(x)) for x in (n_features, *self.widths, n_classes))}"

    def recipe(self) -> str:
        """The training recipe in words, for the dashboards and the provenance."""
        n = self.n_train or 4000
        epochs = self.steps * self.batch_size / n
        return (f"{n} training examples, {self.steps} minibatch Adam steps ({epochs:g} epochs of batch "
                f"{self.batch_size}), learning rate {self.learning_rate:g} with cosine decay to "
                f"{self.learning_rate * self.final_lr_fraction:g}")

    def lottery_sparsity(self, r: int) -> float:
        """Sparsity after r IMP rounds."""
        return 1.0 - (1.0 - self.prune_fraction) ** r

    @property
    def lottery_rounds(self) -> int:
        """IMP rounds needed to reach the largest curve sparsity."""
        top = max(self.sparsities)
        return max(int(math.ceil(math.log(1.0 - top) / math.log(1.0 - self.prune_fraction) - 1e-9)),
                   max(self.ablation_rounds or (0,)))

    @property
    def rewind_step(self) -> int:
        """k, the step lottery tickets rewind to: ``round(rewind_fraction * steps)``."""
        return int(round(self.rewind_fraction * self.steps))

    @property
    def early_steps(self) -> tuple:
        """The steps k of the prune-early curve (sorted; the rewind step included), or ()."""
        if not self.early_fractions:
            return ()
        return tuple(sorted({int(round(f * self.steps)) for f in self.early_fractions} | {self.rewind_step}))

    @property
    def early_sparsity(self) -> float:
        """The sparsity of the prune-early curve: that of the first ablation round."""
        return self.lottery_sparsity(self.ablation_rounds[0])


def _check_architecture(architecture) -> None:
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; expected one of "
                         f"{', '.join(map(repr, ARCHITECTURES))} (a fully connected net or a 1-D CNN)")


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not np.isfinite(x) else round(float(x), 5)
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


@functools.lru_cache(maxsize=8)
def _batch_loss(apply_fn):
    """Mean softmax cross-entropy of a minibatch, ``(params, xb, yb) -> scalar`` (one per model)."""

    def loss(params, xb, yb):
        return optax.softmax_cross_entropy_with_integer_labels(apply_fn(params, xb), yb).mean()

    return loss


@functools.lru_cache(maxsize=1)
def _study_optimizer() -> optax.GradientTransformation:
    """Adam with an injected learning rate, chained with :func:`keep_pruned_at_zero`.

    One object for every study: the learning rate of each step is set by
    :func:`hardtrain.train.train_minibatch`, so all studies share the compiled loops.
    """
    return masked_optimizer(training.make_optimizer("adam", 1e-2))


def _same(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-6


class Study:
    """A pruning study on MNIST-1D: accuracy vs sparsity, pruning early, and the ablations.

    Reproduces the protocol of Frankle, Dziugaite, Roy & Carbin, "Pruning Neural Networks at
    Initialization: Why are We Missing the Mark?" (ICLR 2021, arXiv 2009.08576) at laptop scale,
    on the MLP or the 1-D CNN of ``config.architecture``, every network trained with the recipe of
    :class:`StudyConfig` (minibatch Adam, cosine schedule over T steps):

    - **at initialisation** (random, magnitude, SNIP, GraSP, |GraSP|, SynFlow): score theta_0,
      mask, train T steps from theta_0;
    - **after training**, the baselines, all retraining for the same T - k steps:
      one-shot global magnitude pruning of the trained weights theta_T, then *fine-tuning* (the
      final, smallest learning rate of the schedule, held constant), *learning-rate rewinding*
      (the schedule's last T - k steps, from theta_T) or *weight rewinding* (the survivors reset
      to theta_k, the schedule's last T - k steps) (Renda, Frankle & Carbin, "Comparing
      Rewinding and Fine-tuning in Neural Network Pruning", ICLR 2020, arXiv 2003.02389); and
      iterative magnitude pruning (IMP, 20% of the remaining weights per round, globally) with
      learning-rate rewinding, or with weight rewinding: the lottery ticket (Frankle et al.,
      ICML 2020, arXiv 1912.05671). ``results["before_retraining"]`` keeps the test accuracy
      of the one-shot masks applied to theta_T before any retraining;
    - **pruning early**: scores taken at theta_k (the dense run's weights after k steps) for a
      few k, trained from theta_k for T - k steps (Frankle et al. 2021, section 6);
    - **ablations**: layerwise shuffle, reinitialisation, inversion.

    Global ranking is used for every magnitude baseline, as in Frankle et al. (2021) and Renda et
    al. (2020): one threshold lets the layers keep different densities, as trained weights ask.
    A fresh Adam state starts every retraining (the optimiser state is not rewound). Every run is
    one compiled, seed-vmapped loop of :func:`hardtrain.train.train_minibatch`; the generators
    yield ``(fraction_done, message)`` after each chunk (one method at one sparsity, all seeds),
    so a dashboard can show progress and stop between chunks.

    Args:
      config: a :class:`StudyConfig`.
    Attributes:
      uses: ``{prunable path: multiply-adds per example of one weight}``, for
        :func:`flops_speedup`.
      chance: the expected accuracy of guessing a class uniformly at random, 1 / n_classes.
      results: JSON-friendly dict filled by the generators: ``"dense"`` and ``"dense_train"``
        (test / training accuracy per seed), ``"curves"`` ({name: {"sparsity": [...],
        "accuracy": [[per seed] ...]}}), ``"early"`` ({"sparsity", "steps", "accuracy":
        {method: [[per seed] per step]}}), ``"ablations"`` ({str(sparsity): {method: {variant:
        [per seed]}}}).
    Raises:
      ValueError: a batch larger than the training set.
    """

    def __init__(self, config: StudyConfig):
        self.config = c = config
        ds = data.load("mnist1d", seed=c.data_seed, max_train=c.n_train)
        if c.batch_size > ds.x_train.shape[0]:
            raise ValueError(f"batch_size {c.batch_size} exceeds the {ds.x_train.shape[0]} training examples")
        self.dataset = ds
        self._spec = c.model_spec(ds.n_features, ds.n_classes)
        cls, args, kwargs = self._spec
        self.apply_fn, _ = models.build(cls, *args, seed=0, **kwargs)
        self.uses = models.weight_uses(cls, *args, **kwargs)
        self.batch_loss = _batch_loss(self.apply_fn)
        self.optimizer = _study_optimizer()
        self.learning_rates = training.cosine_learning_rates(c.learning_rate, c.steps, c.final_lr_fraction)
        n = int(ds.x_train.shape[0])
        self.batches = jnp.stack([training.batch_indices(n, c.batch_size, c.steps, jax.random.key(50_000 + int(s)))
                                  for s in c.seeds])
        self.params0 = self._init(c.seeds)
        self._acc = _batched_accuracy(self.apply_fn)
        self._test = (ds.x_test, ds.y_test)
        self.chance = 1.0 / ds.n_classes
        self.results: dict = {"dense": None, "dense_train": None, "curves": {}, "ablations": {}, "early": {}}
        self._lottery: dict[int, Any] = {}  # round -> (masks, trained params, accuracies)
        self._imp_lr: dict[int, Any] = {}  # the same for iterative pruning with LR rewinding
        self._dense = None
        self._theta: dict[int, Any] = {}

    # ------------------------------------------------------------------ helpers
    def _init(self, seeds):
        cls, args, kwargs = self._spec
        trees = [models.build(cls, *args, seed=int(s), **kwargs)[1] for s in seeds]
        return jax.tree.map(lambda *a: jnp.stack(a), *trees)

    def _seed_slice(self, tree, i):
        return jax.tree.map(lambda a: None if a is None else np.asarray(a)[i], tree,
                            is_leaf=_is_none) if tree is not None else None

    def _stack(self, trees):
        return _stack_host(trees)

    def accuracy(self, params_batch, split: str = "test") -> list[float]:
        """Accuracy of every seed's parameters (leading seed axis) on the test or training set."""
        x, y = self._test if split == "test" else (self.dataset.x_train, self.dataset.y_train)
        return [float(a) for a in np.asarray(self._acc(params_batch, x, y))]

    def scoring_batch(self, seed: int):
        """The class-balanced batch of SNIP/GraSP for one seed."""
        ds = self.dataset
        return class_balanced_batch(ds.x_train, ds.y_train, self.config.per_class,
                                    jax.random.key(10_000 + int(seed)))

    def at_init_masks(self, method: str, sparsity: float, params_batch=None, *, invert=False):
        """Masks (leading seed axis) of a scoring method on each seed's weights (default theta_0)."""
        c = self.config
        params_batch = self.params0 if params_batch is None else params_batch
        out = []
        for i, seed in enumerate(c.seeds):
            p = self._seed_slice(params_batch, i)
            out.append(prune(method, p, self.apply_fn, self.scoring_batch(seed), sparsity,
                             key=jax.random.key(20_000 + int(seed)), invert=invert,
                             rounds=c.synflow_rounds if method == "synflow" else None))
        return self._stack(out)

    def run(self, params_batch, mask_batch, start: int = 0, stop: int | None = None, *,
            constant_lr: float | None = None, opt_state=None) -> training.TrainResult:
        """Train every seed (with its mask) over steps [start, stop) of the schedule and batch order.

        Args:
          params_batch: weights with a leading seed axis (pruned weights are zeroed here).
          mask_batch: masks with a leading seed axis, or None (dense).
          start, stop: the steps of the recipe to run (default: all T).
          constant_lr: hold this learning rate instead of the schedule (fine-tuning).
          opt_state: continue from this optimiser state (the dense run's segments).
        Returns:
          A :class:`hardtrain.train.TrainResult` (leading seed axis).
        """
        c = self.config
        stop = c.steps if stop is None else int(stop)
        p = params_batch if mask_batch is None else apply_masks(params_batch, mask_batch)
        lrs = (self.learning_rates[start:stop] if constant_lr is None
               else np.full(stop - start, constant_lr, np.float32))
        return training.train_minibatch(self.batch_loss, p, self.optimizer, self.dataset.x_train,
                                        self.dataset.y_train, self.batches[:, start:stop],
                                        learning_rates=lrs, opt_state=opt_state, batched=True)

    def train(self, params_batch, mask_batch, start: int = 0, **kw):
        """:meth:`run`, then the test accuracies: ``(accuracies, result)``."""
        res = self.run(params_batch, mask_batch, start, **kw)
        return self.accuracy(res.params), res

    def _add_point(self, name, sparsity, accs):
        cur = self.results["curves"].setdefault(name, {"sparsity": [], "accuracy": []})
        cur["sparsity"].append(float(sparsity))
        cur["accuracy"].append([float(a) for a in accs])

    def _curve_point(self, name, sparsity):
        cur = self.results["curves"].get(name)
        if cur:
            for s, a in zip(cur["sparsity"], cur["accuracy"]):
                if _same(s, sparsity):
                    return a
        return None

    def dense(self):
        """Train the dense network once, keeping theta_k at every early and rewind step; cached.

        Returns:
          ``(theta_k, theta_T)`` for the rewind step k (leading seed axis); ``theta(k)`` gives
          the others.
        """
        if self._dense is None:
            c = self.config
            marks = sorted({k for k in (*c.early_steps, c.rewind_step) if 0 < k < c.steps})
            p, state, start = self.params0, None, 0
            self._theta[0] = p
            for stop in (*marks, c.steps):
                res = self.run(p, None, start, stop, opt_state=state)
                p, state, start = res.params, res.opt_state, stop
                self._theta[stop] = p
            self._dense = (self._theta[c.rewind_step], p)
            self.results["dense"] = self.accuracy(p)
            self.results["dense_train"] = self.accuracy(p, "train")
        return self._dense

    def theta(self, k: int):
        """The dense run's weights after k steps (k = 0, an early step, the rewind step, or T)."""
        self.dense()
        if k not in self._theta:
            raise ValueError(f"theta_k is kept for k in {sorted(self._theta)}, not {k!r}")
        return self._theta[k]

    def _magnitude_masks(self, weights, current, sparsity):
        return _map_seeds(functools.partial(_imp_mask, sparsity=sparsity), True, weights, current)

    # ------------------------------------------------------------------ generators
    def curve_steps(self, methods: Sequence[str] = CURVES) -> Iterator[tuple[float, str]]:
        """Fill ``results["curves"]`` for ``methods``; yields ``(fraction, message)`` per chunk.

        Raises:
          ValueError: an unknown curve name.
        """
        for m in methods:
            _check_choice("curve", m, CURVES)
        c = self.config
        at_init = [m for m in methods if m in METHODS]
        after = [m for m in ONE_SHOT_AFTER if m in methods]
        iterative = [m for m in ("imp_lr_rewind", "lottery") if m in methods]
        chunks = (1 + len(at_init) * len(c.sparsities) + len(after) * len(c.sparsities)
                  + len(iterative) * self._lottery_target())
        done = 0
        for m in methods:
            self.results["curves"].pop(m, None)
        self.dense()
        done += 1
        yield done / chunks, (f"dense network trained ({np.mean(self.results['dense']):.1%} test, "
                              f"{np.mean(self.results['dense_train']):.1%} training accuracy)")
        for s in c.sparsities:
            for m in at_init:
                accs, _ = self.train(self.params0, self.at_init_masks(m, s))
                self._add_point(m, s, accs)
                done += 1
                yield done / chunks, f"{m} at sparsity {s:.1%}: {np.mean(accs):.1%}"
        if after:
            theta_k, trained = self.dense()
            k = c.rewind_step
            before = self.results.setdefault("before_retraining", {"sparsity": [], "accuracy": []})
            before["sparsity"].clear()
            before["accuracy"].clear()
            how = {"after_finetune": "fine-tuned", "after_lr_rewind": "learning rate rewound",
                   "after_weight_rewind": "weights rewound"}
            for s in c.sparsities:
                mk = self._magnitude_masks(trained, None, s)
                before["sparsity"].append(float(s))
                before["accuracy"].append(self.accuracy(apply_masks(trained, mk)))
                for m in after:
                    if m == "after_weight_rewind":
                        accs, _ = self.train(theta_k, mk, k)
                    else:
                        lr = float(self.learning_rates[-1]) if m == "after_finetune" else None
                        accs, _ = self.train(trained, mk, k, constant_lr=lr)
                    self._add_point(m, s, accs)
                    done += 1
                    yield done / chunks, f"magnitude after training, {how[m]}, sparsity {s:.1%}: {np.mean(accs):.1%}"
        for m in iterative:
            for r, s, accs in self._lottery_steps(self._lottery_target(), rewind="weights" if m == "lottery" else "lr"):
                self._add_point(m, s, accs)
                done += 1
                name = "lottery ticket" if m == "lottery" else "iterative pruning, learning rate rewound,"
                yield done / chunks, f"{name} round {r} (sparsity {s:.1%}): {np.mean(accs):.1%}"

    def _lottery_target(self):
        c = self.config
        top = max(c.sparsities)
        return int(math.ceil(math.log(1.0 - top) / math.log(1.0 - c.prune_fraction) - 1e-9))

    def _lottery_steps(self, rounds: int, rewind: str = "weights"):
        """IMP rounds 1..rounds (cached rounds reused); yields (round, sparsity, accuracies).

        ``rewind="weights"``: the survivors restart from theta_k (the lottery ticket);
        ``"lr"``: they continue from the last round's trained weights, with the schedule's last
        T - k steps (iterative pruning with learning-rate rewinding, Renda et al. 2020).
        """
        c = self.config
        theta_k, trained = self.dense()
        cache = self._lottery if rewind == "weights" else self._imp_lr
        current = None
        for r in range(1, rounds + 1):
            s = c.lottery_sparsity(r)
            if r in cache:
                current, trained, accs = cache[r]
            else:
                current = self._magnitude_masks(trained, current, s)
                accs, res = self.train(theta_k if rewind == "weights" else trained, current, c.rewind_step)
                trained = res.params
                cache[r] = (current, trained, accs)
            yield r, s, accs

    def prune_early_steps(self, methods: Sequence[str] = EARLY_METHODS) -> Iterator[tuple[float, str]]:
        """The prune-early curve: scores at theta_k, trained from theta_k; fills ``results["early"]``.

        At the sparsity :attr:`StudyConfig.early_sparsity`, for every k of
        :attr:`StudyConfig.early_steps`: each method scores the dense run's weights after k
        steps (SNIP and GraSP with the same scoring batch as at init), and the pruned network is
        trained from theta_k for the remaining T - k steps of the schedule. k = 0 is pruning at
        initialisation (the curve's point is reused when it exists).

        Raises:
          ValueError: an unknown method.
        """
        for m in methods:
            _check_choice("early method", m, METHODS)
        c = self.config
        ks = c.early_steps
        s = c.early_sparsity
        out = {"sparsity": s, "steps": list(ks), "accuracy": {m: [] for m in methods}}
        self.results["early"] = out
        if not ks:
            return
        self.dense()
        chunks, done = len(ks) * len(methods), 0
        for k in ks:
            for m in methods:
                accs = self._curve_point(m, s) if k == 0 else None
                if accs is None:
                    theta = self.theta(k)
                    accs, _ = self.train(theta, self.at_init_masks(m, s, theta), k)
                out["accuracy"][m].append([float(a) for a in accs])
                done += 1
                yield done / chunks, f"{m} scored after {k} steps, sparsity {s:.1%}: {np.mean(accs):.1%}"

    def ablation_steps(self, rounds: int, methods: Sequence[str] = ABLATION_METHODS
                       ) -> Iterator[tuple[float, str]]:
        """Ablations at the sparsity of IMP round ``rounds``; fills ``results["ablations"]``.

        At-init methods: original, layerwise-shuffled mask, reinitialised weights (a fresh seed,
        same mask), inverted scores. Lottery ticket: original, shuffled (rewound weights under a
        shuffled mask), reinit (fresh weights under the ticket's mask, trained T steps).

        Raises:
          ValueError: unknown method or rounds < 1.
        """
        for m in methods:
            _check_choice("ablation method", m, ABLATION_METHODS)
        if int(rounds) != rounds or rounds < 1:
            raise ValueError(f"rounds must be a positive integer, got {rounds!r}")
        c = self.config
        s = c.lottery_sparsity(rounds)
        out = self.results["ablations"].setdefault(f"{s:.4f}", {})
        fresh = self._init(tuple(1000 + int(x) for x in c.seeds))
        shuffle_keys = [jax.random.key(30_000 + int(x)) for x in c.seeds]
        at_init = [m for m in methods if m in METHODS]
        chunks = len(at_init) * 4 + (("lottery" in methods) * (rounds + 2))
        done = 0
        for m in at_init:
            mk = self.at_init_masks(m, s)
            shuffled = self._stack([shuffle_within_layers(self._seed_slice(mk, i), k)
                                    for i, k in enumerate(shuffle_keys)])
            runs = {"original": (self.params0, mk), "shuffled": (self.params0, shuffled),
                    "reinit": (fresh, mk), "inverted": (self.params0, self.at_init_masks(m, s, invert=True))}
            out[m] = {}
            for v, (p, mm) in runs.items():
                accs = self._curve_point(m, s) if v == "original" else None
                if accs is None:
                    accs, _ = self.train(p, mm)
                out[m][v] = [float(a) for a in accs]
                done += 1
                yield done / chunks, f"{m}, {v}, sparsity {s:.1%}: {np.mean(accs):.1%}"
        if "lottery" in methods:
            for r, _, _ in self._lottery_steps(rounds):
                done += 1
                yield done / chunks, f"lottery ticket round {r} of {rounds}"
            current, _, accs = self._lottery[rounds]
            theta_k, _ = self.dense()
            out["lottery"] = {"original": accs}
            shuffled = self._stack([shuffle_within_layers(self._seed_slice(current, i), k)
                                    for i, k in enumerate(shuffle_keys)])
            out["lottery"]["shuffled"], _ = self.train(theta_k, shuffled, c.rewind_step)
            done += 1
            yield done / chunks, f"lottery ticket, shuffled: {np.mean(out['lottery']['shuffled']):.1%}"
            out["lottery"]["reinit"], _ = self.train(fresh, current)
            done += 1
            yield done / chunks, f"lottery ticket, reinit: {np.mean(out['lottery']['reinit']):.1%}"

    def layer_fractions(self, sparsity: float, methods: Sequence[str] = METHODS, seed_index: int = 0
                        ) -> dict[str, dict]:
        """Remaining fraction per layer and collapsed layers of each at-init method (no training).

        Returns:
          ``{method: {"remaining": {layer: fraction}, "collapsed": [layers], "speedup": x}}``
          for the seed ``config.seeds[seed_index]``; ``speedup`` is the theoretical FLOP speedup
          of the mask (:func:`flops_speedup` with :attr:`uses`).
        """
        c = self.config
        p = self._seed_slice(self.params0, seed_index)
        seed = c.seeds[seed_index]
        out = {}
        for m in methods:
            mk = prune(m, p, self.apply_fn, self.scoring_batch(seed), sparsity,
                       key=jax.random.key(20_000 + int(seed)),
                       rounds=c.synflow_rounds if m == "synflow" else None)
            out[m] = self._layer_item(p, mk)
        return out

    def _layer_item(self, p, mk):
        return {"remaining": remaining_per_layer(mk), "collapsed": collapsed_layers(mk),
                "speedup": flops_speedup(p, mk, self.uses)}

    def after_training_layer_fractions(self, sparsity: float, seed_index: int = 0) -> dict[str, dict]:
        """Per-layer fractions of the masks found after training (trains the dense net if needed).

        ``"magnitude_after"``: one-shot global magnitude pruning of theta_T (the mask of both
        fine-tuning and learning-rate rewinding); ``"lottery"``: the IMP mask, only at a
        sparsity that an IMP round already computed by this study reached.

        Returns:
          ``{name: {"remaining", "collapsed", "speedup"}}`` as :meth:`layer_fractions`.
        """
        _, trained = self.dense()
        p = self._seed_slice(trained, seed_index)
        out = {"magnitude_after": self._layer_item(p, _imp_mask(p, None, sparsity))}
        for r, (current, _, _) in self._lottery.items():
            if _same(self.config.lottery_sparsity(r), sparsity):
                out["lottery"] = self._layer_item(p, self._seed_slice(current, seed_index))
        return out

    def run_all(self) -> Iterator[tuple[float, str]]:
        """Curves, the prune-early curve, then the ablations at every ``config.ablation_rounds``."""
        c = self.config
        parts = 1 + bool(c.early_steps) + len(c.ablation_rounds)
        for f, msg in self.curve_steps():
            yield f / parts, msg
        j = 1
        if c.early_steps:
            for f, msg in self.prune_early_steps():
                yield (j + f) / parts, msg
            j += 1
        for r in c.ablation_rounds:
            for f, msg in self.ablation_steps(r):
                yield (j + f) / parts, msg
            j += 1

@functools.lru_cache(maxsize=8)
def _batched_accuracy(apply_fn):
    def acc(params, x, y):
        return jnp.mean(jnp.argmax(apply_fn(params, x), -1) == y)

    return jax.jit(jax.vmap(acc, in_axes=(0, None, None)))


#: Extreme sparsities at which :func:`precompute` also records every method's per-layer fractions
#: (besides the curves' sparsities): where single-shot methods collapse layers.
LAYER_SPARSITIES = (0.99, 0.995, 0.999)


def provenance(command: str, config: StudyConfig, seconds: float) -> dict:
    """Where a precomputed result comes from: command, config, versions, machine, time."""
    import os

    import flax

    versions = {"python": platform.python_version(), "jax": jax.__version__,
                "jaxlib": getattr(jax.lib, "__version__", None) or jax.__version__,
                "flax": flax.__version__, "optax": optax.__version__, "numpy": np.__version__}
    try:
        import mnist1d

        versions["mnist1d"] = getattr(mnist1d, "__version__", "installed")
    except ImportError:  # pragma: no cover
        pass
    return {"command": command, "architecture": config.architecture, "model": config.describe(),
            "recipe": config.recipe(),
            "config": _jsonable(dataclasses.asdict(config)), "versions": versions,
            "machine": {"platform": platform.platform(), "processor": platform.machine(),
                        "cpu_count": os.cpu_count(),
                        "devices": [str(d) for d in jax.devices()]},
            "seconds": round(seconds, 1),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "dataset": "MNIST-1D generated locally (mnist1d.data.make_dataset, get_dataset_args())"}


def precompute(out: str | Path, config: StudyConfig | None = None, *, command: str = "",
               progress: Callable[[float, str], None] | None = None) -> Path:
    """Run the whole study and write it as JSON (curves, prune-early, ablations, layers, provenance).

    ``"layers"`` maps each sparsity (4 decimals: the curves' and :data:`LAYER_SPARSITIES`) to the
    per-layer fractions of every at-init method, of magnitude pruning after training
    (``"magnitude_after"``) and, at IMP sparsities, of the lottery ticket (``"lottery"``), seed 0.

    The file is ``<out>/pruning_study.json`` for the MLP and ``<out>/pruning_study_cnn.json``
    for the CNN (:data:`ASSET_FILES`, chosen by ``config.architecture``); the provenance records
    the architecture and the network (``"architecture"``, ``"model"``).

    Args:
      out: output folder (created).
      config: default :meth:`StudyConfig.full` (the MLP).
      command: the command line to record in the provenance.
      progress: called with ``(fraction, message)`` after each chunk.
    Returns:
      The path of the JSON file.
    """
    config = config or StudyConfig.full()
    t0 = time.perf_counter()
    study = Study(config)
    for frac, msg in study.run_all():
        if progress is not None:
            progress(frac, msg)
    layers = {}
    for s in (*config.sparsities, *LAYER_SPARSITIES):
        layers[f"{s:.4f}"] = {**study.layer_fractions(s), **study.after_training_layer_fractions(s)}
    payload = {"provenance": provenance(command, config, time.perf_counter() - t0),
               "dense": study.results["dense"], "dense_train": study.results["dense_train"],
               "before_retraining": study.results.get("before_retraining"),
               "chance": study.chance, "curves": study.results["curves"],
               "early": study.results["early"],
               "ablations": study.results["ablations"], "layers": layers,
               # names from one seed's tree: with the seed axis every bias would look prunable
               "layer_names": prunable_paths(study._seed_slice(study.params0, 0)), "weight_uses": study.uses}
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ASSET_FILES[config.architecture]
    path.write_text(json.dumps(_jsonable(payload), indent=1) + "\n", encoding="utf-8")
    return path


def load_precomputed(path: str | Path | None = None, architecture: str = "mlp") -> dict:
    """Read a study written by :func:`precompute` (default: the repository's assets/lab4/).

    Args:
      path: a JSON file, or a folder holding :data:`ASSET_FILES`; default assets/lab4/.
      architecture: which study to read from a folder: ``"mlp"`` (pruning_study.json) or
        ``"cnn"`` (pruning_study_cnn.json). A file path is read as it is.
    Returns:
      The JSON document as a dict (``"provenance"``, ``"dense"``, ``"curves"``, ``"ablations"``,
      ``"layers"``, ...). Files written before the CNN existed have no ``"architecture"`` in
      their provenance: they are MLP studies.
    Raises:
      ValueError: an unknown architecture.
      FileNotFoundError: no such file (run ``python -m hardtrain.pruning precompute``).
    """
    _check_architecture(architecture)
    if path is None:
        path = Path(__file__).resolve().parents[2] / "assets" / "lab4"
    path = Path(path)
    if path.is_dir():
        path = path / ASSET_FILES[architecture]
    if not path.is_file():
        flag = " --architecture cnn" if architecture == "cnn" else ""
        raise FileNotFoundError(f"{path} not found; run `python -m hardtrain.pruning precompute{flag} "
                                f"--out assets/lab4/`")
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hardtrain.pruning precompute --out assets/lab4/ [--scale full|live|tiny]
    [--architecture mlp|cnn]``."""
    parser = argparse.ArgumentParser(prog="python -m hardtrain.pruning",
                                     description="Precompute lab 4's pruning study with provenance.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    pre = sub.add_parser("precompute", help="run the study and write pruning_study.json (or pruning_study_cnn.json)")
    pre.add_argument("--out", default="assets/lab4/", help="output folder (default assets/lab4/)")
    pre.add_argument("--scale", choices=("full", "live", "tiny"), default="full",
                     help="study size: full (the lab's curves), live, or tiny (tests)")
    pre.add_argument("--architecture", choices=ARCHITECTURES, default="mlp",
                     help="network: mlp (writes pruning_study.json) or cnn (pruning_study_cnn.json)")
    args = parser.parse_args(argv)
    from . import runtime

    runtime.setup()
    config = {"full": StudyConfig.full, "live": StudyConfig.live,
              "tiny": StudyConfig.tiny}[args.scale](args.architecture)
    command = "python -m hardtrain.pruning " + " ".join(argv if argv is not None else sys.argv[1:])

    def report(frac, msg):
        print(f"[{frac:6.1%}] {msg}", flush=True)

    path = precompute(args.out, config, command=command, progress=report)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
