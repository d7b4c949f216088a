"""Tests of hardtrain.pruning against independent ground truth.

Ground truth: SNIP against central finite differences of a float64 NumPy re-implementation of
the network and its cross-entropy; SynFlow against its closed form 1^T prod_l |W_l| 1 for a
linear net (float64 NumPy products); GraSP's Hg against an explicit float64 Hessian matrix of
an independent implementation of the loss, times g; masks against exact counts (hypothesis);
masked training and lottery-ticket rewinding against a plain optax loop written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardtrain import models, pruning
from hardtrain import train as training
from hardtrain.experiments import pruning_study
from hardtrain.experiments.__main__ import main as experiments_main

ROOT = Path(__file__).resolve().parents[2]


def tiny_net(activation="tanh", seed=0, sizes=(3, 4, 3)):
    """A 3-4-3 MLP (two kernels, two biases) as (apply_fn, params)."""
    return models.build(models.MLP, sizes[0], tuple(sizes[1:-1]), sizes[-1],
                        activation=activation, seed=seed)


def np_params(params):
    layers = params["layers"]
    return [(np.asarray(layers[i]["kernel"], np.float64), np.asarray(layers[i]["bias"], np.float64))
            for i in sorted(layers)]


def np_loss(layers, x, y, act=np.tanh, temperature=1.0):
    h = x
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i < len(layers) - 1:
            h = act(h)
    z = h / temperature
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(y)), y])


def data(n=8, d=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = rng.integers(0, k, n).astype(np.int32)
    return x, y


# ------------------------------------------------------------------------------------ scores

def test_snip_matches_finite_differences():
    apply_fn, params = tiny_net("tanh", seed=1)
    x, y = data()
    s = pruning.score("snip", params, apply_fn, (x, y))
    layers = np_params(params)
    x64 = x.astype(np.float64)
    eps = 1e-6
    for li, (w, b) in enumerate(layers):
        fd = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            plus = [(ww.copy(), bb) for ww, bb in layers]
            minus = [(ww.copy(), bb) for ww, bb in layers]
            plus[li][0][idx] += eps
            minus[li][0][idx] -= eps
            fd[idx] = (np_loss(plus, x64, y) - np_loss(minus, x64, y)) / (2 * eps)
        want = np.abs(fd * w)
        got = np.asarray(s["layers"][li]["kernel"], np.float64)
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-6)
        assert s["layers"][li]["bias"] is None  # biases get no score


def test_synflow_matches_closed_form_for_a_linear_net():
    apply_fn, params = tiny_net("linear", seed=2, sizes=(4, 5, 6, 3))
    s = pruning.score("synflow", params, apply_fn, input_shape=(4,))
    ws = [np.abs(w) for w, _ in np_params(params)]  # biases are zero at initialisation
    r = np.ones(4) @ ws[0] @ ws[1] @ ws[2] @ np.ones(3)
    assert r > 0
    for li in range(3):
        left = np.ones(4)
        for w in ws[:li]:
            left = left @ w
        right = np.ones(ws[-1].shape[1])
        for w in ws[li + 1:][::-1]:
            right = w @ right
        want = ws[li] * np.outer(left, right)  # |theta| * dR/d|theta|
        got = s["layers"][li]["kernel"]
        assert got.dtype == jnp.float64
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
    # Conservation of synaptic flow (Tanaka et al., Theorem 1): every layer's scores sum to R.
    for li in range(3):
        assert float(np.sum(np.asarray(s["layers"][li]["kernel"]))) == pytest.approx(r, rel=1e-6)


def _explicit_grasp(params, x, y, temperature):
    """w * (H g) with H the full float64 Hessian of an independently written loss."""
    layers = np_params(params)
    shapes = [w.shape for w, _ in layers]
    sizes = [int(np.prod(sh)) for sh in shapes]
    biases = [jnp.asarray(b) for _, b in layers]

    with jax.enable_x64(True):
        def loss(v):
            ws, start = [], 0
            for sh, n in zip(shapes, sizes):
                ws.append(v[start:start + n].reshape(sh))
                start += n
            h = jnp.asarray(x, jnp.float64)
            for i, (w, b) in enumerate(zip(ws, biases)):
                h = h @ w + b
                if i < len(ws) - 1:
                    h = jnp.tanh(h)
            logp = jax.nn.log_softmax(h / temperature)
            return -jnp.mean(logp[jnp.arange(len(y)), y])

        v = jnp.concatenate([jnp.asarray(w).ravel() for w, _ in layers])
        g = np.asarray(jax.grad(loss)(v))
        hess = np.asarray(jax.hessian(loss)(v))
    hg = hess @ g
    out, start = [], 0
    for (w, _), n in zip(layers, sizes):
        out.append(w * hg[start:start + n].reshape(w.shape))
        start += n
    return out


@pytest.mark.parametrize("temperature", [1.0, pruning.GRASP_TEMPERATURE])
def test_grasp_hg_matches_explicit_hessian_vector_product(temperature):
    apply_fn, params = tiny_net("tanh", seed=3)
    x, y = data(seed=3)
    s = pruning.score("grasp", params, apply_fn, (x, y), temperature=temperature)
    want = _explicit_grasp(params, x, y, temperature)
    for li, w in enumerate(want):
        got = np.asarray(s["layers"][li]["kernel"], np.float64)
        assert np.max(np.abs(w)) > 0
        np.testing.assert_allclose(got, w, rtol=1e-3, atol=1e-3 * np.max(np.abs(w)))


def test_grasp_sign_convention_prunes_highest_paper_score():
    """The paper removes the highest -w*Hg; our masks keep the highest w*Hg: same choice."""
    apply_fn, params = tiny_net("tanh", seed=4)
    x, y = data(seed=4)
    want = _explicit_grasp(params, x, y, pruning.GRASP_TEMPERATURE)
    paper = np.concatenate([-w.ravel() for w in want])
    n_remove = int(round(0.5 * paper.size))
    removed = set(np.argsort(-paper)[:n_remove])
    m = pruning.prune("grasp", params, apply_fn, (x, y), 0.5)
    kept = np.concatenate([np.asarray(m["layers"][i]["kernel"]).ravel() for i in range(2)])
    assert set(np.flatnonzero(~kept)) == removed


def test_magnitude_and_random_scores():
    apply_fn, params = tiny_net()
    s = pruning.score("magnitude", params, apply_fn)
    np.testing.assert_array_equal(np.asarray(s["layers"][0]["kernel"]),
                                  np.abs(np.asarray(params["layers"][0]["kernel"])))
    r1 = pruning.score("random", params, apply_fn, key=jax.random.key(0))
    r2 = pruning.score("random", params, apply_fn, key=jax.random.key(0))
    r3 = pruning.score("random", params, apply_fn, key=jax.random.key(1))
    np.testing.assert_array_equal(np.asarray(r1["layers"][1]["kernel"]), np.asarray(r2["layers"][1]["kernel"]))
    assert not np.array_equal(np.asarray(r1["layers"][1]["kernel"]), np.asarray(r3["layers"][1]["kernel"]))


# ------------------------------------------------------------------------------------- masks

def random_scores(seed, shapes=((7, 5), (5, 9), (9, 2))):
    rng = np.random.default_rng(seed)
    return {f"l{i}": {"kernel": jnp.asarray(rng.standard_normal(sh)), "bias": None}
            for i, sh in enumerate(shapes)}


def kept_counts(m):
    return [int(np.sum(np.asarray(m[k]["kernel"]))) for k in sorted(m)]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.999))
def test_masks_hit_the_requested_sparsity_exactly(seed, sparsity):
    s = random_scores(seed)
    sizes = [35, 45, 18]
    n = sum(sizes)
    g = pruning.masks(s, sparsity, "global")
    assert sum(kept_counts(g)) == n - round(sparsity * n)
    # global keeps the highest scores: every kept score >= every pruned score
    flat = np.concatenate([np.asarray(s[k]["kernel"]).ravel() for k in sorted(s)])
    fm = np.concatenate([np.asarray(g[k]["kernel"]).ravel() for k in sorted(g)])
    if fm.any() and (~fm).any():
        assert flat[fm].min() >= flat[~fm].max()
    lw = pruning.masks(s, sparsity, "layerwise")
    assert kept_counts(lw) == [sz - round(sparsity * sz) for sz in sizes]
    assert g["l0"]["bias"] is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, -np.inf]), min_size=1, max_size=40),
       st.floats(0.0, 0.999))
def test_selection_with_ties_matches_a_stable_sort(values, sparsity):
    """Ties (and -0.0 == 0.0) are kept in index order, as NumPy's stable argsort ranks them."""
    s = np.asarray(values, np.float32)
    n = s.size
    keep = n - round(sparsity * n)
    want = np.zeros(n, bool)
    want[np.argsort(-s, kind="stable")[:keep]] = True
    got = pruning.masks({"w": jnp.asarray(s).reshape(1, n)}, sparsity)["w"]
    np.testing.assert_array_equal(np.asarray(got).ravel(), want)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.2, 0.5, 0.75, 0.98]))
