"""The pruning study's training protocol, checked against an independent loop written here.

Ground truth: a plain Python loop of Kingma & Ba's Adam direction (``optax.scale_by_adam``)
times a learning rate chosen per step, with the masks re-applied after every step, over the
study's own batch order. It checks that fine-tuning holds the schedule's final rate, that
learning-rate rewinding replays the schedule's last T - k steps from the trained weights, that
weight rewinding restarts from theta_k, that theta_k is the dense run's weights after k steps,
and that the prune-early curve scores theta_k. |GraSP| is checked against an explicit Hessian
(test_pruning.py's float64 ground truth).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from hardtrain import pruning
from hardtrain.experiments import pruning_study

from .test_pruning import _explicit_grasp, data, tiny_net


@pytest.fixture(scope="module")
def study():
    """A tiny study (MNIST-1D, MLP 40-32-32-10, 2 seeds, 60 steps of batch 50), dense run done."""
    config = dataclasses.replace(pruning_study.StudyConfig.tiny(), early_fractions=(0.0, 0.1, 0.25))
    s = pruning_study.Study(config)
    s.dense()
    return s


def reference_run(study, params_batch, mask_batch, start, lrs):
    """Adam's direction times lrs[t], masks re-applied, over batches[start:start+len(lrs)], per seed."""
    x, y = np.asarray(study.dataset.x_train), np.asarray(study.dataset.y_train)
    adam = optax.scale_by_adam()
    out = []

    @jax.jit
    def step(p, st, rows, lr, m):
        def loss(q):
            logits = study.apply_fn(q, jnp.asarray(x)[rows])
            return optax.softmax_cross_entropy_with_integer_labels(logits, jnp.asarray(y)[rows]).mean()

        d, st = adam.update(jax.grad(loss)(p), st, p)
        p = jax.tree.map(lambda a, b: a - lr * b, p, d)
        if m is not None:
            p = jax.tree.map(lambda a, k: a if k is None else jnp.where(k, a, 0.0), p, m,
                             is_leaf=lambda v: v is None)
        return p, st

    for i in range(len(study.config.seeds)):
        p = study._seed_slice(params_batch, i)
        m = study._seed_slice(mask_batch, i) if mask_batch is not None else None
        if m is not None:
            p = pruning.apply_masks(p, m)
        st = adam.init(p)
        rows_all = np.asarray(study.batches[i])
        for t, lr in enumerate(lrs):
            p, st = step(p, st, rows_all[start + t], jnp.float32(lr), m)
        out.append(p)
    return out


def accuracies(study, params_list):
    return [float(np.mean(np.argmax(np.asarray(study.apply_fn(p, study.dataset.x_test)), -1)
                          == np.asarray(study.dataset.y_test))) for p in params_list]


def test_theta_k_is_the_dense_run_after_k_steps(study):
    c = study.config
    k = c.early_steps[1]
    want = reference_run(study, study.params0, None, 0, study.learning_rates[:k])
    got = study.theta(k)
    for i, w in enumerate(want):
        for a, b in zip(jax.tree.leaves(study._seed_slice(got, i)), jax.tree.leaves(w)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="theta_k is kept for k in"):
        study.theta(7)


def test_schedule_is_a_cosine_from_the_peak_to_one_percent(study):
    c = study.config
    lrs = study.learning_rates
    assert lrs[0] == pytest.approx(c.learning_rate)
    assert np.all(np.diff(lrs) <= 0)
    t = c.steps - 1
    assert lrs[-1] == pytest.approx(c.learning_rate * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * t / c.steps))),
                                    rel=1e-5)


