"""Tests of hardtrain.exercises: the self-checks of the labs.

Ground truth, independent of the checkers:
  - lab1.symmetries: every combination of a permutation and sign flips in each hidden layer of a
    random tanh net with two hidden layers of 3 units, enumerated in NumPy; we verify that they
    compute the same function and are pairwise distinct, and count them.
  - lab1.saddle: the Hessian of (a w - 1)^2 derived by hand, [[2 w^2, 4 a w - 2], [4 a w - 2, 2 a^2]],
    at the origin, with float64 NumPy eigenvalues.
  - lab1.divergence: the same hand-derived Hessian at (1, 1) gives 2 / lambda_max, and plain GD
    (hardtrain.train.train_many) from starts near (1, 1) converges below that learning rate and
    never reaches the minimum above it.
Messages for wrong or malformed answers must never contain the expected answer.
"""

from __future__ import annotations

import itertools

import dataclasses
import inspect
import math
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardtrain import exercises, landscape
from hardtrain import train as training
from hardtrain.exercises import Exercise, Feedback

SRC = Path(exercises.__file__).resolve().parents[2]

LAB1 = ("lab1.symmetries", "lab1.saddle", "lab1.divergence")

# What each exercise's answer looks like as text: none of these may appear in a message for a
# wrong or malformed answer (nor in a hint).
FORBIDDEN = {
    "lab1.symmetries": ["2304", "2,304", "48^2", "48 ** 2"],
    "lab1.saddle": ["-2", "\u22122", "\u00b12", "+-2"],
    "lab1.divergence": ["0.5", "0,5", "1/2", " .5", "0.50"],
}


def hand_hessian(a: float, w: float) -> np.ndarray:
    """Hessian of (a w - 1)^2, derived by hand."""
    return np.array([[2 * w * w, 4 * a * w - 2], [4 * a * w - 2, 2 * a * a]], np.float64)


def assert_hides_answer(exercise_id: str, text: str) -> None:
    for s in FORBIDDEN[exercise_id]:
        assert s not in text, f"{exercise_id}: the message reveals {s!r}: {text!r}"


# ------------------------------------------------------------------------------- Feedback