def test_inversion_keeps_the_complement(seed, sparsity):
    s = random_scores(seed, shapes=((10, 5), (5, 10)))  # 100 weights: every sparsity * n is whole
    inv = pruning.masks(s, sparsity, invert=True)
    comp = pruning.masks(s, 1.0 - sparsity)
    for k in s:
        np.testing.assert_array_equal(np.asarray(inv[k]["kernel"]), ~np.asarray(comp[k]["kernel"]))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.05, 0.95))
def test_shuffle_within_layers_keeps_per_layer_counts(seed, sparsity):
    m = pruning.masks(random_scores(seed), sparsity)
    sh = pruning.shuffle_within_layers(m, jax.random.key(seed))
    assert kept_counts(sh) == kept_counts(m)
    assert pruning.remaining_per_layer(sh) == pruning.remaining_per_layer(m)


def test_shuffle_changes_which_weights_survive():
    m = pruning.masks(random_scores(0), 0.5)
    sh = pruning.shuffle_within_layers(m, jax.random.key(1))
    assert any(not np.array_equal(np.asarray(m[k]["kernel"]), np.asarray(sh[k]["kernel"])) for k in m)


def test_minus_inf_is_pruned_first_in_both_modes():
    s = {"w": jnp.asarray([[3.0, -jnp.inf, 1.0, 2.0]])}
    np.testing.assert_array_equal(np.asarray(pruning.masks(s, 0.25)["w"]), [[True, False, True, True]])
    np.testing.assert_array_equal(np.asarray(pruning.masks(s, 0.25, invert=True)["w"]),
                                  [[True, False, True, True]])
    np.testing.assert_array_equal(np.asarray(pruning.masks(s, 0.5, invert=True)["w"]),
                                  [[False, False, True, True]])


