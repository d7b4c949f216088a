"""hardtrain.hardness.irrational: the exact optimum, checked symbolically and numerically."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

from hardtrain import hardness as hd


def loss4(theta):
    """L(a, w) written out by hand for theta = (a1, a2, w1, w2)."""
    a1, a2, w1, w2 = theta
    r1, r2 = max(w1, 0.0), max(w2, 0.0)
    return (2 - a1 * r1) ** 2 + (1 - a2 * r1) ** 2 + (1 - a1 * r2) ** 2 + (1 - a2 * r2) ** 2


def test_symbolic_values():
    opt = hd.irrational_optimum()
    s5 = sp.sqrt(5)
    assert sp.simplify(opt.loss_expr - (7 - 3 * s5) / 2) == 0
    assert sp.simplify(opt.ratio_expr - (s5 - 1) / 2) == 0
    assert not opt.ratio_expr.is_rational and not opt.loss_expr.is_rational
    assert opt.loss == pytest.approx(0.14589803375, rel=1e-10)
    # Eckart-Young, independently: the smaller singular value of Y, squared
    sv = np.linalg.svd(np.array([[2.0, 1.0], [1.0, 1.0]]), compute_uv=False)
    assert opt.loss == pytest.approx(sv[-1] ** 2, rel=1e-12)
    assert loss4(np.concatenate([opt.a, opt.w])) == pytest.approx(opt.loss, rel=1e-9)
    assert {k: v[1] for k, v in opt.plateaus.items()} == pytest.approx(
        {"both active (optimum)": opt.loss, "only x1 active": 2.0, "only x2 active": 5.0,
         "none active": 7.0})


def test_numerical_minimiser_agrees():
    rng = np.random.default_rng(0)
    best = min((minimize(loss4, rng.normal(size=4) + np.array([0, 0, 1.5, 1.5]), method="BFGS")
                for _ in range(20)), key=lambda r: r.fun)
    opt = hd.irrational_optimum()
    assert best.fun == pytest.approx(opt.loss, abs=1e-7)
    assert best.x[3] / best.x[2] == pytest.approx(opt.ratio, abs=1e-4)


def test_profile_loss_matches_minimisation_over_a():
    rng = np.random.default_rng(1)
    for w in rng.normal(size=(8, 2)):
        num = minimize(lambda a: loss4(np.concatenate([a, w])), np.zeros(2)).fun
        assert hd.profile_loss(w[0], w[1]) == pytest.approx(num, abs=1e-6)
    assert hd.profile_loss(-1.0, -2.0) == pytest.approx(7.0)
    assert hd.profile_loss(1.0, -2.0) == pytest.approx(2.0)
    assert hd.profile_loss(-1.0, 2.0) == pytest.approx(5.0)


def test_relu_example_loss_numpy_matches_hand():
    rng = np.random.default_rng(2)
    th = rng.normal(size=(5, 4))
    got = hd.relu_example_loss(th[:, :2], th[:, 2:])
    np.testing.assert_allclose(got, [loss4(t) for t in th], rtol=1e-12)


def test_best_rational_weights_never_optimal():
    opt = hd.irrational_optimum()
    prev = None
    for D in (1, 3, 8, 21, 100):
        r, loss = hd.best_rational_weights(D)
        assert r.denominator <= D and isinstance(loss, Fraction)
        # exact loss of this rational ratio, recomputed with the profile formula
        assert float(loss) == pytest.approx(float(hd.profile_loss(1.0, float(r))), rel=1e-9)
        assert loss > sp.Rational(0) and float(loss) > opt.loss
        # no fraction with a small denominator does better (brute force)
        brute = min(float(hd.profile_loss(q, p)) for q in range(1, D + 1) for p in range(1, 2 * q + 1))
        assert float(loss) <= brute + 1e-12
        if prev is not None:
            assert loss <= prev
        prev = loss
    with pytest.raises(ValueError):
        hd.best_rational_weights(0)


def test_gd_lands_on_plateaus():
    run = hd.irrational_gd(seeds=128, steps=1500, learning_rate=0.05, seed=0)
    assert sum(run.counts.values()) == 128
    opt = hd.irrational_optimum()
    assert 0 < run.found_optimum_rate < 0.5  # a minority finds the optimum
    ok = np.abs(run.final_loss - opt.loss) < 1e-3
    np.testing.assert_allclose(run.ratio[ok], opt.ratio, atol=1e-2)
    # final losses recomputed from the final weights
    np.testing.assert_allclose(run.final_loss, [loss4(np.concatenate([a, w])) for a, w in zip(run.a, run.w)],
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError):
        hd.irrational_gd(seeds=0)
