"""Tests of hardtrain.overparam (label noise, min-norm least squares, NTK weights, sharded
sweeps) and of lab 3's sweeps in hardtrain.experiments (double descent, lazy training,
memorisation, their presets and precomputed results), and the sweep sharded over several (host)
devices.

Ground truth: counting (exactly round(p n) labels changed, each to another class), NumPy's
float64 pseudo-inverse for the minimum-norm solution, linear algebra (with N >= n generic
features the training set is interpolated exactly), the m^-1/2 law of lazy training (Jacot et
al. 2018), and for sharding the same sweep run unsharded, compared with a run in a subprocess
that sees four host devices (XLA_FLAGS=--xla_force_host_platform_device_count=4).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardtrain import compute, data, overparam as op
from hardtrain.experiments import double_descent as dd
from hardtrain.experiments import lab3_assets, lazy_training, sweeps, width_makes_easy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mnist1d():
    return data.load("mnist1d")


# ------------------------------------------------------------------------- building blocks

@settings(max_examples=8, deadline=None)
@given(n=st.sampled_from([1, 7, 50, 300]), p=st.floats(0.0, 1.0), k=st.integers(2, 10),
       seed=st.integers(0, 99))
def test_noisy_labels_changes_exactly_the_fraction(n, p, k, seed):
    y = np.random.default_rng(seed).integers(0, k, n)
    z = np.asarray(op.noisy_labels(y, p, k, jax.random.key(seed)))
    assert z.shape == (n,) and z.min() >= 0 and z.max() < k
    assert int((z != y).sum()) == int(round(p * n))


@pytest.mark.parametrize("args, match", [((1.5, 10), "fraction"), ((-0.1, 10), "fraction"),
                                         ((0.1, 1), "n_classes")])
def test_noisy_labels_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        op.noisy_labels(np.zeros(5, int), *args, jax.random.key(0))


@pytest.mark.parametrize("n, N", [(30, 10), (10, 30), (20, 20)])
def test_min_norm_least_squares_is_the_pseudo_inverse(n, N):
    rng = np.random.default_rng(n * 100 + N)
    phi = rng.standard_normal((n, N)).astype(np.float32)
    y = rng.standard_normal((n, 3)).astype(np.float32)
    got = np.asarray(op.min_norm_least_squares(jnp.asarray(phi), jnp.asarray(y)), np.float64)
    want = np.linalg.pinv(phi.astype(np.float64)) @ y.astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3 * np.abs(want).max())


def test_random_relu_features():
    x = jax.random.normal(jax.random.key(0), (7, 5))
    a = op.random_relu_features(x, 11, jax.random.key(3))
    b = op.random_relu_features(x, 11, jax.random.key(3))
    assert a.shape == (7, 11) and bool(jnp.all(a >= 0)) and bool(jnp.all(a == b))
    with pytest.raises(ValueError, match="n_features"):
        op.random_relu_features(x, 0, jax.random.key(0))


def test_default_widths_contain_n():
    ws = dd.default_widths(200, points=7)
    assert 200 in ws and list(ws) == sorted(set(ws)) and ws[0] < 200 < ws[-1]
    assert all(isinstance(w, int) for w in ws)
    with pytest.raises(ValueError):
        dd.default_widths(200, points=2)


def test_relative_change_closed_form():
    before = {"a": jnp.array([3.0, 0.0]), "b": jnp.array([[4.0]])}
    after = {"a": jnp.array([3.0, 1.0]), "b": jnp.array([[4.0]])}
    assert float(op.relative_change(before, after)) == pytest.approx(1 / 5)
    with pytest.raises(ValueError, match="same structure"):
        op.relative_change(before, {"a": jnp.zeros(2)})


def test_sweep_over_devices_equals_a_loop():
    def fn(seed, x):
        return {"s": jnp.sum(x * seed), "v": x[:2] + seed}

    x = jnp.arange(5.0)
    seeds = jnp.arange(3, dtype=jnp.int32)
    out = op.sweep_over_devices(fn, seeds, x)
    for i in range(3):
        assert float(out["s"][i]) == float(fn(i, x)["s"])
    assert out["v"].shape == (3, 2)
    with pytest.raises(ValueError, match="leading axis"):
        op.sweep_over_devices(fn, jnp.zeros((0,)), x)


# ------------------------------------------------------------------------ double descent

def test_double_descent_peak_near_the_interpolation_threshold(mnist1d):
    n = 200
    widths = dd.default_widths(n, points=9)
    sweep = dd.RandomFeaturesSweep(mnist1d, widths, n_train=n, label_noise=0.2, seeds=(0, 1))
    fractions = [f for f, _ in sweep.steps()]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    r = sweep.result
    ws, test, train, norm = np.array(r.widths), r.mean("test_error"), r.mean("train_error"), r.mean("norm")
    peak = ws[np.argmax(test)]
    assert n / 2 <= peak <= 2 * n, (ws, test)
    assert ws[np.argmax(norm)] == n, (ws, norm)  # the min-norm solution is largest at N = n
    # N >= n generic features interpolate the (noisy) training labels; far below n they cannot
    assert np.all(train[ws >= n] == 0.0)
    assert train[0] > 0.2
    # both ends of the curve lie below the peak
    assert test[0] < test.max() and test[-1] < test.max()
    assert len(r.metrics["test_error"][0]) == 2  # one value per seed


def test_random_features_sweep_rejects_bad_settings(mnist1d):
    with pytest.raises(ValueError, match="n_train"):
        dd.RandomFeaturesSweep(mnist1d, (10,), n_train=10**6)
    with pytest.raises(ValueError, match="label_noise"):
        dd.RandomFeaturesSweep(mnist1d, (10,), n_train=100, label_noise=2.0)
    with pytest.raises(ValueError, match="widths"):
        dd.RandomFeaturesSweep(mnist1d, (0, 10), n_train=100)
    with pytest.raises(ValueError, match="seeds"):
        dd.RandomFeaturesSweep(mnist1d, (10,), n_train=100, seeds=())


def test_sweep_result_round_trip():
    r = sweeps.SweepResult(settings={"a": 1})
    r.add(4, 0.1, x=np.array([1.0, 3.0]))
    r2 = sweeps.SweepResult.from_dict(json.loads(json.dumps(r.to_dict())))
    assert r2.widths == [4] and r2.mean("x").tolist() == [2.0] and r2.settings == {"a": 1}


# ------------------------------------------------------------------------- lazy training

def test_relative_weight_change_shrinks_like_inverse_sqrt_width(mnist1d):
    sweep = lazy_training.LazyTrainingSweep(mnist1d, (16, 128, 1024), n_train=128, steps=30, lr=1.0,
                                 seeds=(0, 1))
    r = sweep.run()
    change = r.mean("relative_change")
    assert np.all(np.diff(change) < 0), change
    fit = compute.fit_power_law(r.widths, change)
    assert -0.7 < fit.exponent < -0.3, fit
    # the loss still falls at every width (training is lazy, not stuck)
    assert np.all(r.mean("final_loss") < r.mean("initial_loss"))


def test_lazy_history_is_the_same_run_stopped_earlier(mnist1d):
    """The replay's history at step t equals a run of t steps alone (independent programs), and
    recording it changes none of the final values."""
    kw = dict(n_train=64, lr=1.0, seeds=(0, 1))
    sweep = lazy_training.LazyTrainingSweep(mnist1d, (16, 256), steps=12, history_every=4, **kw)
    r = sweep.run()
    assert [list(h["steps"]) for h in sweep.history] == [[0, 4, 8, 12]] * 2
    plain = lazy_training.LazyTrainingSweep(mnist1d, (16, 256), steps=12, **kw).run()
    assert plain.metrics == r.metrics and "history_loss" not in r.metrics  # the history is kept apart
    for t in (4, 8):
        short = lazy_training.LazyTrainingSweep(mnist1d, (16, 256), steps=t, **kw).run()
        for i, h in enumerate(sweep.history):
            k = list(h["steps"]).index(t)
            np.testing.assert_allclose(h["relative_change"][:, k], short.metrics["relative_change"][i], rtol=2e-5)
            np.testing.assert_allclose(h["loss"][:, k], short.metrics["final_loss"][i], rtol=2e-5)
    for i, h in enumerate(sweep.history):
        assert np.all(h["relative_change"][:, 0] == 0)
        np.testing.assert_allclose(h["loss"][:, 0], r.metrics["initial_loss"][i], rtol=1e-6)
        np.testing.assert_allclose(h["relative_change"][:, -1], r.metrics["relative_change"][i], rtol=1e-6)
    with pytest.raises(ValueError, match="history_every"):
        lazy_training.LazyTrainingSweep(mnist1d, (16,), history_every=-1)


# ------------------------------------------------------- width makes hard instances easy

def test_wide_nets_memorise_random_labels(mnist1d):
    sweep = width_makes_easy.MemorisationSweep(mnist1d, (2, 128), n_train=100, steps=300, seeds=(0, 1))
    r = sweep.run()
    success = r.mean("success")
    assert success[1] == 1.0 and success[0] < success[1], r.metrics
    assert r.mean("train_error")[0] > 0.0


def test_mlp_width_sweep_fits_better_when_wider(mnist1d):
    r = dd.MLPWidthSweep(mnist1d, (2, 64), n_train=200, label_noise=0.0, steps=300).run()
    train = r.mean("train_error")
    assert train[1] < train[0], r.metrics
    assert r.mean("params").tolist() == [40 * 2 + 2 + 2 * 10 + 10, 40 * 64 + 64 + 64 * 10 + 10]


# --------------------------------------------------------------------------------- sharding

_SHARDED = textwrap.dedent("""
    import faulthandler, json, sys, jax, jax.numpy as jnp, numpy as np
    faulthandler.dump_traceback_later(240, exit=True)  # a deadlock shows where, before the timeout
    from hardtrain import data, overparam as op
    from hardtrain.experiments.double_descent import RandomFeaturesSweep
    from hardtrain.experiments.lazy_training import LazyTrainingSweep
    assert len(jax.devices()) == 4, jax.devices()
    fn = lambda s, x: x * s
    spread = {flag: len(op.sweep_over_devices(fn, jnp.arange(8.0), jnp.ones(3), shard_cpu=flag).sharding.device_set)
              for flag in (True, False)}
    assert spread == {True: 4, False: 1}, spread
    ds = data.load("mnist1d")
    rf = RandomFeaturesSweep(ds, (150,), n_train=100, label_noise=0.1, seeds=(0, 1, 2, 3, 4)).run()
    lazy = LazyTrainingSweep(ds, (32,), n_train=64, steps=10, seeds=(0, 1, 2)).run()
    print("RESULT" + json.dumps({"rf": rf.metrics, "lazy": lazy.metrics}))