def test_density_schedule_is_exponential():
    d = pruning.density_schedule(0.99, 100)
    assert d.shape == (100,)
    assert d[-1] == pytest.approx(0.01)
    np.testing.assert_allclose(d[1:] / d[:-1], 0.01 ** (1 / 100), rtol=1e-12)


@pytest.mark.parametrize("method, scope", [(m, "global") for m in pruning.METHODS]
                         + [("snip", "layerwise"), ("synflow", "layerwise")])
def test_prune_hits_sparsity_for_every_method(method, scope):
    apply_fn, params = tiny_net("relu", seed=5, sizes=(6, 10, 8, 3))
    x, y = data(n=12, d=6)
    m = pruning.prune(method, params, apply_fn, (x, y), 0.7, key=jax.random.key(0), scope=scope,
                      rounds=5 if method == "synflow" else None)
    sizes = [60, 80, 24]
    counts = [int(np.sum(np.asarray(m["layers"][i]["kernel"]))) for i in range(3)]
    if scope == "global":
        assert sum(counts) == sum(sizes) - round(0.7 * sum(sizes))
    else:
        assert counts == [n - round(0.7 * n) for n in sizes]


def test_iterative_synflow_avoids_layer_collapse_where_magnitude_collapses():
    """Tanaka et al. (2020): single-shot magnitude pruning empties the layer of small weights;
    iterative SynFlow keeps every layer connected at the same extreme sparsity."""
    apply_fn, params = tiny_net("relu", seed=6, sizes=(20, 40, 40, 5))
    params = jax.tree.map(lambda a: a, params)
    params["layers"][1]["kernel"] = params["layers"][1]["kernel"] * 0.01  # a layer of tiny weights
    sparsity = 0.99
    mag = pruning.prune("magnitude", params, apply_fn, None, sparsity)
    syn = pruning.prune("synflow", params, apply_fn, None, sparsity, input_shape=(20,))
    assert "layers/1/kernel" in pruning.collapsed_layers(mag)
    assert pruning.collapsed_layers(syn) == []
    total = 20 * 40 + 40 * 40 + 40 * 5
    assert sum(int(np.sum(np.asarray(syn["layers"][i]["kernel"]))) for i in range(3)) == \
        total - round(sparsity * total)