def test_feedback_is_a_small_frozen_value():
    fb = Feedback(True, "fine")
    assert fb.correct is True and fb.message == "fine"
    assert bool(fb) and not bool(Feedback(False, "no"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fb.correct = False  # type: ignore[misc]
    assert str(fb).startswith("Correct") and "fine" in str(fb)
    assert str(Feedback(False, "no")).startswith("Not yet")


def test_feedback_html_is_coloured_and_escaped():
    ok = Feedback(True, "a < b & c")._repr_html_()
    bad = Feedback(False, "<script>alert(1)</script>")._repr_html_()
    assert "ht-correct" in ok and "#2e7d32" in ok and "a &lt; b &amp; c" in ok
    assert "ht-wrong" in bad and "#c62828" in bad
    assert "<script>" not in bad and "&lt;script&gt;" in bad


# ------------------------------------------------------------------------------- registry

def test_lab1_has_exactly_the_three_notebook_exercises():
    ids = [i for i, _ in exercises.list_exercises(lab=1)]
    assert ids == list(LAB1)
    for i, question in exercises.list_exercises(lab=1):
        assert isinstance(question, str) and question.endswith(("?", "number.", "order."))
        assert exercises.REGISTRY[i].lab == 1


def test_list_exercises_filters_by_lab():
    every = exercises.list_exercises()
    assert set(LAB1) <= {i for i, _ in every}
    for lab in (2, 3, 4):  # labs in preparation: empty now, their own ids later
        assert all(i.startswith(f"lab{lab}.") for i, _ in exercises.list_exercises(lab))
    assert exercises.list_exercises(99) == []
    for bad in ("lab1", 1.0, True):
        with pytest.raises(ValueError, match="lab number"):
            exercises.list_exercises(bad)


@pytest.fixture
def scratch_exercises():
    """Register throw-away exercises and remove them afterwards."""
    added = []

    def add(ex, **kw):
        added.append(ex.id)
        return exercises.register(ex, **kw)

    yield add
    for i in added:
        exercises.REGISTRY.pop(i, None)


def _ex(id_="lab2.demo", lab=2, checker=lambda a: Feedback(a == 7, "ok" if a == 7 else "no"), hints=("h",)):
    return Exercise(id=id_, lab=lab, question="Which number?", answer_form="a number",
                    checker=checker, hints=hints)


def test_later_labs_can_register(scratch_exercises):
    scratch_exercises(_ex())
    assert ("lab2.demo", "Which number?") in exercises.list_exercises(lab=2)
    assert exercises.check("lab2.demo", 7).correct
    assert not exercises.check("lab2.demo", 8).correct
    assert exercises.hint("lab2.demo") == "h"
    with pytest.raises(ValueError, match="already registered"):
        exercises.register(_ex())
    scratch_exercises(_ex(hints=("h2",)), replace=True)
    assert exercises.hint("lab2.demo") == "h2"


@pytest.mark.parametrize("kwargs, match", [
    ({"id_": "Lab2.demo"}, "look like"),
    ({"id_": "lab2"}, "look like"),
    ({"id_": "lab2.demo", "lab": 3}, "does not match"),
    ({"hints": ()}, "hint"),
])
def test_register_validates(kwargs, match):
    with pytest.raises(ValueError, match=match):
        exercises.register(_ex(**kwargs))
    assert "lab2.demo" not in exercises.REGISTRY and "Lab2.demo" not in exercises.REGISTRY


def test_a_crashing_checker_becomes_feedback(scratch_exercises):
    def boom(answer):
        raise RuntimeError("internal")

    scratch_exercises(_ex(id_="lab2.boom", checker=boom))
    fb = exercises.check("lab2.boom", 1)
    assert not fb.correct and "RuntimeError" in fb.message and "Expected: a number" in fb.message
    scratch_exercises(_ex(id_="lab2.notfeedback", checker=lambda a: True))
    assert not exercises.check("lab2.notfeedback", 1).correct


@pytest.mark.parametrize("bad_id", ["lab1.nope", "", None, 3, ("lab1.saddle",)])
def test_unknown_exercise_ids_give_a_message(bad_id):
    fb = exercises.check(bad_id, 1)
    assert not fb.correct and "lab1.symmetries" in fb.message
    assert "lab1.symmetries" in exercises.hint(bad_id)


def test_hints_exist_go_from_gentle_to_strong_and_hide_the_answer():
    for i in LAB1:
        hints = exercises.REGISTRY[i].hints
        assert len(hints) >= 2
        assert exercises.hint(i) == hints[0]
        assert exercises.hint(i, 1) == hints[1]
        assert exercises.hint(i, 99) == hints[-1] and exercises.hint(i, -5) == hints[0]
        assert exercises.hint(i, "x") == hints[0]
        for h in hints:
            assert_hides_answer(i, h)
    assert "2 / lambda_max" in exercises.hint("lab1.divergence", 1)


def test_answers_are_not_stored_as_literals():
    source = inspect.getsource(exercises.lab1)  # lab 1's checkers: H = 4 gives 384, the stable rate 1/2
    assert not re.search(r"\b384\b", source)
    assert not re.search(r"(?<![\d.])0?\.5\b", source)


def test_core_module_imports_no_widgets_or_plotting():
    code = ("import hardtrain.exercises as e, sys; "
            "e.check('lab1.saddle', (1.0, 2.0)); e.check('lab1.symmetries', 3); "
            "assert 'ipywidgets' not in sys.modules and 'plotly' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith(('ipywidgets', 'plotly')))")
    env = dict(os.environ, PYTHONPATH=str(SRC))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


# ------------------------------------------------------------------------------- lab1.symmetries

def _two_layer_tanh(params, x):
    (w1, b1), (w2, b2), (w3, b3) = params
    return np.tanh(np.tanh(x @ w1 + b1) @ w2 + b2) @ w3 + b3


def test_symmetries_ground_truth_by_enumeration():
    """A random tanh net with two hidden layers of 3 units: every combination of a permutation and
    sign flips in each layer computes the same function, and all are distinct settings (NumPy,
    independent of the package); the check accepts exactly their number."""
    rng = np.random.default_rng(0)
    sizes = (2, 3, 3, 2)
    params = [(rng.standard_normal((a, b)), rng.standard_normal(b)) for a, b in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((8, 2))
    y0 = _two_layer_tanh(params, x)
    moves = [(np.array(p), np.array(sg)) for p in itertools.permutations(range(3))
             for sg in itertools.product((1.0, -1.0), repeat=3)]
    settings_seen = set()
    for (p1, s1) in moves:
        for (p2, s2) in moves:
            (w1, b1), (w2, b2), (w3, b3) = params
            # layer 1: permute and flip columns of W1, b1; rows of W2 follow
            nw1, nb1 = w1[:, p1] * s1, b1[p1] * s1
            nw2 = (w2[p1, :] * s1[:, None])
            # layer 2: permute and flip columns of W2, b2; rows of W3 follow
            nw2, nb2 = nw2[:, p2] * s2, b2[p2] * s2
            nw3 = w3[p2, :] * s2[:, None]
            new = [(nw1, nb1), (nw2, nb2), (nw3, b3)]
            np.testing.assert_allclose(_two_layer_tanh(new, x), y0, atol=1e-12)
            settings_seen.add(tuple(np.round(np.concatenate([a.ravel() for pair in new for a in pair]), 9)))
    assert len(settings_seen) == (2 ** 3 * math.factorial(3)) ** 2 == 2304
    assert exercises.check("lab1.symmetries", len(settings_seen)).correct


@pytest.mark.parametrize("answer", [2304, 2304.0, np.int64(2304), np.float32(2304), jnp.int32(2304),
                                    np.array(2304), np.array([2304]), Fraction(2304), 48 ** 2])
def test_symmetries_accepts_the_count_in_any_numeric_form(answer):
    fb = exercises.check("lab1.symmetries", answer)
    assert fb.correct, fb.message


@pytest.mark.parametrize("answer, fragment", [
    (48, "one hidden layer's symmetries"),
    (96, "added the layers' counts"),
    (2 ** 6 * math.factorial(6), "as one layer"),
    (36, "not the sign flips"),
    (720, "not the sign flips"),
    (64, "sign flips but not the reorderings"),
    (2303, "left out the trained setting"),
    (4608, "factor of 2"),
    (1152, "factor of 2"),
    (384, "single hidden layer of 4 units"),
    (100, "how two layers combine"),
])
def test_symmetries_wrong_answers_get_targeted_hints(answer, fragment):
    fb = exercises.check("lab1.symmetries", answer)
    assert not fb.correct
    assert fragment in fb.message
    assert_hides_answer("lab1.symmetries", fb.message)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-10 ** 6, max_value=10 ** 6).filter(lambda n: n != 2304))
def test_symmetries_never_reveals_the_answer(n):
    fb = exercises.check("lab1.symmetries", n)
    assert not fb.correct
    assert_hides_answer("lab1.symmetries", fb.message)


# ------------------------------------------------------------------------------- lab1.saddle

def test_saddle_ground_truth_by_hand():
    eig = np.linalg.eigvalsh(hand_hessian(0.0, 0.0))
    np.testing.assert_allclose(eig, landscape.hessian_eigenvalues(landscape.product_loss, {"a": 0.0, "w": 0.0}),
                               atol=1e-6)
    assert exercises.check("lab1.saddle", tuple(eig)).correct
    assert exercises.check("lab1.saddle", tuple(eig[::-1])).correct


@pytest.mark.parametrize("answer", [(-2, 2), (2, -2), [2.0, -2.0], np.array([-2.0, 2.0]),
                                    jnp.array([2.0, -2.0]), (2 + 5e-7, -2 - 5e-7),
                                    (Fraction(-2), Fraction(2))])
def test_saddle_accepts_the_pair_in_any_order(answer):
    fb = exercises.check("lab1.saddle", answer)
    assert fb.correct, fb.message


@pytest.mark.parametrize("answer, fragment", [
    ((2, 2), "Both positive"),
    ((-2, -2), "Both negative"),
    ((0, 0), "gradient"),
    (np.zeros(2), "gradient"),
    ([[0, -2], [-2, 0]], "Hessian matrix itself"),
    ([[1, 0], [0, 1]], "not a matrix"),
    ((0, -2), "entries of the Hessian"),
    ((0, 4), "minimum (a, w) = (1, 1)"),
    ((-1, 1), "sizes are off"),
    ((-2.001, 2.0), "Close"),
    ((3, 5), "Not the eigenvalues"),
])
def test_saddle_wrong_answers_get_targeted_hints(answer, fragment):
    fb = exercises.check("lab1.saddle", answer)
    assert not fb.correct
    assert fragment in fb.message
    assert_hides_answer("lab1.saddle", fb.message)


def test_saddle_tolerance_is_1e_minus_6():
    assert exercises.check("lab1.saddle", (-2 + 9e-7, 2 - 9e-7)).correct
    assert not exercises.check("lab1.saddle", (-2 + 2e-6, 2.0)).correct


# ------------------------------------------------------------------------------- lab1.divergence

def test_divergence_threshold_from_the_hand_hessian():
    lam = np.linalg.eigvalsh(hand_hessian(1.0, 1.0))
    np.testing.assert_allclose(lam, [0.0, 4.0], atol=1e-12)
    threshold = 2.0 / lam[-1]
    assert exercises.check("lab1.divergence", threshold).correct
    for inside in (0.981 * threshold, 1.019 * threshold):
        assert exercises.check("lab1.divergence", inside).correct
    for outside in (0.97 * threshold, 1.03 * threshold):
        assert not exercises.check("lab1.divergence", outside).correct


# Starts near the minimum (1, 1), off the hyperbola a w = 1 and off the diagonal a = w.
NEAR = {"a": jnp.array([1.05, 0.97, 1.02, 1.0, 0.95, 1.03], jnp.float32),
        "w": jnp.array([0.97, 1.05, 1.0, 1.02, 1.0, 0.96], jnp.float32)}
STEPS = 2000


def _gd(lr):
    opt = training.make_optimizer("gd", 0.1)
    return training.train_many(landscape.product_loss, NEAR, opt, STEPS,
                               hyperparams={"learning_rate": lr}, max_loss=1e6)


@pytest.mark.parametrize("lr", [0.45, 0.49])
def test_gd_below_the_threshold_converges_to_a_minimum(lr):
    res = _gd(lr)
    assert not np.any(np.asarray(res.diverged))
    assert np.all(np.asarray(res.losses[:, -1]) < 1e-8)
    ends = np.asarray(res.params["a"]) * np.asarray(res.params["w"])
    np.testing.assert_allclose(ends, 1.0, atol=1e-4)


@pytest.mark.parametrize("lr", [0.51, 0.55])
def test_gd_above_the_threshold_never_reaches_a_minimum(lr):
    res = _gd(lr)
    losses = np.asarray(res.losses)
    # Either it blew up (NaN after divergence), or it keeps bouncing: over the last 200 steps the
    # loss never comes near 0 (it settles into an oscillation about the hyperbola a w = 1).
    tail = np.where(np.isnan(losses[:, -200:]), np.inf, losses[:, -200:])
    assert np.all(tail.min(axis=1) > 1e-3)


def test_check_agrees_with_the_simulation():
    assert not exercises.check("lab1.divergence", 0.45).correct  # converges, but not the largest
    assert "still converges" in exercises.check("lab1.divergence", 0.45).message
    assert not exercises.check("lab1.divergence", 0.55).correct
    assert "does not settle" in exercises.check("lab1.divergence", 0.55).message


@pytest.mark.parametrize("answer", [0.5, 0.495, 0.505, np.float32(0.5), jnp.array(0.5), Fraction(1, 2), [0.5]])
def test_divergence_accepts_within_2_percent(answer):
    fb = exercises.check("lab1.divergence", answer)
    assert fb.correct, fb.message


@pytest.mark.parametrize("answer, fragment", [
    (0.25, "jumps to the bottom"),
    (1.0, "not the largest eigenvalue"),
    (4.0, "curvature"),
    (2.0, "curvature"),
    (0.1, "still converges"),
    (0.7, "does not settle"),
])
def test_divergence_wrong_answers_get_targeted_hints(answer, fragment):
    fb = exercises.check("lab1.divergence", answer)
    assert not fb.correct
    assert fragment in fb.message
    assert_hides_answer("lab1.divergence", fb.message)


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=1e-6, max_value=1e3).filter(lambda x: abs(x - 0.5) > 0.011))
def test_divergence_never_reveals_the_answer(x):
    fb = exercises.check("lab1.divergence", x)
    assert not fb.correct
    assert_hides_answer("lab1.divergence", fb.message)