def test_fine_tuning_lr_rewinding_and_weight_rewinding_follow_their_definitions(study):
    """Renda, Frankle & Carbin (ICLR 2020): the three ways to retrain a pruned trained network."""
    c = study.config
    k, T = c.rewind_step, c.steps
    s = c.sparsities[0]
    for _ in study.curve_steps(("after_finetune", "after_lr_rewind", "after_weight_rewind")):
        pass
    theta_k, trained = study.dense()
    masks = study._magnitude_masks(trained, None, s)
    final = float(study.learning_rates[-1])
    cases = {"after_finetune": (trained, [final] * (T - k)),          # the final, smallest rate, held
             "after_lr_rewind": (trained, study.learning_rates[k:]),  # the schedule's last T - k steps
             "after_weight_rewind": (theta_k, study.learning_rates[k:])}  # from theta_k, same schedule
    for name, (start_weights, lrs) in cases.items():
        want = accuracies(study, reference_run(study, start_weights, masks, k, lrs))
        got = study.results["curves"][name]["accuracy"][0]
        np.testing.assert_allclose(got, want, atol=1.5e-3, err_msg=name)
    # the three really differ (the test would not notice a mix-up otherwise)
    ft = reference_run(study, trained, masks, k, [final] * (T - k))
    lr = reference_run(study, trained, masks, k, study.learning_rates[k:])
    diff = max(float(jnp.max(jnp.abs(a - b))) for a, b in zip(jax.tree.leaves(ft[0]), jax.tree.leaves(lr[0])))
    assert diff > 1e-3
    before = study.results["before_retraining"]
    assert before["accuracy"][0] == pytest.approx(study.accuracy(pruning.apply_masks(trained, masks)))


def test_prune_early_scores_theta_k_and_trains_from_it(study):
    c = study.config
    for _ in study.prune_early_steps(("magnitude",)):
        pass
    early = study.results["early"]
    assert early["steps"] == list(c.early_steps) and early["sparsity"] == pytest.approx(c.early_sparsity)
    k = c.early_steps[-1]
    theta = study.theta(k)
    masks = study.at_init_masks("magnitude", c.early_sparsity, theta)
    # the mask ranks |theta_k|, not |theta_0|
    m0 = study.at_init_masks("magnitude", c.early_sparsity)
    assert any(bool(np.any(np.asarray(a) != np.asarray(b)))
               for a, b in zip(jax.tree.leaves(masks), jax.tree.leaves(m0)))
    want = accuracies(study, reference_run(study, theta, masks, k, study.learning_rates[k:]))
    np.testing.assert_allclose(early["accuracy"]["magnitude"][-1], want, atol=1.5e-3)


def test_iterative_lr_rewinding_continues_from_the_last_round(study):
    c = study.config
    rounds = list(study._lottery_steps(2, rewind="lr"))
    assert [r for r, _, _ in rounds] == [1, 2]
    m1, p1, _ = study._imp_lr[1]
    m2, _, acc2 = study._imp_lr[2]
    k = c.rewind_step
    want = accuracies(study, reference_run(study, p1, m2, k, study.learning_rates[k:]))
    np.testing.assert_allclose(acc2, want, atol=1.5e-3)
    # round 2's mask is inside round 1's
    for a, b in zip(jax.tree.leaves(m1), jax.tree.leaves(m2)):
        assert not np.any(np.asarray(b) & ~np.asarray(a))


def test_grasp_abs_is_the_magnitude_of_the_explicit_grasp_score():
    apply_fn, params = tiny_net("tanh", seed=5)
    x, y = data(seed=5)
    got = pruning.score("grasp_abs", params, apply_fn, (x, y))
    want = _explicit_grasp(params, x, y, pruning.GRASP_TEMPERATURE)
    for li, w in enumerate(want):
        g = np.asarray(got["layers"][li]["kernel"], np.float64)
        np.testing.assert_allclose(g, np.abs(w), rtol=1e-3, atol=1e-3 * np.max(np.abs(w)))
    # keeping the largest |w Hg| differs from keeping the largest w Hg
    a = pruning.prune("grasp_abs", params, apply_fn, (x, y), 0.5)
    b = pruning.prune("grasp", params, apply_fn, (x, y), 0.5)
    assert any(bool(np.any(np.asarray(u) != np.asarray(v))) for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def test_imp_sparsities_and_config_checks():
    assert pruning.imp_sparsities((1, 2), 0.5) == pytest.approx((0.5, 0.75))
    full = pruning_study.StudyConfig.full()
    assert full.sparsities == pytest.approx([1 - 0.8 ** r for r in (3, 7, 10, 14, 18)])
    assert full.early_steps == (0, 10, 40, 100, 200, 400) and full.rewind_step == 200
    with pytest.raises(ValueError, match="batch_size must be an integer"):
        pruning_study.StudyConfig(batch_size=5000)
    with pytest.raises(ValueError, match="early_fractions"):
        pruning_study.StudyConfig(early_fractions=(1.0,))
    with pytest.raises(ValueError, match="rounds must be positive"):
        pruning.imp_sparsities((0,))
