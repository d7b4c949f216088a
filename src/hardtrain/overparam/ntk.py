"""A one-hidden-layer network in the NTK parameterisation, and how far its weights move.

In the neural-tangent-kernel parameterisation every weight starts N(0, 1) and the layers are
scaled by 1/sqrt(fan-in) in the forward pass; trained by gradient descent with a learning rate
independent of the width m, the weights then move by a relative amount that shrinks like
m^-1/2 ("lazy training"): Jacot, Gabriel, Hongler, "Neural Tangent Kernel: Convergence and
Generalization in Neural Networks", NeurIPS 2018, arXiv 1806.07572; Lee et al., "Wide Neural
Networks of Any Depth Evolve as Linear Models Under Gradient Descent", NeurIPS 2019,
arXiv 1902.06720; Chizat, Oyallon, Bach, "On Lazy Training in Differentiable Programming",
NeurIPS 2019, arXiv 1812.07956. Lab 3's
:class:`hardtrain.experiments.lazy_training.LazyTrainingSweep` measures it.

Examples:
    >>> import jax
    >>> p = ntk_init(jax.random.key(0), 3, 16, 2)
    >>> ntk_apply(p, jax.numpy.ones((5, 3))).shape
    (5, 2)
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

__all__ = ["ntk_init", "ntk_apply", "relative_change"]


def ntk_init(key: jax.Array, n_inputs: int, width: int, n_outputs: int) -> dict:
    """Parameters of a one-hidden-layer net in the NTK parameterisation: all entries N(0, 1).

    Args:
      key: PRNG key.
      n_inputs: d, the input size.
      width: m, the number of hidden units.
      n_outputs: K, the number of outputs.

    Returns:
      {"W": array (d, m), "a": array (m, K)}, float32, i.i.d. standard normal (the 1/sqrt(fan-in)
      scales live in :func:`ntk_apply`, which is what makes the training lazy as m grows; Jacot et
      al., NeurIPS 2018, arXiv 1806.07572).

    References:
      Jacot, Gabriel, Hongler, "Neural Tangent Kernel: Convergence and Generalization in Neural
      Networks", NeurIPS 2018, arXiv 1806.07572.

    Examples:
      Unscaled standard normal entries: mean about 0, standard deviation about 1:

      >>> import jax
      >>> p = ntk_init(jax.random.key(0), 3, 10000, 1)
      >>> p["W"].shape, p["a"].shape, round(float(p["W"].std()), 1), abs(round(float(p["W"].mean()), 1))
      ((3, 10000), (10000, 1), 1.0, 0.0)
    """
    k1, k2 = jax.random.split(key)
    return {"W": jax.random.normal(k1, (n_inputs, width)), "a": jax.random.normal(k2, (width, n_outputs))}


def ntk_apply(params: dict, x: jax.Array) -> jax.Array:
    """f(x) = relu(x W / sqrt(d)) a / sqrt(m): array (n, d) -> array (n, K).

    Args:
      params: {"W": array (d, m), "a": array (m, K)}, as from :func:`ntk_init`.
      x: array of shape (n, d).

    Returns:
      Array of shape (n, K).

    References:
      Jacot, Gabriel, Hongler, "Neural Tangent Kernel: Convergence and Generalization in Neural
      Networks", NeurIPS 2018, arXiv 1806.07572.

    Examples:
      With all weights 1, d = 2 and m = 4: each unit gives relu(2 / sqrt2) = sqrt2, and the
      output is 4 sqrt2 / sqrt4 = 2 sqrt2 ~ 2.8284; the input (-1, -1) switches every unit off:

      >>> import jax.numpy as jnp
      >>> out = ntk_apply({"W": jnp.ones((2, 4)), "a": jnp.ones((4, 1))}, jnp.array([[1.0, 1.0], [-1.0, -1.0]]))
      >>> out.shape, [round(float(v), 4) for v in out[:, 0]]
      ((2, 1), [2.8284, 0.0])
    """
    d, m = params["W"].shape
    return jax.nn.relu(x @ params["W"] / math.sqrt(d)) @ params["a"] / math.sqrt(m)


def relative_change(before, after) -> jax.Array:
    """||after - before|| / ||before|| over all leaves of two pytrees of the same structure.

    Args:
      before: a pytree of arrays (the reference, e.g. the initial weights).
      after: a pytree of the same structure and shapes.

    Returns:
      A scalar array: the Euclidean norm of the difference of all leaves together, divided by
      that of ``before``.

    Raises:
      ValueError: the structures or shapes differ.

    Examples:
      >>> import jax.numpy as jnp
      >>> before = {"a": jnp.array([3.0, 0.0]), "b": jnp.array([4.0])}  # norm 5
      >>> round(float(relative_change(before, {"a": jnp.array([3.0, 1.0]), "b": jnp.array([4.0])})), 6)
      0.2
    """
    lb, la = jax.tree.leaves(before), jax.tree.leaves(after)
    if jax.tree.structure(before) != jax.tree.structure(after) or any(
            jnp.shape(a) != jnp.shape(b) for a, b in zip(la, lb)):
        raise ValueError("before and after must be pytrees of the same structure and shapes")
    num = sum(jnp.sum((a - b) ** 2) for a, b in zip(la, lb))
    den = sum(jnp.sum(b ** 2) for b in lb)
    return jnp.sqrt(num / den)