# ----------------------------------------------------------------------- training with masks

def reference_adam(loss_fn, params, steps, lr, mask=None):
    """A plain Python optax loop, masks re-applied after each step."""
    opt = optax.adam(lr)
    state = opt.init(params)

    @jax.jit
    def step(params, state):
        updates, state = opt.update(jax.grad(loss_fn)(params), state, params)
        params = optax.apply_updates(params, updates)
        if mask is not None:  # zero the pruned weights by hand, after the update
            params = jax.tree.map(lambda p, m: p if m is None else p * m, params, mask,
                                  is_leaf=lambda v: v is None)
        return params, state

    for _ in range(steps):
        params, state = step(params, state)
    return params


def assert_trees_close(a, b, rtol=2e-4, atol=2e-5):
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=rtol, atol=atol)


def test_masked_weights_stay_zero_through_training():
    apply_fn, params = tiny_net("tanh", seed=7)
    x, y = data(n=30, seed=7)
    loss_fn = models.loss_function(apply_fn, jnp.asarray(x), jnp.asarray(y))
    m = pruning.prune("random", params, apply_fn, None, 0.6, key=jax.random.key(0))
    opt = training.make_optimizer("adam", 0.05)
    res = pruning.train_masked(loss_fn, params, m, opt, 50)
    for i in range(2):
        w = np.asarray(res.params["layers"][i]["kernel"])
        keep = np.asarray(m["layers"][i]["kernel"])
        assert np.all(w[~keep] == 0.0)
        assert np.all(w[keep] != np.asarray(params["layers"][i]["kernel"])[keep])  # survivors trained
    assert_trees_close(res.params, reference_adam(loss_fn, pruning.apply_masks(params, m), 50, 0.05, m))
    # batched over seeds: one program, every seed's pruned weights stay zero
    p2 = jax.tree.map(lambda a, b: jnp.stack([a, b]), params, tiny_net("tanh", seed=8)[1])
    m2 = jax.tree.map(lambda a: None if a is None else jnp.stack([a, ~a]), m,
                      is_leaf=lambda v: v is None)
    res2 = pruning.train_masked(loss_fn, p2, m2, opt, 20, batched=True)
    for i in range(2):
        w = np.asarray(res2.params["layers"][i]["kernel"])
        assert np.all(w[~np.asarray(m2["layers"][i]["kernel"])] == 0.0)


def test_lottery_ticket_rewinds_to_the_right_weights():
    apply_fn, params = tiny_net("tanh", seed=9, sizes=(3, 6, 3))
    x, y = data(n=40, seed=9)
    loss_fn = models.loss_function(apply_fn, jnp.asarray(x), jnp.asarray(y))
    lr, steps, k = 0.03, 30, 5
    opt = training.make_optimizer("adam", lr)
    res = pruning.lottery_ticket(loss_fn, params, opt, steps, rounds=2, rewind_step=k)
    theta_k = reference_adam(loss_fn, params, k, lr)
    assert_trees_close(res.rewind_params, theta_k)
    dense = reference_adam(loss_fn, theta_k, steps - k, lr)  # the dense run restarts Adam at k
    assert_trees_close(res.rounds[0].params, dense)
    # round 1: the 20% smallest trained weights (globally) go; survivors restart from theta_k
    m1 = res.rounds[1].masks
    flat = np.concatenate([np.abs(np.asarray(dense["layers"][i]["kernel"])).ravel() for i in range(2)])
    kept = np.concatenate([np.asarray(m1["layers"][i]["kernel"]).ravel() for i in range(2)])
    assert kept.sum() == flat.size - round(0.2 * flat.size)
    assert flat[kept].min() >= flat[~kept].max()
    want = reference_adam(loss_fn, pruning.apply_masks(theta_k, m1), steps - k, lr, m1)
    assert_trees_close(res.rounds[1].params, want)
    # round 2 prunes 20% of what is left, within round 1's survivors
    m2 = res.rounds[2].masks
    k1 = np.concatenate([np.asarray(m1["layers"][i]["kernel"]).ravel() for i in range(2)])
    k2 = np.concatenate([np.asarray(m2["layers"][i]["kernel"]).ravel() for i in range(2)])
    assert not np.any(k2 & ~k1)
    assert k2.sum() == flat.size - round((1 - 0.8 ** 2) * flat.size)
    assert res.rounds[2].sparsity == pytest.approx(1 - 0.8 ** 2)


