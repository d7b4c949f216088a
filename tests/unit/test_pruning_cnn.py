"""Tests of the 1-D CNN of lab 4 (hardtrain.models.CNN1D) and of pruning it, against ground truth.

Ground truth, written here independently of Flax and of hardtrain.pruning:
  - the forward pass: each conv layer by ``np.convolve`` on the zero-padded signal (XLA's 'SAME'
    padding: total pad (out - 1) * stride + k - L, the smaller half in front), subsampled by the
    stride, in float64 NumPy;
  - SynFlow on a *linear* CNN: every conv layer written as a dense (Toeplitz) matrix over the
    flattened (position, channel) index, so R = 1^T prod_l |T_l| 1 and the score of a kernel
    entry is |k| times the sum, over the output positions where it is used, of left * right
    (the products of the |T| before and after it);
  - exact mask counts on conv kernels (n - round(s * n), globally and per layer);
  - flops_speedup of a CNN from counts made by hand (a conv entry is used at every output
    position).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from hardtrain import models, pruning
from hardtrain.experiments import pruning_study
from hardtrain.experiments.__main__ import main as experiments_main
from hardtrain.pruning.__main__ import main as pruning_alias_main

ROOT = Path(__file__).resolve().parents[2]


def same_pads(length, k, stride):
    out = -(-length // stride)
    total = max((out - 1) * stride + k - length, 0)
    return out, total // 2, total - total // 2


def np_conv(h, kernel, bias, stride):
    """h (L, Cin), kernel (k, Cin, Cout) -> (ceil(L / stride), Cout) by np.convolve ('SAME')."""
    length, cin = h.shape
    k, _, cout = kernel.shape
    out, lo, hi = same_pads(length, k, stride)
    y = np.zeros((length + lo + hi - k + 1, cout))
    for o in range(cout):
        for c in range(cin):
            padded = np.concatenate([np.zeros(lo), h[:, c], np.zeros(hi)])
            y[:, o] += np.convolve(padded, kernel[::-1, c, o], mode="valid")  # correlation
    return y[::stride][:out] + bias


def np_forward(params, x, stride, act):
    out = []
    for row in np.asarray(x, np.float64):
        h = row[:, None]
        for i in sorted(params["convs"]):
            layer = params["convs"][i]
            h = act(np_conv(h, np.asarray(layer["kernel"], np.float64), np.asarray(layer["bias"], np.float64),
                            stride))
        flat = h.reshape(-1)  # position-major, channels last
        out.append(flat @ np.asarray(params["head"]["kernel"], np.float64) + np.asarray(params["head"]["bias"]))
    return np.stack(out)


def toeplitz(kernel, length, stride):
    """Dense matrix T of a 'SAME' strided conv: flat_out = flat_in @ T (flat index pos * C + c)."""
    k, cin, cout = kernel.shape
    out, lo, _ = same_pads(length, k, stride)
    t = np.zeros((length * cin, out * cout))
    for j in range(out):
        for tap in range(k):
            p = j * stride + tap - lo
            if 0 <= p < length:
                t[p * cin:(p + 1) * cin, j * cout:(j + 1) * cout] += kernel[tap]
    return t, out


def relu(z):
    return np.maximum(z, 0.0)


# ------------------------------------------------------------------------------------ model

def test_pure_apply_equals_the_nnx_module():
    model = models.CNN1D(40, (6, 5, 4), 10, rngs=nnx.Rngs(3))
    apply_fn, params = models.pure(model)
    x = jax.random.normal(jax.random.key(0), (7, 40))
    np.testing.assert_allclose(np.asarray(apply_fn(params, x)), np.asarray(model(x)), rtol=1e-6, atol=1e-6)
    # build() gives the same weights as constructing the module with that seed
    apply_b, params_b = models.build(models.CNN1D, 40, (6, 5, 4), 10, seed=3)
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(params_b)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert params["convs"][1]["kernel"].shape == (5, 6, 5)  # (kernel_size, in, out)
    assert params["head"]["kernel"].shape == (5 * 4, 10)  # 40 -> 20 -> 10 -> 5 positions
    assert apply_b(params_b, x).shape == (7, 10)


@pytest.mark.parametrize("length, k, stride", [(9, 3, 2), (40, 5, 2), (11, 5, 1), (10, 4, 3)])
def test_conv_layer_matches_np_convolve(length, k, stride):
    model = models.CNN1D(length, (3,), 2, kernel_size=k, stride=stride, rngs=nnx.Rngs(1))
    x = np.random.default_rng(0).standard_normal((4, length)).astype(np.float32)
    conv = model.convs[0]
    conv.bias[...] = jnp.asarray([0.1, -0.2, 0.3])
    got = np.asarray(conv(jnp.asarray(x)[..., None]))
    # the Toeplitz matmul equals XLA's own convolution too
    lax = jax.lax.conv_general_dilated(jnp.asarray(x)[..., None], conv.kernel[...], (stride,), "SAME",
                                       dimension_numbers=("NWC", "WIO", "NWC")) + conv.bias[...]
    np.testing.assert_allclose(got, np.asarray(lax), rtol=1e-5, atol=1e-5)
    kernel = np.asarray(conv.kernel[...], np.float64)
    for n in range(4):
        want = np_conv(x[n].astype(np.float64)[:, None], kernel, np.asarray([0.1, -0.2, 0.3]), stride)
        np.testing.assert_allclose(got[n], want, rtol=1e-5, atol=1e-5)
    assert model.lengths == (-(-length // stride),)


def test_whole_cnn_matches_a_numpy_forward_pass():
    apply_fn, params = models.build(models.CNN1D, 40, (4, 3, 2), 10, seed=5)
    rng = np.random.default_rng(5)
    params = jax.tree.map(lambda a: jnp.asarray(rng.standard_normal(a.shape), jnp.float32) * 0.5, params)
    x = rng.standard_normal((3, 40)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(apply_fn(params, jnp.asarray(x))), np_forward(params, x, 2, relu),
                               rtol=1e-4, atol=1e-4)


def test_bad_cnn_arguments_raise():
    with pytest.raises(ValueError, match="at least one conv layer"):
        models.CNN1D(40, (), 10, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="unknown activation"):
        models.CNN1D(40, (4,), 10, activation="swish?", rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="kernel_size=0"):
        models.CNN1D(40, (4,), 10, kernel_size=0, rngs=nnx.Rngs(0))


# ----------------------------------------------------------------------------------- scores

def test_synflow_on_a_linear_cnn_equals_the_toeplitz_closed_form():
    d, stride = 8, 2
    apply_fn, params = models.build(models.CNN1D, d, (3, 2), 3, kernel_size=3, stride=stride,
                                    activation="linear", seed=2)
    s = pruning.score("synflow", params, apply_fn, input_shape=(d,))
    kernels = [np.abs(np.asarray(params["convs"][i]["kernel"], np.float64)) for i in range(2)]
    mats, lengths, length = [], [], d
    for kern in kernels:
        t, length = toeplitz(kern, lengths[-1] if lengths else d, stride)
        mats.append(t)
        lengths.append(length)
    mats.append(np.abs(np.asarray(params["head"]["kernel"], np.float64)))
    r = np.ones(d)
    for m in mats:
        r = r @ m
    r = float(r @ np.ones(3))
    assert r > 0
    ins = [d, *lengths[:-1]]
    for li, kern in enumerate(kernels):
        left = np.ones(d)
        for m in mats[:li]:
            left = left @ m
        right = np.ones(3)
        for m in mats[li + 1:][::-1]:
            right = m @ right
        k, cin, cout = kern.shape
        _, lo, _ = same_pads(ins[li], k, stride)
        grad = np.zeros_like(kern)  # dR/d|kernel|: sum over the output positions using the entry
        for j in range(lengths[li]):
            for tap in range(k):
                p = j * stride + tap - lo
                if 0 <= p < ins[li]:
                    grad[tap] += np.outer(left[p * cin:(p + 1) * cin], right[j * cout:(j + 1) * cout])
        got = s["convs"][li]["kernel"]
        assert got.dtype == jnp.float64
        np.testing.assert_allclose(np.asarray(got), kern * grad, rtol=1e-6)
        # conservation of synaptic flow (Tanaka et al. 2020, Theorem 1) holds for conv layers too
        assert float(np.sum(np.asarray(got))) == pytest.approx(r, rel=1e-6)
        assert s["convs"][li]["bias"] is None
    assert float(np.sum(np.asarray(s["head"]["kernel"]))) == pytest.approx(r, rel=1e-6)


def cnn_batch(n=20, d=16, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype(np.float32), (np.arange(n) % k).astype(np.int32)


@pytest.mark.parametrize("method, scope", [(m, "global") for m in pruning.METHODS]
                         + [("snip", "layerwise"), ("synflow", "layerwise"), ("magnitude", "layerwise")])
def test_masks_hit_the_sparsity_exactly_on_conv_kernels(method, scope):
    apply_fn, params = models.build(models.CNN1D, 16, (4, 6), 4, kernel_size=5, seed=4)
    x, y = cnn_batch()
    m = pruning.prune(method, params, apply_fn, (x, y), 0.7, key=jax.random.key(1), scope=scope,
                      rounds=5 if method == "synflow" else None)
    paths = pruning.prunable_paths(params)
    assert paths == ["convs/0/kernel", "convs/1/kernel", "head/kernel"]
    sizes = [5 * 1 * 4, 5 * 4 * 6, 4 * 6 * 4]
    counts = [int(np.sum(np.asarray(m["convs"][0]["kernel"]))), int(np.sum(np.asarray(m["convs"][1]["kernel"]))),
              int(np.sum(np.asarray(m["head"]["kernel"])))]
    assert m["convs"][1]["kernel"].shape == (5, 4, 6) and m["convs"][1]["bias"] is None
    if scope == "global":
        assert sum(counts) == sum(sizes) - round(0.7 * sum(sizes))
    else:
        assert counts == [n - round(0.7 * n) for n in sizes]
    # shuffling a conv mask keeps its per-layer counts
    sh = pruning.shuffle_within_layers(m, jax.random.key(2))
    assert pruning.remaining_per_layer(sh) == pruning.remaining_per_layer(m)


def test_snip_scores_of_a_conv_kernel_match_finite_differences():
    """SNIP on a conv kernel: |w * dL/dw| against central differences of the NumPy forward pass."""
    apply_fn, params = models.build(models.CNN1D, 8, (2,), 3, kernel_size=3, seed=6)
    x, y = cnn_batch(n=6, d=8, k=3, seed=6)
    s = pruning.score("snip", params, apply_fn, (x, y))
    base = jax.tree.map(lambda a: np.asarray(a, np.float64), params)

    def loss(p):
        z = np_forward(p, x, 2, relu)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.mean(logp[np.arange(len(y)), y])

    w = base["convs"][0]["kernel"]
    fd = np.zeros_like(w)
    eps = 1e-6
    for idx in np.ndindex(w.shape):
        plus = jax.tree.map(np.copy, base)
        minus = jax.tree.map(np.copy, base)
        plus["convs"][0]["kernel"][idx] += eps
        minus["convs"][0]["kernel"][idx] -= eps
        fd[idx] = (loss(plus) - loss(minus)) / (2 * eps)
    np.testing.assert_allclose(np.asarray(s["convs"][0]["kernel"], np.float64), np.abs(fd * w),
                               rtol=2e-3, atol=2e-6)


# ------------------------------------------------------------------------------- accounting

def test_flops_speedup_of_a_cnn_by_hand():
    apply_fn, params = models.build(models.CNN1D, 8, (2,), 3, kernel_size=3, stride=2, seed=0)
    uses = models.weight_uses(models.CNN1D, 8, (2,), 3, kernel_size=3, stride=2)
    assert uses == {"convs/0/kernel": 4, "head/kernel": 1}  # 8 positions, stride 2 -> 4 outputs
    conv = np.zeros((3, 1, 2), bool)
    conv[0, 0, :] = True  # 2 of 6 conv entries kept
    head = np.zeros((8, 3), bool)
    head[:4] = True  # 12 of 24 head weights kept
    m = {"convs": {0: {"kernel": jnp.asarray(conv), "bias": None}},
         "head": {"kernel": jnp.asarray(head), "bias": None}}
    # dense: 6 entries x 4 positions + 24 = 48 multiply-adds; sparse: 2 x 4 + 12 = 20
    assert pruning.flops_speedup(params, m, uses) == pytest.approx(48 / 20)
    assert pruning.flops_speedup(params, m) == pytest.approx(30 / 14)  # without uses: each weight once
    with pytest.raises(ValueError, match="not a prunable path"):
        pruning.flops_speedup(params, m, {"convs/0/bias": 4})
    with pytest.raises(ValueError, match=">= 1"):
        pruning.flops_speedup(params, m, {"convs/0/kernel": 0})
    # the lab's CNN: 40 -> 20 -> 10 -> 5 positions
    assert models.weight_uses(models.CNN1D, 40, (25, 25, 25), 10) == {
        "convs/0/kernel": 20, "convs/1/kernel": 10, "convs/2/kernel": 5, "head/kernel": 1}


# ----------------------------------------------------------------------- study and its files

@pytest.mark.parametrize("bad", ["rnn", "CNN", "", None])
def test_bad_architecture_raises(bad):
    with pytest.raises(ValueError, match="unknown architecture.*'mlp', 'cnn'"):
        pruning_study.StudyConfig(architecture=bad)
    with pytest.raises(ValueError, match="unknown architecture"):
        pruning_study.StudyConfig.live(bad)
    with pytest.raises(ValueError, match="unknown architecture"):
        pruning_study.load_precomputed(architecture=bad)


def test_cli_rejects_a_bad_architecture(capsys):
    with pytest.raises(SystemExit):
        experiments_main(["precompute", "lab4", "--architecture", "rnn", "--out", "unused"])
    assert "invalid choice" in capsys.readouterr().err


def test_configs_build_the_right_network():
    c = pruning_study.StudyConfig.full("cnn")
    cls, args, kwargs = c.model_spec()
    assert cls is models.CNN1D and args == (40, (32, 32, 32), 10) and kwargs["kernel_size"] == 5
    assert pruning_study.StudyConfig.full().model_spec()[0] is models.MLP
    assert pruning_study.StudyConfig.full() == pruning_study.StudyConfig()  # the MLP study is unchanged
    assert "CNN" in c.describe() and "linear 160-10" in c.describe()  # 40 -> 20 -> 10 -> 5 positions x 32
    assert pruning_study.StudyConfig().describe() == "MLP 40-100-100-10"


def test_precompute_command_writes_the_cnn_study(tmp_path, capsys):
    """The old command (an alias of `python -m hardtrain.experiments precompute lab4 ...`) for the CNN,
    at the tests' scale: its own file, provenance, exact counts."""
    argv = ["precompute", "--architecture", "cnn", "--scale", "tiny", "--out", str(tmp_path)]
    assert pruning_alias_main(argv) == 0
    assert "pruning_study_cnn.json" in capsys.readouterr().out
    assert not (tmp_path / pruning_study.ASSET_FILE).exists()  # the MLP file is not touched
    study = pruning_study.load_precomputed(tmp_path, architecture="cnn")
    prov = study["provenance"]
    assert prov["command"] == "python -m hardtrain.experiments precompute lab4 " + " ".join(argv[1:])
    assert prov["architecture"] == "cnn" and prov["config"]["architecture"] == "cnn"
    assert prov["model"].startswith("CNN")
    assert set(study["curves"]) == set(pruning_study.CURVES)
    assert study["layer_names"] == ["convs/0/kernel", "convs/1/kernel", "head/kernel"]
    assert study["weight_uses"] == {"convs/0/kernel": 20, "convs/1/kernel": 10, "head/kernel": 1}
    # channels (8, 8), kernel 5: 5*1*8 + 5*8*8 + 80*10 = 1160 weights; 99.9% keeps round(1.16) = 1
    sizes = {"convs/0/kernel": 40, "convs/1/kernel": 320, "head/kernel": 800}
    for m, item in study["layers"]["0.9900"].items():
        kept = sum(item["remaining"][k] * n for k, n in sizes.items())
        assert kept == pytest.approx(1160 - round(0.99 * 1160), abs=0.05), m
        dense = sum(study["weight_uses"][k] * n for k, n in sizes.items())
        sparse = sum(study["weight_uses"][k] * item["remaining"][k] * n for k, n in sizes.items())
        assert item["speedup"] == pytest.approx(dense / sparse, rel=1e-3), m
    for item in study["layers"]["0.9990"].values():
        assert sum(item["remaining"][k] * n for k, n in sizes.items()) == pytest.approx(1, abs=0.05)
    (key,) = study["ablations"]
    assert set(study["ablations"][key]["synflow"]) == set(pruning_study.VARIANTS)


