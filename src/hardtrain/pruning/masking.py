"""Masks from scores at an exact sparsity, in one shot or iteratively, and pruning schedules.

:func:`masks` keeps the highest scores, ranked globally or layer by layer; :func:`prune` scores
and masks in one compiled ``lax.scan``, re-scoring the surviving weights over the rounds of an
exponential schedule (:func:`density_schedule`) as iterative SynFlow does (Tanaka, Kunin,
Yamins & Ganguli, NeurIPS 2020, arXiv 2006.05467). ``invert=True`` is the inversion ablation of
Frankle, Dziugaite, Roy & Carbin (ICLR 2021, arXiv 2009.08576). :func:`imp_sparsities` gives the
sparsities that iterative magnitude pruning reaches (Frankle & Carbin, ICLR 2019,
arXiv 1803.03635). ``sparsity`` is always the fraction of the prunable weights removed, in
[0, 1): a mask keeps exactly ``n - round(sparsity * n)`` weights.

(The module is ``masking``, not ``masks``, so that ``hardtrain.pruning.masks`` stays the
function.)

Examples:
    >>> import jax.numpy as jnp
    >>> m = masks({"w": jnp.array([[0.3, -1.0, 2.0, 0.1]])}, 0.5)
    >>> m["w"].tolist()
    [[True, False, True, False]]
    >>> density_schedule(0.75, 2).tolist()
    [0.5, 0.25]
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .scores import GRASP_TEMPERATURE, SYNFLOW_ROUNDS, _prepare, _raw_scores
from .trees import _check_choice, _check_sparsity, _require_prunable, _split, _to_tree

__all__ = ["SCOPES", "masks", "prune", "density_schedule", "imp_sparsities"]

#: Ranking scopes accepted by :func:`masks` and :func:`prune`.
SCOPES = ("global", "layerwise")


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

    References:
      Frankle, Dziugaite, Roy, Carbin, "Pruning Neural Networks at Initialization: Why are We
      Missing the Mark?", ICLR 2021, arXiv 2009.08576.

    Examples:
      Half of four weights kept: the two highest scores; inverted at sparsity 1/4, only the
      highest score (2.0) is pruned:

      >>> import jax.numpy as jnp
      >>> s = {"w": jnp.array([[0.3, -1.0, 2.0, 0.1]]), "b": jnp.zeros(4)}
      >>> m = masks(s, 0.5)
      >>> m["w"].tolist(), m["b"]
      ([[True, False, True, False]], None)
      >>> masks(s, 0.25, invert=True)["w"].tolist()
      [[True, True, False, True]]
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
      sparsity: final sparsity in [0, 1).
      rounds: number of rounds n >= 1.

    Returns:
      Array of shape (n,): the density after rounds 1..n (the last one is 1 - sparsity).

    Raises:
      ValueError: sparsity outside [0, 1) or rounds not a positive integer.

    References:
      Tanaka, Kunin, Yamins, Ganguli, "Pruning neural networks without any data by
      iteratively conserving synaptic flow", NeurIPS 2020, arXiv 2006.05467.

    Examples:
      Reaching density 1/8 in three rounds halves the density each round:

      >>> density_schedule(0.875, 3).tolist()
      [0.5, 0.25, 0.125]
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

    References:
      Tanaka, Kunin, Yamins, Ganguli, "Pruning neural networks without any data by
      iteratively conserving synaptic flow", NeurIPS 2020, arXiv 2006.05467.

    Examples:
      Global magnitude pruning of a 4-8-3 MLP at sparsity 1/2 keeps 28 of its 32 + 24 kernel
      weights:

      >>> import numpy as np
      >>> from hardtrain import models
      >>> apply_fn, params = models.build(models.MLP, 4, (8,), 3, seed=0)
      >>> m = prune("magnitude", params, apply_fn, None, 0.5)
      >>> sum(int(np.sum(np.asarray(m["layers"][i]["kernel"]))) for i in (0, 1)), m["layers"][0]["bias"]
      (28, None)
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