def test_reinitialize_keeps_the_mask():
    _, params = tiny_net(seed=10)
    _, fresh = tiny_net(seed=11)
    m = pruning.masks(pruning.score("magnitude", params, None), 0.5)
    r = pruning.reinitialize(m, fresh)
    w = np.asarray(r["layers"][0]["kernel"])
    keep = np.asarray(m["layers"][0]["kernel"])
    np.testing.assert_array_equal(w[keep], np.asarray(fresh["layers"][0]["kernel"])[keep])
    assert np.all(w[~keep] == 0)


# -------------------------------------------------------------------------------- accounting

def test_accounting_closed_forms():
    params = {"a": {"kernel": jnp.ones((4, 5)), "bias": jnp.ones(5)},
              "b": {"kernel": jnp.ones((5, 2)), "bias": jnp.ones(2)}}
    ma = np.zeros((4, 5), bool)
    ma[0, :3] = True  # 3 of 20 kept
    m = {"a": {"kernel": jnp.asarray(ma), "bias": None},
         "b": {"kernel": jnp.zeros((5, 2), bool), "bias": None}}
    # total 20 + 5 + 10 + 2 = 37; remaining 3 + 5 + 0 + 2 = 10
    assert pruning.compression_ratio(params, m) == pytest.approx(37 / 10)
    assert pruning.flops_speedup(params, m) == pytest.approx(30 / 3)
    assert pruning.remaining_per_layer(m) == {"a/kernel": pytest.approx(0.15), "b/kernel": 0.0}
    assert pruning.collapsed_layers(m) == ["b/kernel"]
    assert pruning.flops_speedup(params, m, uses={"a/kernel": 4}) == pytest.approx((80 + 10) / 12)


# ------------------------------------------------------------------------------- bad inputs

@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, float("nan"), "half"])
def test_bad_sparsity_is_rejected(bad):
    apply_fn, params = tiny_net()
    with pytest.raises(ValueError, match=r"sparsity must"):
        pruning.prune("magnitude", params, apply_fn, None, bad)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        pruning.masks(pruning.score("magnitude", params, apply_fn), bad)


def test_bad_inputs_raise_clear_errors():
    apply_fn, params = tiny_net()
    x, y = data()
    with pytest.raises(ValueError, match="unknown method 'l1'.*magnitude.*synflow"):
        pruning.score("l1", params, apply_fn, (x, y))
    with pytest.raises(ValueError, match=r"does not fit apply_fn"):
        pruning.score("snip", params, apply_fn, (np.ones((8, 5), np.float32), y))
    with pytest.raises(ValueError, match=r"same n"):
        pruning.score("snip", params, apply_fn, (x, y[:3]))
    with pytest.raises(ValueError, match=r"integers"):
        pruning.score("grasp", params, apply_fn, (x, y.astype(np.float32)))
    with pytest.raises(ValueError, match=r"needs batch"):
        pruning.score("snip", params, apply_fn)
    with pytest.raises(ValueError, match=r"no prunable leaf.*ndim >= 2"):
        pruning.score("magnitude", {"b": jnp.ones(3)}, lambda p, x: x)
    with pytest.raises(ValueError, match=r"needs key"):
        pruning.prune("random", params, apply_fn, None, 0.5)
    with pytest.raises(ValueError, match=r"unknown scope"):
        pruning.masks(pruning.score("magnitude", params, apply_fn), 0.5, scope="per-neuron")
    with pytest.raises(ValueError, match=r"input shape"):
        pruning.score("synflow", params, apply_fn)
    with pytest.raises(ValueError, match=r"prune_fraction"):
        pruning.lottery_ticket(None, params, None, 10, rounds=1, prune_fraction=1.0)
    with pytest.raises(ValueError, match=r"rewind_step"):
        pruning.lottery_ticket(None, params, None, 10, rounds=1, rewind_step=10)


# ---------------------------------------------------------------------------- precomputed asset

