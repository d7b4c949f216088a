"""hardtrain.hardness.relaxation: GD restarts against the exact solver's ground truth."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from hardtrain import hardness as hd


def thresholded_errors(r, X, y, i):
    """Misclassified points of restart i's network with every unit thresholded, by hand."""
    h = np.where(X @ r.W[i] + r.b[i] > 0, 1.0, -1.0)
    z = h @ r.v[i] + r.v0[i] if r.output == "any" else h.sum(1) - (r.width - 1)
    return int(np.sum(np.where(z > 0, 1, -1) != y))


def test_unsplittable_instance_never_solved_by_two_hidden_units():
    X, y = hd.blum_rivest_dataset(*hd.TRIANGLE)
    assert hd.fit_threshold_network(X, y, "any") is None  # ground truth: no 3-node network
    r = hd.fit_threshold_network_gd(X, y, restarts=32, steps=200, key=jax.random.key(0), width=2)
    assert r.success_rate == 0.0 and np.all(r.errors >= 1)
    assert r.errors.shape == (32,) and r.error_rates.shape == (32,)
    for i in range(0, 32, 5):
        assert r.errors[i] == thresholded_errors(r, X.astype(float), y, i)


def test_extra_hidden_units_make_it_easy_and_results_are_verified():
    X, y = hd.blum_rivest_dataset(*hd.TRIANGLE)
    r = hd.fit_threshold_network_gd(X, y, restarts=32, steps=200, key=jax.random.key(0), width=8)
    assert r.success_rate > 0.5
    assert r.success_rate == pytest.approx(np.mean(r.errors == 0))
    assert 0.0 <= r.success_rate <= 1.0 and r.n_success == int(np.sum(r.errors == 0))
    for i in np.flatnonzero(r.errors == 0)[:5]:
        assert thresholded_errors(r, X.astype(float), y, i) == 0


def test_same_key_same_result_and_restarts_differ():
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE)
    a = hd.fit_threshold_network_gd(X, y, 32, 200, jax.random.key(3), width=2)
    b = hd.fit_threshold_network_gd(X, y, 32, 200, jax.random.key(3), width=2)
    np.testing.assert_array_equal(a.errors, b.errors)
    np.testing.assert_array_equal(a.W, b.W)
    assert np.unique(a.W[:, 0, 0]).size > 1


def test_loop_of_single_restarts_matches_vmapped():
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE)
    key = jax.random.key(7)
    # 64 restarts: on a CPU they run as two vmapped blocks of 32 (hardness.relaxation.CPU_BLOCK)
    r = hd.fit_threshold_network_gd(X, y, 64, 200, key, width=2)
    keys = jax.random.split(key, 64)
    for i in (0, 33, 63):
        err, loss = hd.gd_single_restart(X, y, 200, keys[i], width=2)
        assert err == r.errors[i]
        assert loss == pytest.approx(r.final_loss[i], rel=1e-4, abs=1e-6)


def test_error_history_is_each_restart_stopped_early():
    """history[r, j] must be what restart r's network misclassifies after j*k steps: the same
    restart run alone for j*k steps (an independent compiled program) says so."""
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE, gadget=True)
    key = jax.random.key(5)
    r = hd.fit_threshold_network_gd(X, y, 8, 100, key, width=2, history_every=25)
    assert r.error_history.shape == (8, 5) and r.history_every == 25
    np.testing.assert_array_equal(r.error_history[:, -1], r.errors)  # step 100 = the end
    keys = jax.random.split(key, 8)
    for i in (0, 3, 7):
        for j in (1, 2, 3):
            assert hd.gd_single_restart(X, y, 25 * j, keys[i], width=2)[0] == r.error_history[i, j]
    assert np.any(r.error_history[:, 0] != r.errors)  # training moved some restarts
    plain = hd.fit_threshold_network_gd(X, y, 8, 100, key, width=2)
    assert plain.error_history is None and plain.history_every == 0
    np.testing.assert_array_equal(plain.errors, r.errors)  # recording changes nothing
    odd = hd.fit_threshold_network_gd(X, y, 8, 90, key, width=2, history_every=40)  # 90 = 2 x 40 + 10
    assert odd.error_history.shape == (8, 3)
    with pytest.raises(ValueError, match="history_every"):
        hd.fit_threshold_network_gd(X, y, 8, 100, key, history_every=-1)


def test_and_output():
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE, gadget=False)
    r = hd.fit_threshold_network_gd(X, y, 32, 200, jax.random.key(0), width=2, output="and")
    for i in range(32):
        assert r.errors[i] == thresholded_errors(r, X.astype(float), y, i)


@pytest.mark.parametrize("kw, fragment", [
    (dict(restarts=0), "restarts"), (dict(steps=1.5), "steps"), (dict(width=0), "width"),
    (dict(learning_rate=0.0), "learning_rate"), (dict(output="or"), "output"),
])
def test_validation(kw, fragment):
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE)
    args = dict(restarts=2, steps=5, key=jax.random.key(0))
    args.update(kw)
    with pytest.raises(ValueError, match=fragment):
        hd.fit_threshold_network_gd(X, y, **args)
    with pytest.raises(ValueError, match="labels"):
        hd.fit_threshold_network_gd(X, (y + 1) // 2, 2, 5, jax.random.key(0))
