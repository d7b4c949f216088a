"""Label noise: a fixed fraction of training labels made wrong, each to another class.

Label noise makes the double-descent peak of trained networks pronounced (Nakkiran, Kaplun,
Bansal, Yang, Barak, Sutskever, "Deep Double Descent: Where Bigger Models and More Data Hurt",
ICLR 2020, arXiv 1912.02292); lab 3's sweeps corrupt their training labels with
:func:`noisy_labels`.

Examples:
    >>> import jax, jax.numpy as jnp
    >>> y = jnp.array([0, 1, 2, 3] * 5)
    >>> int((noisy_labels(y, 0.25, 4, jax.random.key(0)) != y).sum())  # 25% of 20 labels
    5
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["noisy_labels", "check_fraction"]


def check_fraction(name: str, p) -> None:
    """Raise unless ``p`` is a number in [0, 1].

    Args:
      name: the argument's name, for the message.
      p: the value to check.

    Raises:
      ValueError: ``p`` is not a number in [0, 1].

    Examples:
      >>> check_fraction("fraction", 0.25) is None
      True
      >>> check_fraction("fraction", 1.5)
      Traceback (most recent call last):
      ...
      ValueError: fraction must be a number in [0, 1], got 1.5
    """
    if not (isinstance(p, (int, float, np.floating)) and 0.0 <= float(p) <= 1.0):
        raise ValueError(f"{name} must be a number in [0, 1], got {p!r}")


def noisy_labels(y, fraction: float, n_classes: int, key: jax.Array) -> jax.Array:
    """Corrupt exactly ``round(fraction * n)`` labels, each to a different, uniformly drawn class.

    Nakkiran et al. (arXiv 1912.02292) use label noise to make the double-descent peak of
    SGD-trained networks pronounced; the corrupted labels here are always wrong, so ``fraction``
    is the fraction of wrong labels.

    Args:
      y: int array of shape (n,), classes in 0..n_classes-1.
      fraction: in [0, 1].
      n_classes: K >= 2.
      key: a JAX PRNG key.

    Returns:
      int32 array of shape (n,).

    Raises:
      ValueError: ``fraction`` outside [0, 1] or ``n_classes`` < 2.

    Examples:
      >>> import jax
      >>> y = jax.numpy.zeros(10, int)
      >>> z = noisy_labels(y, 0.3, 3, jax.random.key(1))
      >>> int((z != 0).sum()), int(z.max()) < 3  # three labels moved, to classes 1 or 2
      (3, True)
    """
    check_fraction("fraction", fraction)
    if int(n_classes) != n_classes or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    y = jnp.asarray(y, jnp.int32)
    n = y.shape[0]
    k_pick, k_shift = jax.random.split(key)
    n_bad = int(round(float(fraction) * n))
    which = jax.random.permutation(k_pick, n)[:n_bad]
    shift = jax.random.randint(k_shift, (n_bad,), 1, int(n_classes))  # never 0: always a new class
    return y.at[which].set((y[which] + shift) % int(n_classes))
