"""Tests of lab 4's self-checks (hardtrain.exercises.lab4).

Ground truth, independent of the checkers:
  - lab4.lottery_rounds: the smallest r with 0.8^r <= 0.1 from logarithms.
  - lab4.compression: the parameter count of a 40-100-100-10 MLP by hand.
  - lab4.synflow_sum: R = 1^T (0.5 J)(0.5 J) 1 summed by hand (conservation: each layer's
    scores add up to R).
  - lab4.inversion: the precomputed study's JSON read here with the json module.
  - lab4.layer_budget: the weights kept per layer of a 40-100-100-10 MLP counted by hand.
A wrong or malformed answer is rejected, and its message never contains the expected answer.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from hardtrain import exercises

ROOT = Path(__file__).resolve().parents[2]
ASSET = ROOT / "assets" / "lab4" / "pruning_study.json"


def lottery_truth():
    return math.ceil(math.log(1 - 0.9) / math.log(0.8))


def compression_truth():
    sizes = (40, 100, 100, 10)
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    biases = sum(sizes[1:])
    remaining = weights - round(0.95 * weights) + biases
    return (weights + biases) / remaining


def synflow_truth():
    return float(np.ones(4) @ np.full((4, 3), 0.5) @ np.full((3, 2), 0.5) @ np.ones(2))


def inversion_truth():
    study = json.loads(ASSET.read_text())
    abl = study["ablations"]
    key = max(abl, key=float)
    names = {1: "magnitude", 2: "snip", 3: "grasp", 4: "synflow"}
    drops = {k: np.mean(abl[key][m]["original"]) - np.mean(abl[key][m]["inverted"]) for k, m in names.items()}
    return max(drops, key=drops.get), drops


def assert_rejected(ex_id, answer, truth_texts):
    fb = exercises.check(ex_id, answer)
    assert not fb.correct, (ex_id, answer)
    for t in truth_texts:
        assert t not in fb.message, f"{ex_id}: message reveals {t!r}: {fb.message}"
    return fb


def test_lab4_exercises_are_registered_with_hints():
    ids = [i for i, _ in exercises.list_exercises(lab=4)]
    assert ids == ["lab4.inversion", "lab4.compression", "lab4.lottery_rounds", "lab4.layer_budget",
                   "lab4.synflow_sum"]
    for i in ids:
        assert exercises.hint(i) and exercises.hint(i, 5)


def test_lottery_rounds():
    truth = lottery_truth()
    assert exercises.check("lab4.lottery_rounds", truth).correct
    assert exercises.check("lab4.lottery_rounds", float(truth)).correct
    for wrong in (truth - 1, truth + 1, 5, 1):
        fb = assert_rejected("lab4.lottery_rounds", wrong, [str(truth)])
        if wrong == 5:
            assert "ORIGINAL" in fb.message  # the linear-schedule mistake gets its own message
    for bad in ("11 rounds", None, 2.5, 0, float("nan"), (1, 2)):
        assert_rejected("lab4.lottery_rounds", bad, [str(truth)])


def test_compression():
    truth = compression_truth()
    assert truth == pytest.approx(15210 / 960)
    assert exercises.check("lab4.compression", truth).correct
    assert exercises.check("lab4.compression", round(truth, 2)).correct
    shown = [f"{truth:.1f}", f"{truth:.2f}", "960", "15210"]
    fb = assert_rejected("lab4.compression", 20.0, shown)  # weights only
    assert "biases" in fb.message
    for wrong in (truth * 1.05, 0.5, 100.0):
        assert_rejected("lab4.compression", wrong, shown)
    for bad in (-3.0, "lots", [1.0, 2.0], float("inf")):
        assert_rejected("lab4.compression", bad, shown)


def test_synflow_sum():
    truth = synflow_truth()
    assert exercises.check("lab4.synflow_sum", truth).correct
    for wrong in (0.5, 0.25, truth / 2, truth + 1):
        assert_rejected("lab4.synflow_sum", wrong, [f"{truth:g}"])
    for bad in ("six", None, {"a": 1}):
        assert_rejected("lab4.synflow_sum", bad, [f"{truth:g}"])


def test_inversion_follows_the_precomputed_study():
    truth, drops = inversion_truth()
    assert exercises.check("lab4.inversion", truth).correct
    names = {1: "magnitude", 2: "SNIP", 3: "GraSP", 4: "SynFlow"}
    for k in (1, 2, 3, 4):
        if k != truth:
            assert_rejected("lab4.inversion", k, [names[truth]])
    for bad in (0, 5, 2.5, "snip", None):
        fb = assert_rejected("lab4.inversion", bad, [])
        assert "1 to 4" in fb.message



def test_layer_budget_counts_each_layer_by_its_size():
    kept = 0.20 * 40 * 100 + 0.02 * 100 * 100 + 0.50 * 100 * 10
    truth = 100 * (1 - kept / (4000 + 10000 + 1000))  # 90.0
    assert exercises.check("lab4.layer_budget", truth).correct
    assert exercises.check("lab4.layer_budget", round(truth, 1)).correct
    wrong = {100 - 100 * (0.20 + 0.02 + 0.50) / 3: "averaged", 100 - truth: "KEPT", 95: "Not that"}
    for answer, phrase in wrong.items():
        fb = exercises.check("lab4.layer_budget", answer)
        assert not fb.correct and phrase in fb.message, (answer, fb.message)
        assert "90" not in fb.message
    for bad in (150, -3, "most"):
        fb = exercises.check("lab4.layer_budget", bad)
        assert not fb.correct and "90" not in fb.message
    for i in range(2):
        assert "90" not in exercises.hint("lab4.layer_budget", i)
