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
import numpy as np
import optax
from flax import nnx

__all__ = ["LogisticRegression", "MLP", "CNN1D", "conv1d_as_matmul", "ACTIVATIONS", "pure", "build", "weight_uses",
           "LOSSES", "loss_function", "accuracy", "count_params"]

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

    def weight_uses(self) -> dict[str, int]:
        """Multiply-adds per example of each kernel entry: 1 for every dense layer.

        Returns:
          ``{"layers/0/kernel": 1, ...}``, keyed like :func:`hardtrain.pruning.prunable_paths`.
        """
        return {f"layers/{i}/kernel": 1 for i in range(len(self.layers))}


def _shift_tensor(length: int, k: int, stride: int, lo: int, out: int) -> np.ndarray:
    """S of shape (k, length, out): S[t, p, j] = 1 where output j reads input p = j*stride + t - lo."""
    s = np.zeros((k, length, out), np.float32)
    for j in range(out):
        for t in range(k):
            p = j * stride + t - lo
            if 0 <= p < length:
                s[t, p, j] = 1.0
    return s


def conv1d_as_matmul(lhs, rhs, window_strides, padding, *, lhs_dilation=None, rhs_dilation=None,
                     dimension_numbers=None, feature_group_count=1, precision=None, **kwargs):
    """A strided 1-D convolution computed as one dense matrix product (a banded Toeplitz matrix).

    Drop-in for ``jax.lax.conv_general_dilated`` in ``nnx.Conv(conv_general_dilated=...)``, for
    Flax's layout: lhs (n, L, C_in), rhs (k, C_in, C_out), output (n, L_out, C_out). The kernel
    is spread into the matrix T of shape (L * C_in, L_out * C_out) with
    T[(p, c), (j, d)] = rhs[p - j*s + lo, c, d] (zero outside the kernel and in the padding),
    and the flattened input is multiplied by it: the same numbers as the XLA convolution
    (cross-correlation, no kernel flip, 'SAME' / 'VALID' / explicit padding). It does more
    multiply-adds than the convolution, but in one matmul: under ``vmap`` over a batch of
    kernels (one per seed, as :mod:`hardtrain.train` trains seeds) it is a batched matmul,
    where XLA's CPU backend would run a grouped convolution, which is slower for the lab's CNN
    (``benchmarks/pruning_cnn.py --conv-step`` measures both). Anything else (dilation,
    groups, other layouts or ranks) falls back to ``lax.conv_general_dilated``.

    Args:
      lhs: array of shape (n, L, C_in), the input signals.
      rhs: array of shape (k, C_in, C_out), the kernel.
      window_strides: ``(s,)``, the stride.
      padding: ``"SAME"``, ``"VALID"`` or ``[(lo, hi)]``.
      lhs_dilation: as ``jax.lax.conv_general_dilated`` (not 1: falls back to it).
      rhs_dilation: as ``jax.lax.conv_general_dilated`` (not 1: falls back to it).
      dimension_numbers: as ``jax.lax.conv_general_dilated`` (other than NWC/WIO/NWC: falls
        back to it).
      feature_group_count: as ``jax.lax.conv_general_dilated`` (not 1: falls back to it).
      precision: passed to the matmul.
      **kwargs: as ``jax.lax.conv_general_dilated`` (``preferred_element_type`` is honoured).

    Returns:
      Array of shape (n, L_out, C_out), L_out = (L + lo + hi - k) // s + 1.

    Examples:
      Kernel (1, 2, 3), stride 2, 'SAME' padding (here 0 before, 1 after) on 0, 1, ..., 7: the
      first output is 0*1 + 1*2 + 2*3 = 8, and XLA's convolution agrees:

      >>> import jax, jax.numpy as jnp
      >>> lhs, rhs = jnp.arange(8.0).reshape(1, 8, 1), jnp.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
      >>> out = conv1d_as_matmul(lhs, rhs, (2,), "SAME")
      >>> out.shape, [round(float(v), 3) for v in out[0, :, 0]]
      ((1, 4, 1), [8.0, 20.0, 32.0, 20.0])
      >>> ref = jax.lax.conv_general_dilated(lhs, rhs, (2,), "SAME", dimension_numbers=("NWC", "WIO", "NWC"))
      >>> bool(jnp.allclose(out, ref))
      True
    """
    dilated = any(int(d) != 1 for d in (lhs_dilation or ())) or any(int(d) != 1 for d in (rhs_dilation or ()))
    default_dn = jax.lax.conv_dimension_numbers(lhs.shape, rhs.shape, ("NWC", "WIO", "NWC")) \
        if lhs.ndim == 3 and rhs.ndim == 3 else None
    if (lhs.ndim != 3 or rhs.ndim != 3 or dilated or feature_group_count != 1
            or (dimension_numbers is not None and dimension_numbers != default_dn)):
        return jax.lax.conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                            rhs_dilation=rhs_dilation, dimension_numbers=dimension_numbers,
                                            feature_group_count=feature_group_count, precision=precision,
                                            **kwargs)
    k, s, length = rhs.shape[0], int(window_strides[0]), lhs.shape[1]
    pads = jax.lax.padtype_to_pads((length,), (k,), (s,), padding) if isinstance(padding, str) else padding
    (lo, hi), = pads
    out = (length + int(lo) + int(hi) - k) // s + 1
    shift = jnp.asarray(_shift_tensor(length, k, s, int(lo), out), rhs.dtype)
    t = jnp.einsum("tpj,tcd->pcjd", shift, rhs).reshape(length * rhs.shape[1], out * rhs.shape[2])
    y = jnp.matmul(lhs.reshape(lhs.shape[0], -1), t, precision=precision,
                   preferred_element_type=kwargs.get("preferred_element_type"))
    return y.reshape(lhs.shape[0], out, rhs.shape[2])


