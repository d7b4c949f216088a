"""Flax NNX models, their pure ``apply(params, x)`` form, and the losses the labs train.

The landscape, training and pruning code work on *plain pytrees* of arrays (nested dicts), so
that a direction, a mask or a score has exactly the structure of the parameters. :func:`pure`
turns any NNX model into such a pair ``(apply_fn, params)``.
"""

from __future__ import annotations

from typing import Callable, Sequence

import functools

import jax
import jax.numpy as jnp
import optax
from flax import nnx

__all__ = ["LogisticRegression", "MLP", "ACTIVATIONS", "pure", "build", "loss_function", "accuracy",
           "count_params"]

#: Hidden-unit nonlinearities accepted by :class:`MLP`.
ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "tanh": jnp.tanh, "relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid, "gelu": jax.nn.gelu,
    "linear": lambda z: z,
}


class LogisticRegression(nnx.Module):
    """Logistic regression (a single linear layer): the convex case of lab 1.

    With ``n_outputs=1`` the logit feeds a sigmoid (binary logistic loss); with
    ``n_outputs=K`` a softmax (multinomial logistic loss). Both losses are convex in the
    weights and bias. Thresholding the logit at 0 gives a perceptron (Rosenblatt 1958).

    Args:
      n_features: input size d.
      n_outputs: 1 for binary tasks, else the number of classes K.
      rngs: ``nnx.Rngs`` for the initial weights.
    Call:
      x of shape (n, d) -> logits of shape (n, n_outputs).
    Raises:
      ValueError: a size below 1.
    """

    def __init__(self, n_features: int, n_outputs: int = 1, *, rngs: nnx.Rngs):
        if n_features < 1 or n_outputs < 1:
            raise ValueError(f"sizes must be >= 1, got n_features={n_features}, n_outputs={n_outputs}")
        self.linear = nnx.Linear(n_features, n_outputs, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.linear(x)


class MLP(nnx.Module):
    """Fully connected network: ``len(widths)`` hidden layers, then a linear output layer.

    Hidden layer l computes ``act(x @ kernel_l + bias_l)``; kernels have the Flax layout
    (in, out). Weights use LeCun-normal initialisation (Flax's default), biases zeros.

    Args:
      n_features: input size d.
      widths: hidden widths, e.g. ``(64, 64)``; ``()`` gives logistic regression.
      n_outputs: number of logits (1 for a binary task).
      activation: a key of :data:`ACTIVATIONS`.
      rngs: ``nnx.Rngs`` for the initial weights.
    Call:
      x of shape (n, d) -> logits of shape (n, n_outputs).
    Raises:
      ValueError: an unknown activation or a size below 1.
    """

    def __init__(self, n_features: int, widths: Sequence[int], n_outputs: int = 1, *,
                 activation: str = "tanh", rngs: nnx.Rngs):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}")
        sizes = [int(n_features), *[int(w) for w in widths], int(n_outputs)]
        if min(sizes) < 1:
            raise ValueError(f"every size must be >= 1, got {sizes}")
        self.activation = activation
        self.layers = nnx.List([nnx.Linear(a, b, rngs=rngs) for a, b in zip(sizes[:-1], sizes[1:])])

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        for layer in self.layers[:-1]:
            x = act(layer(x))
        return self.layers[-1](x)


def pure(model: nnx.Module) -> tuple[Callable[[dict, jax.Array], jax.Array], dict]:
    """Split an NNX model into a pure function and a plain pytree of its parameters.

    Args:
      model: any NNX module whose state is made of ``nnx.Param`` variables.
    Returns:
      ``(apply_fn, params)``: ``params`` is a nested dict of arrays (e.g. for an :class:`MLP`,
      ``params["layers"][l]["kernel"]`` of shape (in, out) and ``["bias"]`` of shape (out,));
      ``apply_fn(params, x)`` returns the model's output and is jit-, grad- and vmap-friendly.
      Keep and reuse ``apply_fn``: jitted callers cache their compiled code on its identity.
    Raises:
      ValueError: the model holds state other than parameters (batch statistics, RNG state).
    """
    graphdef, params_state, rest = nnx.split(model, nnx.Param, ...)
    if jax.tree.leaves(rest):
        raise ValueError("pure() supports models whose state is only nnx.Param; "
                         f"found other state: {jax.tree.map(jnp.shape, nnx.to_pure_dict(rest))}")

    def apply_fn(params: dict, x: jax.Array) -> jax.Array:
        return nnx.merge(graphdef, params)(x)

    return apply_fn, nnx.to_pure_dict(params_state)