""")


def test_sharded_sweep_equals_the_unsharded_one(mnist1d, hardtrain_cache_dir):
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", _SHARDED], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sharded = json.loads(proc.stdout.split("RESULT", 1)[1])
    dev = [jax.devices()[0]]
    rf = dd.RandomFeaturesSweep(mnist1d, (150,), n_train=100, label_noise=0.1, seeds=(0, 1, 2, 3, 4),
                                devices=dev).run()
    lazy = lazy_training.LazyTrainingSweep(mnist1d, (32,), n_train=64, steps=10, seeds=(0, 1, 2), devices=dev).run()
    for name, ours in (("rf", rf.metrics), ("lazy", lazy.metrics)):
        for key, values in ours.items():
            np.testing.assert_allclose(np.array(sharded[name][key]), np.array(values), rtol=1e-4, atol=1e-6,
                                       err_msg=f"{name}.{key}")
    # five seeds on four devices: the padding was dropped
    assert len(sharded["rf"]["test_error"][0]) == 5


# ------------------------------------------------------------- presets and precomputed results

def test_full_presets_are_the_shipped_runs():
    """Each experiment's full() preset describes the run whose results ship in assets/lab3/."""
    rf = lab3_assets.load("double_descent_rf.json")["result"]
    mlp = lab3_assets.load("double_descent_mlp.json")["result"]
    c = dd.Config.full()
    assert sorted(rf) == [f"noise_{p:g}" for p in c.noise_levels]
    for p in c.noise_levels:
        assert rf[f"noise_{p:g}"]["widths"] == list(c.feature_counts())
        assert rf[f"noise_{p:g}"]["settings"]["seeds"] == list(c.seeds)
        assert mlp[f"noise_{p:g}"]["widths"] == list(c.mlp_widths)
        assert mlp[f"noise_{p:g}"]["settings"]["steps"] == c.mlp_steps
    lazy = lab3_assets.load("lazy_training.json")["result"]["sweep"]
    lc = lazy_training.Config.full()
    assert lazy["widths"] == list(lc.widths) and lazy["settings"]["steps"] == lc.steps
    easy = lab3_assets.load("width_makes_easy.json")["result"]
    ec = width_makes_easy.Config.full()
    assert easy["memorisation"]["widths"] == easy["hard_instance"]["widths"] == list(ec.widths)
    assert easy["memorisation"]["settings"]["seeds"] == list(range(ec.memo_seeds))
    assert easy["hard_instance"]["settings"]["restarts"] == ec.restarts
    assert easy["hard_instance"]["settings"]["subsets"] == [list(s) for s in width_makes_easy.hard_instance()[1]]