# ------------------------------------------------------------------------------- malformed answers

MALFORMED = {
    "lab1.symmetries": ["2304", None, True, float("nan"), float("inf"), 2304.5, 0, -2304, [2304, 1],
                        {"n": 384}, {384}, 1j, object(), np.array([]), [[1, 2], [3]]],
    "lab1.saddle": ["-2, 2", None, 2.0, (1.0, 2.0, 3.0), (float("nan"), 2.0), (1j, 2), [True, False],
                    {-2: 1, 2: 1}, np.ones((3, 3)), [[1, 2], [3]], object(), ["a", "b"]],
    "lab1.divergence": ["0.5", None, False, float("nan"), -0.5, 0, (0.5, 0.5), 1j, object(), [],
                        np.array([[0.5]]).repeat(2, 0)],
}


@pytest.mark.parametrize("exercise_id, answer",
                         [(i, a) for i, answers in MALFORMED.items() for a in answers],
                         ids=lambda v: type(v).__name__ if not isinstance(v, str) else v)
def test_malformed_answers_say_what_is_expected(exercise_id, answer):
    fb = exercises.check(exercise_id, answer)  # never raises
    assert isinstance(fb, Feedback) and not fb.correct
    assert "Expected:" in fb.message or "not a matrix" in fb.message
    assert_hides_answer(exercise_id, fb.message)
