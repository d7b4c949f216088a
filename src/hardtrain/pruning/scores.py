"""Importance scores of the weights, at initialisation or later: higher means kept.

Six ways to score every prunable weight of a network (:data:`METHODS`): magnitude, random, SNIP
(Lee, Ajanthan & Torr, ICLR 2019, arXiv 1810.02340), GraSP (Wang, Zhang & Grosse, ICLR 2020,
arXiv 2002.07376), |GraSP| (Frankle, Dziugaite, Roy & Carbin, ICLR 2021, arXiv 2009.08576) and
one round of SynFlow (Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020, arXiv 2006.05467). Each
scorer is one compiled program per method and model; :mod:`.masking` turns scores into masks.

Examples:
    >>> import jax
    >>> from hardtrain import models
    >>> apply_fn, params = models.build(models.MLP, 4, (3,), 2, seed=0)
    >>> s = score("synflow", params, apply_fn, input_shape=(4,))
    >>> s["layers"][0]["kernel"].shape, s["layers"][0]["bias"] is None
    ((4, 3), True)
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .trees import _check_choice, _require_prunable, _split, _to_tree

__all__ = ["METHODS", "GRASP_TEMPERATURE", "SYNFLOW_ROUNDS", "score", "class_balanced_batch"]

#: Scoring methods accepted by :func:`score` and :func:`~hardtrain.pruning.prune`.
METHODS = ("magnitude", "random", "snip", "grasp", "grasp_abs", "synflow")
#: Default temperature of GraSP's logits (the reference implementations divide by 200).
GRASP_TEMPERATURE = 200.0
#: Default number of SynFlow rounds (Tanaka et al. 2020).
SYNFLOW_ROUNDS = 100


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

    Examples:
      The magnitude score is |w| on the kernels and ``None`` on the biases:

      >>> import jax.numpy as jnp
      >>> from hardtrain import models
      >>> apply_fn, params = models.build(models.MLP, 4, (8,), 3, seed=0)
      >>> s = score("magnitude", params, apply_fn)
      >>> s["layers"][0]["bias"], bool(jnp.all(s["layers"][0]["kernel"] == jnp.abs(params["layers"][0]["kernel"])))
      (None, True)
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
      x: array of shape (n, ...).
      y: int array of shape (n,), classes 0..K-1.
      per_class: examples per class, >= 1 and at most the size of the smallest class.
      key: a ``jax.random.key``.

    Returns:
      ``(xb, yb)`` with K * per_class rows, grouped by class.

    Raises:
      ValueError: per_class < 1 or larger than a class.

    References:
      Frankle, Dziugaite, Roy, Carbin, "Pruning Neural Networks at Initialization: Why are We
      Missing the Mark?", ICLR 2021, arXiv 2009.08576.

    Examples:
      Two examples of each of the two classes, although class 1 has four:

      >>> import jax, jax.numpy as jnp
      >>> x, y = jnp.arange(12.0).reshape(6, 2), jnp.array([0, 1, 0, 1, 1, 1])
      >>> xb, yb = class_balanced_batch(x, y, 2, jax.random.key(0))
      >>> xb.shape, yb.tolist()
      ((4, 2), [0, 0, 1, 1])
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