def test_presets_shrink_and_sweeps_build_from_them(mnist1d):
    for config_cls in (dd.Config, lazy_training.Config, width_makes_easy.Config):
        assert config_cls.tiny() != config_cls.live()
    tiny = dd.Config.tiny().with_seed(3)
    rf = dd.RandomFeaturesSweep.from_config(tiny, mnist1d)
    assert rf.widths == tiny.feature_counts() and rf.seeds == (3,) and tiny.n_train in rf.widths
    assert dd.MLPWidthSweep.from_config(tiny, mnist1d).widths == tiny.mlp_widths
    lazy = lazy_training.LazyTrainingSweep.from_config(lazy_training.Config.tiny(), mnist1d)
    assert lazy.widths == lazy_training.Config.tiny().widths
    ec = width_makes_easy.Config.tiny()
    memo = width_makes_easy.MemorisationSweep.from_config(ec, mnist1d)
    assert memo.seeds == tuple(range(ec.memo_seeds)) and memo.widths == ec.widths
    assert width_makes_easy.HardInstanceSweep.from_config(ec).restarts == ec.restarts


def test_lab3_assets_reject_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="unknown precomputed file"):
        lab3_assets.load("nope.json")
    with pytest.raises(FileNotFoundError, match="precompute lab3"):
        lab3_assets.load("lazy_training.json", folder=tmp_path)
    with pytest.raises(ValueError, match="unknown precomputed file"):
        lab3_assets.precompute(tmp_path, only=["nope.json"])


def test_numerics_import_no_experiments_views_or_widgets():
    code = ("import sys, hardtrain.overparam, hardtrain.compute; "
            "print([m for m in sys.modules if m.startswith(('hardtrain.experiments', 'hardtrain.views', "
            "'ipywidgets', 'plotly'))])")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", (out.stdout, out.stderr[-2000:])