def test_precomputed_asset_has_provenance_and_consistent_curves():
    path = ROOT / "assets" / "lab4" / pruning_study.ASSET_FILE
    study = pruning_study.load_precomputed(path)
    prov = study["provenance"]
    assert prov["command"].startswith("python -m hardtrain.pruning precompute")
    assert {"jax", "flax", "optax", "numpy"} <= set(prov["versions"])
    assert prov["machine"]["cpu_count"] >= 1
    cfg = prov["config"]
    assert set(study["curves"]) == set(pruning_study.CURVES)
    for name in pruning_study.CURVES:
        cur = study["curves"][name]
        if name not in ("lottery", "imp_lr_rewind"):
            assert cur["sparsity"] == pytest.approx(list(cfg["sparsities"]))
        assert all(len(a) == len(cfg["seeds"]) for a in cur["accuracy"])
        assert all(0.0 <= v <= 1.0 for a in cur["accuracy"] for v in a)
    for name in ("lottery", "imp_lr_rewind"):  # one point per IMP round, the curves' sparsities among them
        lot = study["curves"][name]["sparsity"]
        assert lot == pytest.approx([1 - (1 - cfg["prune_fraction"]) ** r for r in range(1, len(lot) + 1)],
                                    abs=1e-5)
        assert all(any(abs(s - t) < 1e-5 for t in lot) for s in cfg["sparsities"])
    # the recipe the lab states: all 4000 examples, minibatch Adam with a cosine schedule
    assert cfg["n_train"] is None and cfg["batch_size"] == 100 and cfg["steps"] >= 2000
    assert "cosine" in prov["recipe"]
    early = study["early"]
    assert early["steps"][0] == 0 and cfg["steps"] * cfg["rewind_fraction"] in early["steps"]
    assert set(early["accuracy"]) == set(pruning_study.EARLY_METHODS)
    assert study["chance"] == pytest.approx(0.1)
    assert path.stat().st_size < 1_000_000
    json.dumps(study)  # plain JSON


def test_precompute_command_writes_a_consistent_study(tmp_path, capsys):
    """The documented command, at the tests' scale: provenance, every curve, exact layer counts."""
    assert experiments_main(["precompute", "lab4", "--scale", "tiny", "--out", str(tmp_path)]) == 0
    assert "wrote" in capsys.readouterr().out
    study = pruning_study.load_precomputed(tmp_path)
    cfg = pruning_study.StudyConfig.tiny()
    command = f"python -m hardtrain.experiments precompute lab4 --scale tiny --out {tmp_path}"
    assert study["provenance"]["command"] == command
    assert set(study["curves"]) == set(pruning_study.CURVES)
    lot = study["curves"]["lottery"]["sparsity"]
    assert lot == pytest.approx([1 - 0.5 ** r for r in range(1, len(lot) + 1)], abs=1e-5)
    assert lot[-1] >= max(cfg.sparsities) > lot[-2]
    (key,) = study["ablations"]
    assert float(key) == pytest.approx(1 - 0.5 ** cfg.ablation_rounds[0], abs=1e-4)
    for m in ("magnitude", "snip", "grasp", "grasp_abs", "synflow"):
        assert set(study["ablations"][key][m]) == set(pruning_study.VARIANTS)
        # the original mask at a curve sparsity is the curve's own point (same masks, same runs)
        assert study["ablations"][key][m]["original"] == study["curves"][m]["accuracy"][-1]
    assert set(study["ablations"][key]["lottery"]) == {"original", "shuffled", "reinit"}
    # the prune-early curve: k = 0 is the at-init point at the same sparsity
    early = study["early"]
    assert early["steps"] == list(cfg.early_steps) == [0, 6, 15]
    for m in pruning_study.EARLY_METHODS:
        assert early["accuracy"][m][0] == study["curves"][m]["accuracy"][-1]
    assert len(study["before_retraining"]["accuracy"]) == len(cfg.sparsities)
    # 40-32-32-10 has 40*32 + 32*32 + 32*10 = 2624 weights; 99.9% sparsity keeps round(2.624) = 3
    sizes = {"layers/0/kernel": 40 * 32, "layers/1/kernel": 32 * 32, "layers/2/kernel": 32 * 10}
    assert set(study["layers"]["0.8750"]) == {*pruning.METHODS, "magnitude_after", "lottery"}
    assert "lottery" not in study["layers"]["0.9990"]  # no IMP round reaches it
    for m, item in study["layers"]["0.9990"].items():
        kept = sum(item["remaining"][k] * n for k, n in sizes.items())
        assert kept == pytest.approx(2624 - round(0.999 * 2624), abs=0.05), m  # JSON keeps 5 decimals
        assert item["collapsed"] == [k for k, f in item["remaining"].items() if f == 0]
    assert all(0.0 <= a <= 1.0 for accs in study["dense"] for a in [accs])