def test_precomputed_cnn_asset_has_provenance_and_consistent_curves():
    study = pruning_study.load_precomputed(architecture="cnn")
    prov = study["provenance"]
    assert prov["command"] == "python -m hardtrain.pruning precompute --architecture cnn --out assets/lab4/"
    assert prov["architecture"] == "cnn"
    cfg = prov["config"]
    assert cfg["architecture"] == "cnn"
    for name in (*pruning.METHODS, *pruning_study.ONE_SHOT_AFTER):
        cur = study["curves"][name]
        assert cur["sparsity"] == pytest.approx(list(cfg["sparsities"]))
        assert all(len(a) == len(cfg["seeds"]) for a in cur["accuracy"])
        assert all(0.0 <= v <= 1.0 for a in cur["accuracy"] for v in a)
    assert study["layer_names"][0] == "convs/0/kernel"
    assert math.isfinite(prov["seconds"]) and prov["seconds"] <= 45 * 60  # README: about 25 minutes
    assert prov["config"]["channels"] == [32, 32, 32] and prov["config"]["steps"] == 2000
    assert sum(study["dense"]) / len(study["dense"]) >= 0.90  # within 4 points of the published 94%
    assert (ROOT / "assets" / "lab4" / pruning_study.ASSET_FILES["cnn"]).stat().st_size < 1_000_000
    # the MLP study is still the default and still the MLP
    mlp = pruning_study.load_precomputed()
    assert mlp["provenance"]["config"].get("architecture", "mlp") == "mlp"
    json.dumps(study)
