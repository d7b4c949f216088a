"""Tests of hardtrain.models: NNX models, the pure (apply, params) form, and the losses.

Ground truth: a NumPy float64 re-implementation of the forward pass and of the cross-entropy
written from the textbook formulas, and central finite differences of that float64 loss.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from hardtrain import models

# ---------------------------------------------------------------------------- NumPy reference

NP_ACT = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    # jax.nn.gelu's default is the tanh approximation (Hendrycks & Gimpel 2016, eq. 2)
    "gelu": lambda z: 0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z ** 3))),
    "linear": lambda z: z,
}


def np_mlp(params, x, activation):
    """Forward pass of an MLP from its pure params, in float64: act(x W + b) per hidden layer."""
    layers = params["layers"]
    h = np.asarray(x, np.float64)
    for l in range(len(layers)):
        w = np.asarray(layers[l]["kernel"], np.float64)
        b = np.asarray(layers[l]["bias"], np.float64)
        h = h @ w + b
        if l < len(layers) - 1:
            h = NP_ACT[activation](h)
    return h


def np_cross_entropy(logits, y):
    """Mean cross-entropy from the definitions (float64, numerically stable forms)."""
    logits = np.asarray(logits, np.float64)
    y = np.asarray(y)
    if logits.shape[1] == 1:
        z = logits[:, 0]
        # -log sigmoid(z) = log(1 + e^-z); -log(1 - sigmoid(z)) = log(1 + e^z)
        return np.mean(np.where(y == 1, np.logaddexp(0.0, -z), np.logaddexp(0.0, z)))
    m = logits.max(1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(1))
    return np.mean(lse - logits[np.arange(len(y)), y])


def sum_squares(params):
    return sum(float(np.sum(np.asarray(p, np.float64) ** 2)) for p in jax.tree.leaves(params))


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 3)).astype(np.float32)
    return {"x": jnp.asarray(x), "y2": jnp.asarray(rng.integers(0, 2, 12), jnp.int32),
            "y3": jnp.asarray(rng.integers(0, 3, 12), jnp.int32)}


# ------------------------------------------------------------------------------------ shapes


@pytest.mark.parametrize("widths, n_out", [((4, 5), 2), ((4,), 1), ((), 3)])  # shapes reused below
def test_mlp_output_shape_and_param_layout(widths, n_out):
    apply_fn, params = models.pure(models.MLP(3, widths, n_out, rngs=nnx.Rngs(0)))
    # shapes by abstract evaluation: no compilation needed (the values are tested below)
    assert jax.eval_shape(apply_fn, params, jnp.ones((6, 3))).shape == (6, n_out)
    sizes = [3, *widths, n_out]
    assert len(params["layers"]) == len(sizes) - 1
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        assert params["layers"][l]["kernel"].shape == (a, b)  # Flax layout (in, out)
        assert params["layers"][l]["bias"].shape == (b,)
        np.testing.assert_array_equal(params["layers"][l]["bias"], 0.0)  # biases start at zero
    assert models.count_params(params) == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


@pytest.mark.parametrize("n_out", [1, 3])
def test_logistic_regression_shape(n_out):
    apply_fn, params = models.pure(models.LogisticRegression(5, n_out, rngs=nnx.Rngs(1)))
    assert jax.eval_shape(apply_fn, params, jnp.ones((4, 5))).shape == (4, n_out)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    want = x @ np.asarray(params["linear"]["kernel"]) + np.asarray(params["linear"]["bias"])
    np.testing.assert_allclose(jax.jit(apply_fn)(params, x), want, rtol=1e-5, atol=1e-6)
    assert params["linear"]["kernel"].shape == (5, n_out)
    assert params["linear"]["bias"].shape == (n_out,)
    assert models.count_params(params) == 5 * n_out + n_out


def test_build_equals_pure_of_the_model_and_reuses_apply_fn(toy):
    apply_fn, params = models.build(models.MLP, 3, (4,), 2, activation="tanh", seed=3)
    model = models.MLP(3, (4,), 2, activation="tanh", rngs=nnx.Rngs(3))
    _, want = models.pure(model)
    _assert_plain(params)
    assert jax.tree.structure(params) == jax.tree.structure(want)
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(jax.jit(apply_fn)(params, toy["x"]), np_mlp(want, toy["x"], "tanh"),
                               rtol=1e-5, atol=1e-5)
    again_fn, other = models.build(models.MLP, 3, (4,), 2, activation="tanh", seed=4)
    assert again_fn is apply_fn  # one apply_fn per architecture: compiled code is reused
    assert not np.allclose(other["layers"][0]["kernel"], params["layers"][0]["kernel"])
    with pytest.raises(ValueError, match="unknown activation"):
        models.build(models.MLP, 3, (4,), 2, activation="swish")
    with pytest.raises(TypeError):
        models.build(models.MLP, 3, [4], 2)  # a list is unhashable: the docstring asks for tuples


def _assert_plain(tree):
    """Nested plain dicts of arrays: no NNX Variables, no State objects."""
    if isinstance(tree, dict):
        assert type(tree) is dict
        for v in tree.values():
            _assert_plain(v)
    else:
        assert isinstance(tree, jax.Array), type(tree)


def test_pure_apply_equals_calling_the_model(toy):
    model = models.MLP(3, (4, 5), 2, rngs=nnx.Rngs(2))
    apply_fn, params = models.pure(model)
    _assert_plain(params)
    x = toy["x"]
    np.testing.assert_array_equal(apply_fn(params, x), model(x))
    # apply_fn really reads its argument (it does not close over the model's weights)
    shifted = jax.tree.map(lambda p: p + 0.1, params)
    assert not np.allclose(apply_fn(shifted, x), model(x))


@pytest.mark.parametrize("activation", sorted(models.ACTIVATIONS))
def test_pure_apply_matches_a_numpy_forward_pass(activation, toy):
    apply_fn, params = models.pure(models.MLP(3, (4, 5), 2, activation=activation, rngs=nnx.Rngs(2)))
    x = toy["x"]
    f = jax.jit(apply_fn)
    np.testing.assert_allclose(f(params, x), np_mlp(params, x, activation), rtol=1e-5, atol=1e-5)
    shifted = jax.tree.map(lambda p: p + 0.1, params)
    np.testing.assert_allclose(f(shifted, x), np_mlp(shifted, x, activation), rtol=1e-5, atol=1e-5)
    # vmap-friendly: a batch of parameter settings in one call
    batched = jax.tree.map(lambda p: jnp.stack([p, p + 0.1]), params)
    out = jax.jit(jax.vmap(apply_fn, in_axes=(0, None)))(batched, x)
    np.testing.assert_allclose(out[1], np_mlp(shifted, x, activation), rtol=1e-5, atol=1e-5)


def test_pure_rejects_models_with_non_parameter_state():
    class WithBatchNorm(nnx.Module):
        def __init__(self, rngs):
            self.linear = nnx.Linear(3, 2, rngs=rngs)
            self.norm = nnx.BatchNorm(2, rngs=rngs)

        def __call__(self, x):
            return self.norm(self.linear(x))

    with pytest.raises(ValueError, match="only nnx.Param"):
        models.pure(WithBatchNorm(nnx.Rngs(0)))


# ------------------------------------------------------------------------------------ losses


@pytest.mark.parametrize("n_out, ykey", [(1, "y2"), (3, "y3")])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_loss_function_is_the_textbook_cross_entropy_plus_l2(toy, n_out, ykey, l2):
    apply_fn, params = models.pure(models.MLP(3, (4,), n_out, rngs=nnx.Rngs(3)))
    params = jax.tree.map(lambda p: p + 0.2, params)  # non-zero biases
    x, y = toy["x"], toy[ykey]
    loss = jax.jit(models.loss_function(apply_fn, x, y, l2=l2))(params)
    want = np_cross_entropy(np_mlp(params, x, "tanh"), y) + 0.5 * l2 * sum_squares(params)
    assert loss.shape == ()
    np.testing.assert_allclose(float(loss), want, rtol=2e-6)


def test_binary_loss_at_zero_logit_is_log_2(toy):
    # closed form: a model that outputs 0 has loss log 2 whatever the labels
    apply_fn, params = models.pure(models.LogisticRegression(3, 1, rngs=nnx.Rngs(0)))
    zero = jax.tree.map(jnp.zeros_like, params)
    loss = jax.jit(models.loss_function(apply_fn, toy["x"], toy["y2"]))(zero)
    np.testing.assert_allclose(float(loss), np.log(2.0), rtol=1e-6)
    apply3, params3 = models.pure(models.LogisticRegression(3, 3, rngs=nnx.Rngs(0)))
    loss3 = jax.jit(models.loss_function(apply3, toy["x"], toy["y3"]))(jax.tree.map(jnp.zeros_like, params3))
    np.testing.assert_allclose(float(loss3), np.log(3.0), rtol=1e-6)


def _flat(params):
    leaves, treedef = jax.tree.flatten(params)
    shapes = [np.shape(p) for p in leaves]
    vec = np.concatenate([np.asarray(p, np.float64).ravel() for p in leaves])

    def unflat(v):
        out, i = [], 0
        for s in shapes:
            n = int(np.prod(s))
            out.append(v[i:i + n].reshape(s))
            i += n
        return jax.tree.unflatten(treedef, out)

    return vec, unflat


@pytest.mark.parametrize("n_out, ykey, activation", [(1, "y2", "tanh"), (3, "y3", "sigmoid")])
def test_gradient_matches_central_finite_differences(toy, n_out, ykey, activation):
    apply_fn, params = models.pure(models.MLP(3, (4,), n_out, activation=activation,
                                              rngs=nnx.Rngs(4)))
    params = jax.tree.map(lambda p: p + 0.1, params)
    x, y, l2 = toy["x"], toy[ykey], 0.05
    grad = jax.jit(jax.grad(models.loss_function(apply_fn, x, y, l2=l2)))(params)
    vec, unflat = _flat(params)

    def f64(v):  # the loss in float64 NumPy, independent of JAX
        p = unflat(v)
        return np_cross_entropy(np_mlp(p, x, activation), y) + 0.5 * l2 * float(v @ v)

    h = 1e-6
    fd = np.array([(f64(vec + h * e) - f64(vec - h * e)) / (2 * h) for e in np.eye(vec.size)])
    g, _ = _flat(grad)
    np.testing.assert_allclose(g, fd, rtol=1e-3, atol=2e-6)
    assert np.max(np.abs(fd)) > 1e-2  # a meaningful (non-zero) gradient was compared


def test_accuracy_matches_numpy(toy):
    for n_out, ykey in ((1, "y2"), (3, "y3")):
        apply_fn, params = models.pure(models.MLP(3, (4,), n_out, rngs=nnx.Rngs(5)))
        logits = np_mlp(params, toy["x"], "tanh")
        pred = (logits[:, 0] > 0).astype(int) if n_out == 1 else logits.argmax(1)
        want = float(np.mean(pred == np.asarray(toy[ykey])))
        assert models.accuracy(apply_fn, params, toy["x"], toy[ykey]) == pytest.approx(want)


# ------------------------------------------------------------------------------------ errors


def test_bad_arguments_raise_value_errors(toy):
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*tanh"):
        models.MLP(3, (4,), 1, activation="swish", rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="size"):
        models.MLP(3, (0,), 1, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="size"):
        models.MLP(0, (4,), 1, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="sizes must be >= 1"):
        models.LogisticRegression(0, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="sizes must be >= 1"):
        models.LogisticRegression(3, 0, rngs=nnx.Rngs(0))
    apply_fn, _ = models.pure(models.LogisticRegression(3, 1, rngs=nnx.Rngs(0)))
    with pytest.raises(ValueError, match="12 rows but y has 11 labels"):
        models.loss_function(apply_fn, toy["x"], toy["y2"][:11])
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        models.loss_function(apply_fn, toy["x"], toy["y2"], l2=-0.1)


def test_sigmoid_squared_loss_is_the_textbook_formula_and_not_convex():
    """(sigmoid(z) - y)^2 against NumPy, and a midpoint-convexity violation in closed form.

    One weight, one example x = 1 with label 0, no bias: L(w) = sigmoid(w)^2. At w = 2, 4, 6,
    L(4) = 0.9645 exceeds (L(2) + L(6)) / 2 = 0.8861, so L is not convex (Auer, Herbster &
    Warmuth, NeurIPS 1995); the logistic loss log(1 + e^w) passes the same test.
    """
    apply_fn, params = models.pure(models.LogisticRegression(3, 1, rngs=nnx.Rngs(1)))
    x = jnp.asarray(np.random.default_rng(0).standard_normal((7, 3)), jnp.float32)
    y = jnp.asarray([0, 1, 1, 0, 1, 0, 0])
    got = float(models.loss_function(apply_fn, x, y, kind="sigmoid_squared")(params))
    z = np.asarray(x, np.float64) @ np.asarray(params["linear"]["kernel"], np.float64)[:, 0] \
        + float(params["linear"]["bias"][0])
    np.testing.assert_allclose(got, np.mean((1 / (1 + np.exp(-z)) - np.asarray(y)) ** 2), rtol=1e-5)

    def one(w, kind):
        f = lambda p, xx: xx * p["w"]  # noqa: E731
        return float(models.loss_function(f, jnp.ones((1, 1)), jnp.zeros(1, jnp.int32), kind=kind)(
            {"w": jnp.float32(w)}))

    sq = [one(w, "sigmoid_squared") for w in (2.0, 4.0, 6.0)]
    assert sq[1] > (sq[0] + sq[2]) / 2 + 0.05
    np.testing.assert_allclose(sq, [(1 / (1 + np.exp(-w))) ** 2 for w in (2.0, 4.0, 6.0)], rtol=1e-5)
    ce = [one(w, "cross_entropy") for w in (2.0, 4.0, 6.0)]
    assert ce[1] <= (ce[0] + ce[2]) / 2
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        models.loss_function(apply_fn, x, y, kind="hinge")
    apply3, params3 = models.pure(models.LogisticRegression(3, 3, rngs=nnx.Rngs(0)))
    with pytest.raises(ValueError, match="needs one output"):
        models.loss_function(apply3, x, y, kind="sigmoid_squared")(params3)