@functools.lru_cache(maxsize=64)
def _builder(cls, args: tuple, kwargs: tuple):
    def make(key):
        return cls(*args, **dict(kwargs), rngs=nnx.Rngs(key))

    apply_fn, _ = pure(nnx.eval_shape(lambda: make(jax.random.key(0))))
    init = jax.jit(lambda key: nnx.to_pure_dict(nnx.state(make(key), nnx.Param)))
    return apply_fn, init


def build(cls: type, *args, seed: int = 0, **kwargs) -> tuple[Callable, dict]:
    """Create a model's ``(apply_fn, params)`` with one compiled initialiser per architecture.

    ``build(MLP, 2, (16,), 1, activation="tanh", seed=3)`` equals
    ``pure(MLP(2, (16,), 1, activation="tanh", rngs=nnx.Rngs(3)))`` but initialises the weights
    in a single cached, jitted program, and returns the *same* ``apply_fn`` object for the same
    architecture. Dashboards use it: on a CPU every compiled XLA program keeps about 3 MB of
    memory, so re-creating a model op by op for each new seed would grow the kernel.

    Args:
      cls: an NNX module class taking ``rngs=`` (e.g. :class:`MLP`).
      *args, **kwargs: hashable constructor arguments (tuples, not lists).
      seed: integer seed of the initial weights.
    Returns:
      ``(apply_fn, params)`` as :func:`pure`.
    Raises:
      ValueError: as the model's constructor; TypeError: unhashable arguments.
    """
    apply_fn, init = _builder(cls, tuple(args), tuple(sorted(kwargs.items())))
    return apply_fn, init(jax.random.key(int(seed)))


def loss_function(apply_fn: Callable, x: jax.Array, y: jax.Array, *, l2: float = 0.0
                  ) -> Callable[[dict], jax.Array]:
    """Mean cross-entropy loss of a classifier on fixed data, as a function of the parameters.

    Binary logistic loss when the model has one output (labels in {0, 1}), softmax cross-entropy
    otherwise (labels in 0..K-1); plus ``l2/2 * ||params||^2`` when ``l2 > 0``.

    Args:
      apply_fn: ``(params, x) -> logits`` of shape (n, K) or (n, 1).
      x: array of shape (n, d). y: int array of shape (n,).
      l2: weight-decay coefficient, >= 0.
    Returns:
      ``loss_fn(params) -> scalar``. Build it once and reuse it (compiled code is cached on it).
    Raises:
      ValueError: x and y disagree in length, or l2 < 0.
    """
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]} labels")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")

    def loss_fn(params):
        logits = apply_fn(params, x)
        if logits.shape[-1] == 1:
            loss = optax.sigmoid_binary_cross_entropy(logits[:, 0], y.astype(logits.dtype)).mean()
        else:
            loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        if l2:
            loss = loss + 0.5 * l2 * sum(jnp.sum(p ** 2) for p in jax.tree.leaves(params))
        return loss

    return loss_fn


@functools.partial(jax.jit, static_argnums=0)
def _accuracy(apply_fn, params, x, y):
    logits = apply_fn(params, x)
    pred = (logits[:, 0] > 0).astype(y.dtype) if logits.shape[-1] == 1 else jnp.argmax(logits, -1)
    return jnp.mean(pred == y)


def accuracy(apply_fn: Callable, params: dict, x: jax.Array, y: jax.Array) -> float:
    """Fraction of correctly classified rows (threshold 0 for one logit, argmax otherwise).

    Args:
      apply_fn: ``(params, x) -> logits`` of shape (n, K) or (n, 1). x: (n, d). y: int (n,).
    Returns:
      A float in [0, 1].
    """
    return float(_accuracy(apply_fn, params, x, y))


def count_params(params) -> int:
    """Total number of scalars in a pytree of arrays."""
    return int(sum(jnp.size(p) for p in jax.tree.leaves(params)))
