"""Tests of hardtrain.compute (FLOP counts, power-law fits, energy/CO2) and of the measured
ladder (hardtrain.experiments.price_of_accuracy).

Ground truth: the textbook FLOP count of a dense matmul (2mkn), the exponents used to generate
synthetic noisy power laws, closed forms of the unit conversions (3600 s at 1 kW = 1 kWh), and
a hand count of the matmul FLOPs of an MLP training step (forward and backward).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardtrain import compute, data
from hardtrain.experiments import price_of_accuracy as poa


# --------------------------------------------------------------------------------- flops

@settings(max_examples=8, deadline=None)
@given(m=st.integers(1, 96), k=st.integers(1, 96), n=st.integers(1, 96))
def test_flops_of_a_matmul_is_2mkn(m, k, n):
    # also k = 1 (an outer product) and m = n = 1 (a dot product): the program as written
    a = jax.ShapeDtypeStruct((m, k), jnp.float32)
    b = jax.ShapeDtypeStruct((k, n), jnp.float32)
    got = compute.flops(lambda x, y: x @ y, a, b)
    assert got == pytest.approx(2 * m * k * n, rel=0.01)


def test_flops_of_a_batched_matmul_and_a_chain():
    a, b = jnp.ones((3, 20, 30)), jnp.ones((3, 30, 40))
    assert compute.flops(jnp.matmul, a, b) == pytest.approx(2 * 3 * 20 * 30 * 40, rel=0.01)
    x, w1, w2 = jnp.ones((50, 64)), jnp.ones((64, 128)), jnp.ones((128, 16))
    # two matmuls; the second one's count alone exceeds any elementwise op here
    assert compute.flops(lambda x, w1, w2: (x @ w1) @ w2, x, w1, w2) == pytest.approx(
        2 * 50 * 64 * 128 + 2 * 50 * 128 * 16, rel=0.01)


def test_flops_of_a_2048_cube_matmul_is_exact():
    # The case a GPU's compiled cost analysis reports as -1 (cuBLAS); nothing is run here.
    a = jax.ShapeDtypeStruct((2048, 2048), jnp.float32)
    assert compute.flops(jnp.matmul, a, a) == 2 * 2048 ** 3


def test_flops_rejects_a_non_callable():
    with pytest.raises(ValueError, match="callable"):
        compute.flops(3.0, jnp.ones(2))


# --------------------------------------------------------------------------- power laws

@settings(max_examples=10, deadline=None)
@given(k=st.floats(-3.0, 3.0).filter(lambda v: abs(v) > 0.05), c=st.floats(0.1, 10.0),
       seed=st.integers(0, 1000))
def test_fit_power_law_recovers_a_noisy_exponent(k, c, seed):
    rng = np.random.default_rng(seed)
    x = np.geomspace(1.0, 1e4, 40)
    y = c * x ** k * np.exp(0.05 * rng.standard_normal(x.size))  # 5 % multiplicative noise
    fit = compute.fit_power_law(x, y)
    assert fit.exponent == pytest.approx(k, abs=0.03)
    assert fit.coefficient == pytest.approx(c, rel=0.1)
    # R^2 in log-log coordinates: the exponent's share of the variance of log y. With 5 % noise
    # it is close to 1 for steep laws but not for flat ones (k = 0.055 gives about 0.90), so it is
    # checked against its expected value k^2 var(log x) / (k^2 var(log x) + 0.05^2).
    signal = k ** 2 * np.var(np.log(x))
    assert fit.r2 == pytest.approx(signal / (signal + 0.05 ** 2), abs=0.1)
    if abs(k) >= 0.2:
        assert fit.r2 > 0.95
    assert fit.n == 40 and fit.stderr < 0.02
    # the fitted curve passes through the data's geometric centre
    assert np.exp(np.mean(np.log(fit(x)))) == pytest.approx(np.exp(np.mean(np.log(y))), rel=1e-6)


def test_fit_power_law_exact_data_and_inverse():
    x = np.array([1.0, 10.0, 100.0])
    fit = compute.fit_power_law(x, 2.0 * x ** -0.5)
    assert fit.exponent == pytest.approx(-0.5, abs=1e-12)
    assert fit.coefficient == pytest.approx(2.0, rel=1e-12)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.inverse(2.0 * 400.0 ** -0.5) == pytest.approx(400.0, rel=1e-9)


@pytest.mark.parametrize("x, y, match", [
    ([1, 2, 3], [1, 0, 2], "positive"),
    ([1, -2, 3], [1, 1, 2], "positive"),
    ([1, 2, np.nan], [1, 2, 3], "finite"),
    ([1, 2, 3], [1, np.inf, 3], "finite"),
    ([1, 2, 3], [1, 2], "same length"),
    ([1], [2], "at least 2"),
    ([5, 5, 5], [1, 2, 3], "equal"),
])
def test_fit_power_law_rejects_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        compute.fit_power_law(x, y)


def test_compute_exponent_and_published_ones():
    # error ~ compute^(-1/4): compute ~ (1/error)^4, the theory's lower bound
    f = np.geomspace(1e6, 1e12, 7)
    fit = compute.fit_power_law(f, 3.0 * f ** -0.25)
    assert compute.compute_exponent(fit) == pytest.approx(4.0, rel=1e-9)
    assert compute.compute_exponent(compute.fit_power_law(f, f ** 0.1)) == math.inf
    alphas = {v["alpha"] for v in compute.PUBLISHED_EXPONENTS.values()}
    assert alphas == {4.0, 9.0}
    assert all("arXiv 2007.05558" in v["source"] or "Spectrum" in v["source"]
               for v in compute.PUBLISHED_EXPONENTS.values())


# ------------------------------------------------------------------ energy, CO2, money

def test_energy_and_co2_closed_forms():
    a = compute.Assumptions(watts=1000.0, pue=1.5, grid_gco2_per_kwh=400.0, price_per_kwh=0.2)
    assert compute.energy_kwh(3600.0, a) == pytest.approx(1.5)  # 1 kW for 1 h, times PUE
    assert compute.co2_grams(2.0, a) == pytest.approx(800.0)
    assert len(compute.DEFAULT_ASSUMPTIONS.sources) == 4
    assert a.replace(watts=10.0).watts == 10.0


@pytest.mark.parametrize("changes", [{"watts": -1.0}, {"pue": 0.5}, {"grid_gco2_per_kwh": float("nan")},
                                     {"price_per_kwh": -0.1}])
def test_assumptions_reject_bad_numbers(changes):
    with pytest.raises(ValueError, match="must be a finite number"):
        compute.Assumptions(**changes)


def test_energy_rejects_negative_time():
    with pytest.raises(ValueError, match=">= 0"):
        compute.energy_kwh(-1.0)
    with pytest.raises(ValueError, match=">= 0"):
        compute.co2_grams(float("inf"))


def test_halving_cost_along_the_imagenet_trend():
    # error = 0.5 * F^(-1/9): halving the error needs 2^9 = 512x the compute (Thompson et al.)
    f = np.geomspace(1e9, 1e15, 5)
    fit = compute.fit_power_law(f, 0.5 * f ** (-1 / 9))
    err_now = float(0.5 * 1e12 ** (-1 / 9))
    a = compute.Assumptions(watts=200.0, pue=1.2, grid_gco2_per_kwh=300.0, price_per_kwh=0.25)
    est = compute.halving_cost(fit, err_now, flops_per_second=1e11, assumptions=a)
    assert est.factor == pytest.approx(512.0, rel=1e-6)
    assert est.flops == pytest.approx(512e12, rel=1e-6)
    assert est.target_error == pytest.approx(err_now / 2)
    assert est.seconds == pytest.approx(512e12 / 1e11, rel=1e-6)
    kwh = est.seconds * 200.0 * 1.2 / 3.6e6
    assert est.kwh == pytest.approx(kwh, rel=1e-9)
    assert est.gco2 == pytest.approx(kwh * 300.0, rel=1e-9)
    assert est.money == pytest.approx(kwh * 0.25, rel=1e-9)
    with pytest.raises(ValueError, match="current_error"):
        compute.halving_cost(fit, 1.5, 1e9)
    with pytest.raises(ValueError, match="factor"):
        compute.halving_cost(fit, 0.5, 1e9, factor=1.0)
    flat = compute.fit_power_law(f, f ** 0.01)
    assert compute.halving_cost(flat, 0.5, 1e9).flops == math.inf


# --------------------------------------------------------------------------- the ladder

@pytest.fixture(scope="module")
def mnist1d():
    return data.load("mnist1d")


def test_cost_ladder_measures_flops_time_and_error(mnist1d):
    rungs = (poa.Rung(4, 100, 20), poa.Rung(16, 200, 40))
    ladder = poa.CostLadder(mnist1d, rungs, target_error=0.99, chunks=2)
    msgs = list(ladder.steps())
    assert [round(f, 6) for f, _ in msgs][-1] == 1.0
    assert len(ladder.results) == 2
    d, K = mnist1d.n_features, mnist1d.n_classes
    for r in ladder.results:
        n, m = r.rung.n_train, r.rung.width
        # matmul FLOPs by hand: forward x W1, h W2; backward dW2, dh, dW1 (no dx needed)
        matmuls = 2 * n * (2 * d * m + 3 * m * K)
        assert matmuls <= r.flops_per_step <= 1.5 * matmuls + 100 * r.params
        assert r.params == d * m + m + m * K + K
        assert r.flops == pytest.approx(r.rung.steps * r.flops_per_step)
        assert 0.0 <= r.test_error <= 1.0 and len(r.errors) == 2
        assert r.seconds > 0
        # a target of 0.99 is met at the first evaluation
        assert r.flops_to_target == pytest.approx(r.chunk_steps * r.flops_per_step)
    never = poa.CostLadder(mnist1d, rungs[:1], target_error=1e-6, chunks=2).run()  # compiled
    assert math.isnan(never[0].flops_to_target) and math.isnan(never[0].seconds_to_target)


def test_cost_ladder_rejects_bad_settings(mnist1d):
    with pytest.raises(ValueError, match="training examples"):
        poa.CostLadder(mnist1d, (poa.Rung(4, 10**6, 10),))
    with pytest.raises(ValueError, match="target_error"):
        poa.CostLadder(mnist1d, (poa.Rung(4, 10, 10),), target_error=1.5)
    with pytest.raises(ValueError, match="at least one rung"):
        poa.CostLadder(mnist1d, ())
    assert len(poa.default_ladder(fast=True)) < len(poa.default_ladder())


def test_importing_hardtrain_asks_for_full_float32_matmuls_unless_the_user_chose():
    from hardtrain import config

    # The package was imported above: without a user setting, full precision is in effect.
    assert jax.config.jax_default_matmul_precision == "highest"
    try:
        jax.config.update("jax_default_matmul_precision", "bfloat16")  # the user's own choice
        assert config.use_full_precision_matmuls() == "bfloat16"
        jax.config.update("jax_default_matmul_precision", None)  # no choice
        assert config.use_full_precision_matmuls() == "highest"
    finally:
        jax.config.update("jax_default_matmul_precision", "highest")


def test_exponent_interval_matches_the_textbook_ols_interval():
    """The 95% interval of alpha = -1/k from the OLS slope interval, re-derived by hand."""
    from scipy import stats

    x = np.array([7e7, 4e8, 2e9, 1.3e10, 7e10])
    y = np.array([0.751, 0.740, 0.597, 0.537, 0.428])
    fit = compute.fit_power_law(x, y)
    lx, ly = np.log(x), np.log(y)
    sxx = np.sum((lx - lx.mean()) ** 2)
    k = np.sum((lx - lx.mean()) * (ly - ly.mean())) / sxx
    resid = ly - (ly.mean() + k * (lx - lx.mean()))
    se = np.sqrt(np.sum(resid ** 2) / (len(x) - 2) / sxx)
    t = stats.t.ppf(0.975, len(x) - 2)
    lo, hi = compute.compute_exponent_interval(fit)
    assert lo == pytest.approx(-1 / (k - t * se), rel=1e-9)
    assert hi == pytest.approx(-1 / (k + t * se), rel=1e-9)
    assert lo < compute.compute_exponent(fit) < hi
    # a slope interval that reaches 0: the error might not fall, the upper end is infinite
    flat = compute.fit_power_law([1, 10, 100, 1000], [0.5, 0.52, 0.47, 0.49])
    assert compute.compute_exponent_interval(flat)[1] == np.inf
    assert np.isnan(compute.compute_exponent_interval(compute.fit_power_law([1, 10], [0.5, 0.4]))[0])
    with pytest.raises(ValueError, match="level"):
        compute.compute_exponent_interval(fit, level=1.5)
