"""Random ReLU features and the minimum-norm least-squares fit: the model of double descent.

A linear readout of N random ReLU features, fitted by the minimum-norm least-squares solution,
has a test error that peaks where N equals the number of training samples n (the interpolation
threshold) and falls again beyond it, while the norm of the solution blows up at N = n (Belkin,
Hsu, Ma, Mandal, "Reconciling modern machine-learning practice and the classical bias-variance
trade-off", PNAS 2019, arXiv 1812.11118). Lab 3's
:class:`hardtrain.experiments.double_descent.RandomFeaturesSweep` sweeps N with these two
functions.

Examples:
    >>> import jax
    >>> x = jax.random.normal(jax.random.key(0), (6, 3))
    >>> phi = random_relu_features(x, 12, jax.random.key(1))  # N = 12 > n = 6: interpolates
    >>> y = jax.numpy.eye(2)[jax.numpy.array([0, 1, 0, 1, 1, 0])]
    >>> bool(jax.numpy.abs(phi @ min_norm_least_squares(phi, y) - y).max() < 1e-3)
    True
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

__all__ = ["random_relu_features", "min_norm_least_squares"]


def random_relu_features(x: jax.Array, n_features: int, key: jax.Array) -> jax.Array:
    """Random ReLU features phi(x) = max(0, x W) / sqrt(N), W with i.i.d. N(0, 1/d) entries.

    Args:
      x: array of shape (n, d).
      n_features: N >= 1.
      key: PRNG key (the same key gives the same W, so train and test features must use the
        same key).

    Returns:
      Array of shape (n, N). The 1/sqrt(N) keeps the scale of phi(x) . phi(x') independent of N.

    Raises:
      ValueError: ``n_features`` < 1.

    Examples:
      >>> import jax
      >>> x = jax.numpy.ones((4, 3))
      >>> phi = random_relu_features(x, 5, jax.random.key(0))
      >>> phi.shape, bool((phi >= 0).all()), bool((phi == random_relu_features(x, 5, jax.random.key(0))).all())
      ((4, 5), True, True)
    """
    if int(n_features) != n_features or n_features < 1:
        raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
    d = x.shape[1]
    w = jax.random.normal(key, (d, int(n_features)), x.dtype) / math.sqrt(d)
    return jax.nn.relu(x @ w) / math.sqrt(int(n_features))


def min_norm_least_squares(features: jax.Array, targets: jax.Array) -> jax.Array:
    """The minimum-norm least-squares solution B = pinv(Phi) Y (via SVD, ``jnp.linalg.lstsq``).

    Below the interpolation threshold (N < n) it is the ordinary least-squares fit; above it
    (N > n), among the infinitely many interpolating solutions, the one of smallest Frobenius
    norm, which is what gradient descent from zero converges to (Belkin et al., arXiv 1812.11118).

    Args:
      features: Phi, array of shape (n, N).
      targets: Y, array of shape (n, K).

    Returns:
      Array of shape (N, K).

    Examples:
      >>> import jax.numpy as jnp
      >>> phi = jnp.array([[1.0, 1.0]])  # one equation, two unknowns: b1 + b2 = 2
      >>> min_norm_least_squares(phi, jnp.array([[2.0]])).ravel().round(4).tolist()
      [1.0, 1.0]
    """
    return jnp.linalg.lstsq(features, targets)[0]