class CNN1D(nnx.Module):
    """Small 1-D convolutional network for MNIST-1D: strided convolutions, then a linear layer.

    The input row of ``n_features`` values is read as a 1-channel signal of that length. Conv
    layer l computes ``act(conv(h, kernel_l, stride) + bias_l)`` with 'SAME' padding, so the
    length goes ``L -> ceil(L / stride)`` (40 -> 20 -> 10 -> 5 with the defaults); the last
    feature map is flattened (position-major, channels last) and a linear layer gives the
    logits. Kernels have the Flax layout: conv kernels (kernel_size, in_channels, out_channels),
    the head (length * channels[-1], n_outputs). Weights use LeCun-normal initialisation (fan-in
    kernel_size * in_channels for a conv), biases zeros. The convolutions are ``nnx.Conv`` layers
    computed by :func:`conv1d_as_matmul` (one matmul with a banded matrix: fast under ``vmap``
    over seeds on a CPU). No pooling: with strides only, the
    network is piecewise linear, and with ``activation="linear"`` exactly linear, so SynFlow's
    closed form 1^T prod|W_l| 1 holds with each conv written as a (Toeplitz) matrix.

    After the small CNN of Greydanus & Kobak, "Scaling down deep learning with MNIST-1D",
    ICML 2024, arXiv 2011.14439 (three strided conv layers of 25 channels, then a linear layer;
    they report 94% test accuracy with the full 4000 training examples), here with kernel size 5
    in every conv layer.

    Args:
      n_features: input length d (40 for MNIST-1D).
      channels: output channels of each conv layer, e.g. ``(25, 25, 25)``; at least one layer.
      n_outputs: number of logits.
      kernel_size: width of every conv kernel, >= 1.
      stride: stride of every conv layer, >= 1.
      activation: a key of :data:`ACTIVATIONS`.
      rngs: ``nnx.Rngs`` for the initial weights.
    Call:
      x of shape (n, d) (or (n, d, 1)) -> logits of shape (n, n_outputs).
    Attributes:
      lengths: tuple, the output length of each conv layer (the number of positions at which
        each kernel entry is used per example).
    Raises:
      ValueError: an unknown activation, no conv layer, or a size below 1.
    """

    def __init__(self, n_features: int, channels: Sequence[int] = (25, 25, 25), n_outputs: int = 10, *,
                 kernel_size: int = 5, stride: int = 2, activation: str = "relu", rngs: nnx.Rngs):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}")
        channels = [int(c) for c in channels]
        if not channels:
            raise ValueError("CNN1D needs at least one conv layer: channels=() given")
        sizes = [int(n_features), *channels, int(n_outputs), int(kernel_size), int(stride)]
        if min(sizes) < 1:
            raise ValueError(f"every size must be >= 1, got n_features={n_features}, channels={tuple(channels)}, "
                             f"n_outputs={n_outputs}, kernel_size={kernel_size}, stride={stride}")
        self.activation = activation
        self.n_features = int(n_features)
        ins = [1, *channels[:-1]]
        self.convs = nnx.List([nnx.Conv(a, b, kernel_size=(int(kernel_size),), strides=(int(stride),),
                                        padding="SAME", conv_general_dilated=conv1d_as_matmul, rngs=rngs)
                               for a, b in zip(ins, channels)])
        lengths, n = [], int(n_features)
        for _ in channels:
            n = -(-n // int(stride))  # 'SAME' padding: ceil(n / stride)
            lengths.append(n)
        self.lengths = tuple(lengths)
        self.head = nnx.Linear(lengths[-1] * channels[-1], int(n_outputs), rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        h = x[..., None] if x.ndim == 2 else x  # (n, d) -> (n, d, 1): length d, one channel
        for conv in self.convs:
            h = act(conv(h))
        return self.head(h.reshape(h.shape[0], -1))

    def weight_uses(self) -> dict[str, int]:
        """Multiply-adds per example of each kernel entry (ShrinkBench's count for a conv).

        A conv kernel entry is used once per output position (``lengths[l]``; the few products
        with the zero padding are counted too, as ShrinkBench does), the head's once.

        Returns:
          ``{"convs/0/kernel": 20, "convs/1/kernel": 10, "convs/2/kernel": 5, "head/kernel": 1}``
          for the defaults, keyed like :func:`hardtrain.pruning.prunable_paths`.
        """
        uses = {f"convs/{i}/kernel": n for i, n in enumerate(self.lengths)}
        uses["head/kernel"] = 1
        return uses


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

    Examples:
      A 2-3-1 MLP: kernels of shape (in, out), one logit per row:

      >>> import jax, jax.numpy as jnp
      >>> from flax import nnx
      >>> apply_fn, params = pure(MLP(2, (3,), 1, rngs=nnx.Rngs(0)))
      >>> jax.tree.map(jnp.shape, params)
      {'layers': {0: {'bias': (3,), 'kernel': (2, 3)}, 1: {'bias': (1,), 'kernel': (3, 1)}}}
      >>> apply_fn(params, jnp.ones((4, 2))).shape
      (4, 1)
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
      *args: hashable positional constructor arguments (tuples, not lists).
      seed: integer seed of the initial weights.
      **kwargs: hashable keyword constructor arguments.

    Returns:
      ``(apply_fn, params)`` as :func:`pure`.

    Raises:
      ValueError: as the model's constructor.
      TypeError: unhashable arguments.

    Examples:
      Two seeds share one ``apply_fn``; the weights equal those of the eager construction:

      >>> import jax, jax.numpy as jnp
      >>> from flax import nnx
      >>> f3, p3 = build(MLP, 2, (3,), 1, seed=3)
      >>> f4, _ = build(MLP, 2, (3,), 1, seed=4)
      >>> f3 is f4, count_params(p3)  # 2*3 + 3 + 3*1 + 1
      (True, 13)
      >>> eager = pure(MLP(2, (3,), 1, rngs=nnx.Rngs(3)))[1]
      >>> all(bool(jnp.array_equal(a, b)) for a, b in zip(jax.tree.leaves(p3), jax.tree.leaves(eager)))
      True
    """
    apply_fn, init = _builder(cls, tuple(args), tuple(sorted(kwargs.items())))
    return apply_fn, init(jax.random.key(int(seed)))


def weight_uses(cls: type, *args, **kwargs) -> dict[str, int]:
    """Multiply-adds per example of each prunable kernel entry, without creating any weight.

    ``weight_uses(CNN1D, 40, (25, 25, 25), 10)`` evaluates the constructor abstractly
    (``nnx.eval_shape``) and returns the model's ``weight_uses()``: what
    :func:`hardtrain.pruning.flops_speedup` takes as ``uses`` (ShrinkBench's FLOP count,
    Blalock et al., MLSys 2020, arXiv 2003.03033: a dense weight is used once per example, a
    conv kernel entry once per output position).

    Args:
      cls: a model class with a ``weight_uses()`` method (:class:`MLP`, :class:`CNN1D`).
      *args: its positional constructor arguments.
      **kwargs: its keyword constructor arguments (without ``rngs``).

    Returns:
      ``{path: uses}`` keyed like :func:`hardtrain.pruning.prunable_paths`, in multiply-adds
      per example per kernel entry.

    Raises:
      ValueError: as the model's constructor.
      AttributeError: a class without ``weight_uses``.

    References:
      Blalock, Gonzalez Ortiz, Frankle, Guttag, "What is the State of Neural Network
      Pruning?", MLSys 2020, arXiv 2003.03033.

    Examples:
      With stride 2 and 'SAME' padding the lengths go 40 -> 20 -> 10 -> 5:

      >>> weight_uses(CNN1D, 40, (25, 25, 25), 10)
      {'convs/0/kernel': 20, 'convs/1/kernel': 10, 'convs/2/kernel': 5, 'head/kernel': 1}
      >>> weight_uses(MLP, 2, (3,), 1)
      {'layers/0/kernel': 1, 'layers/1/kernel': 1}
    """
    model = nnx.eval_shape(lambda: cls(*args, **kwargs, rngs=nnx.Rngs(0)))
    return dict(model.weight_uses())


#: Losses accepted by :func:`loss_function`.
LOSSES = ("cross_entropy", "sigmoid_squared")


def loss_function(apply_fn: Callable, x: jax.Array, y: jax.Array, *, l2: float = 0.0,
                  kind: str = "cross_entropy") -> Callable[[dict], jax.Array]:
    """Mean loss of a classifier on fixed data, as a function of the parameters.

    ``kind="cross_entropy"``: the binary logistic loss when the model has one output (labels in
    {0, 1}), softmax cross-entropy otherwise (labels in 0..K-1). Both are convex functions of the
    logits, so a linear model's loss is convex in its weights. ``kind="sigmoid_squared"`` (one
    output only): the mean squared error of the sigmoid of the logit, ``(sigmoid(z) - y)^2``,
    which is *not* a convex function of z: a single sigmoid neuron trained on it can have
    exponentially many local minima (Auer, Herbster & Warmuth, "Exponentially many local minima
    for single neurons", NeurIPS 1995). Plus ``l2/2 * ||params||^2`` when ``l2 > 0``.

    Args:
      apply_fn: ``(params, x) -> logits`` of shape (n, K) or (n, 1).
      x: array of shape (n, d).
      y: int array of shape (n,), labels in {0, 1} (one output) or 0..K-1.
      l2: weight-decay coefficient, >= 0.
      kind: one of :data:`LOSSES`.

    Returns:
      ``loss_fn(params) -> scalar``. Build it once and reuse it (compiled code is cached on it).

    Raises:
      ValueError: x and y disagree in length, l2 < 0, an unknown kind, or ``"sigmoid_squared"``
        for a model with more than one output (raised when the loss is first evaluated).

    References:
      Auer, Herbster, Warmuth, "Exponentially many local minima for single neurons",
      NeurIPS 1995.

    Examples:
      At logit 0 the sigmoid is 1/2, so the squared error for label 1 is 1/4:

      >>> import jax.numpy as jnp
      >>> f = lambda p, x: x * p["w"]  # one logit per row
      >>> x, y = jnp.array([[0.0]]), jnp.array([1])
      >>> round(float(loss_function(f, x, y, kind="sigmoid_squared")({"w": jnp.array(0.0)})), 4)
      0.25
    """
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]} labels")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; expected one of {', '.join(LOSSES)}")

    def loss_fn(params):
        logits = apply_fn(params, x)
        if kind == "sigmoid_squared":
            if logits.shape[-1] != 1:
                raise ValueError(f"the sigmoid's squared error needs one output, got {logits.shape[-1]}")
            loss = jnp.mean((jax.nn.sigmoid(logits[:, 0]) - y.astype(logits.dtype)) ** 2)
        elif logits.shape[-1] == 1:
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
      apply_fn: ``(params, x) -> logits`` of shape (n, K) or (n, 1).
      params: the parameters passed to ``apply_fn``.
      x: array of shape (n, d).
      y: int array of shape (n,), labels in {0, 1} (one logit) or 0..K-1.

    Returns:
      A float in [0, 1].

    Examples:
      The logit x predicts 1, 0, 1, 0; three of the four labels agree:

      >>> import jax.numpy as jnp
      >>> f = lambda p, x: x @ p["w"]
      >>> x, y = jnp.array([[1.0], [-2.0], [3.0], [-0.5]]), jnp.array([1, 0, 0, 0])
      >>> accuracy(f, {"w": jnp.array([[1.0]])}, x, y)
      0.75
    """
    return float(_accuracy(apply_fn, params, x, y))


def count_params(params) -> int:
    """Total number of scalars in a pytree of arrays.

    Args:
      params: a pytree of arrays.

    Returns:
      The sum of the leaves' sizes.

    Examples:
      >>> import jax.numpy as jnp
      >>> count_params({"a": jnp.zeros((2, 3)), "b": [jnp.zeros(4)]})  # 6 + 4
      10
    """
    return int(sum(jnp.size(p) for p in jax.tree.leaves(params)))
