"""Tests of lab 3's self-checks (hardtrain.exercises.lab3).

Ground truth, independent of the checkers: the interpolation threshold N = n is the smallest
feature count for which an (n x N) generic feature matrix has rank n (checked with NumPy's
matrix_rank on random ReLU features); the lazy-training exponent -1/2 (Jacot et al. 2018), also
measured with a small LazyTrainingSweep; the textbook 2mkn for a matmul; 2^9 for halving the
error on a 9th-power trend; the CO2 of the stated run by hand (hours x kW x PUE x kg/kWh).
Messages for wrong or malformed answers and the hints never contain the answer.
"""

from __future__ import annotations

import numpy as np
import pytest

from hardtrain import exercises

IDS = ("lab3.interpolation_threshold", "lab3.lazy_exponent", "lab3.matmul_flops", "lab3.halving_cost",
       "lab3.training_co2")

RIGHT = {
    "lab3.interpolation_threshold": 480,  # 500 samples, 20 of them copies
    "lab3.lazy_exponent": 4.0,  # (4096 / 256) ** 0.5

    "lab3.matmul_flops": 2 * 64 * 128 * 32,
    "lab3.halving_cost": (0.10 / 0.07) ** 9,  # 24.8
    "lab3.training_co2": 3.0 * 0.300 * 1.5 * 0.400,
}

FORBIDDEN = {
    "lab3.interpolation_threshold": ["480"],
    "lab3.lazy_exponent": ["4.0", "sqrt(16)", "factor of 4", " 4 "],
    "lab3.matmul_flops": ["524288", "524,288", "524 288"],
    "lab3.halving_cost": ["24.8", "24.81", "1.43"],
    "lab3.training_co2": ["0.54", "540", "0,54"],
}

WRONG = {  # (answer, a phrase the targeted message must contain)
    "lab3.interpolation_threshold": [(500, "copies included"), (520, "distinct samples again"),
                                     (48, "divided"), (4800, "multiplied"), (40, "input dimension"),
                                     (123, "Not there")],
    "lab3.lazy_exponent": [(0.25, "Upside down"), (16, "ratio of the widths"), (2.0, "Wrong power"),
                           (256, "Wrong power"), (1.0, "not depend"), (3.0, "Not that")],
    "lab3.matmul_flops": [(64 * 128 * 32, "multiply-add once"), (64 * 32, "entries"), (7, "Not that")],
    "lab3.halving_cost": [(512, "halving"), (9 / 0.7, "multiplied the improvement"),
                          (9 ** (1 / 0.7), "exponent to the power"), ((1 / 0.3) ** 9, "size of the cut"),
                          ((1 / 0.7) ** 4, "lower bound"), (0.04, "not less"), (3, "Not that")],
    "lab3.training_co2": [(540, "kilograms"), (0.36, "PUE"), (0.00054, "1000"), (9.0, "Not that")],
}


def assert_hides(eid, text):
    for s in FORBIDDEN[eid]:
        assert s not in text, f"{eid}: {s!r} revealed in {text!r}"


def test_all_lab3_exercises_are_registered():
    listed = dict(exercises.list_exercises(lab=3))
    assert set(IDS) <= set(listed)


def test_interpolation_threshold_is_where_the_features_reach_full_rank():
    rng = np.random.default_rng(0)
    n, d = 60, 40  # the same argument at a size NumPy checks quickly
    x = rng.standard_normal((n, d))
    w = rng.standard_normal((d, 2 * n))
    phi = np.maximum(x @ w, 0)
    ranks = [np.linalg.matrix_rank(phi[:, :N]) for N in (n - 1, n, n + 1)]
    assert ranks == [n - 1, n, n]  # N = n is the first width that can fit any labels exactly
    # with copies: 6 of the 60 samples repeat others; the rank, hence the threshold, is 54
    xc = np.concatenate([x[:54], x[:6]])
    phic = np.maximum(xc @ w, 0)
    ranks = [np.linalg.matrix_rank(phic[:, :N]) for N in (53, 54, 60, 120)]
    assert ranks == [53, 54, 54, 54]
    # and the min-norm fit reaches zero training error from N = 54 on, for any labels of the distinct rows
    y = np.concatenate([rng.standard_normal(54), np.zeros(6)])
    y[54:] = y[:6]  # a copy has the same label
    for N, fits in ((53, False), (54, True)):
        b = np.linalg.pinv(phic[:, :N]) @ y
        assert (np.abs(phic[:, :N] @ b - y).max() < 1e-6) == fits


def test_lazy_exponent_matches_a_measured_slope():
    from hardtrain import compute, data
    from hardtrain.experiments.lazy_training import LazyTrainingSweep

    ds = data.load("mnist1d")
    r = LazyTrainingSweep(ds, (64, 1024), n_train=64, steps=20, seeds=(0,)).run()
    slope = compute.fit_power_law(r.widths, r.mean("relative_change")).exponent
    assert abs(slope + 0.5) < 0.15  # the scaling the question builds on, measured independently
    measured = (4096 / 256) ** (-slope)
    assert exercises.check("lab3.lazy_exponent", measured).correct == (abs(measured - 4.0) <= 0.04)


def test_right_answers_are_accepted():
    for eid, answer in RIGHT.items():
        fb = exercises.check(eid, answer)
        assert fb.correct, (eid, fb.message)


@pytest.mark.parametrize("eid", IDS)
def test_wrong_answers_get_targeted_messages_without_the_answer(eid):
    for answer, phrase in WRONG[eid]:
        fb = exercises.check(eid, answer)
        assert not fb.correct, (eid, answer)
        assert phrase in fb.message, (eid, answer, fb.message)
        assert_hides(eid, fb.message)
        assert_hides(eid, fb._repr_html_())
    for i in range(2):
        assert_hides(eid, exercises.hint(eid, i))


@pytest.mark.parametrize("eid", IDS)
@pytest.mark.parametrize("bad", ["many", (1.0, 2.0), float("nan"), None])
def test_malformed_answers_are_rejected_with_the_expected_form(eid, bad):
    fb = exercises.check(eid, bad)
    assert not fb.correct
    assert_hides(eid, fb.message)


@pytest.mark.parametrize("eid", ["lab3.interpolation_threshold", "lab3.matmul_flops", "lab3.halving_cost",
                                 "lab3.training_co2"])
def test_non_positive_answers_are_malformed(eid):
    fb = exercises.check(eid, -1)
    assert not fb.correct and "positive" in fb.message
