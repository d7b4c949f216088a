"""The experiments layer: presets, the one precomputed-results module, and lab 1-2 experiments
checked against closed forms and the package's exact solvers."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from hardtrain import hardness as hd
from hardtrain.experiments import base, precomputed, product_loss, reduction, scaling


@dataclasses.dataclass(frozen=True)
class _Config(base.Presets):
    width: int = 32
    steps: int = 300
    seed: int = 0

    @classmethod
    def tiny(cls):
        return cls(steps=10)


def test_session_preset_live_takes_every_override():
    assert base.session_preset(_Config, fast=False, steps=50, seed=3) == _Config(32, 50, 3)


def test_session_preset_fast_keeps_what_tiny_shrinks_and_takes_the_rest():
    assert base.session_preset(_Config, fast=True, steps=500, seed=3) == _Config(32, 10, 3)


def test_session_preset_reads_fast_mode_from_the_environment(monkeypatch):
    monkeypatch.setenv("HARDTRAIN_FAST", "1")
    assert base.session_preset(_Config).steps == 10
    monkeypatch.setenv("HARDTRAIN_FAST", "0")
    assert base.session_preset(_Config).steps == 300


def test_session_preset_refuses_an_unknown_field():
    with pytest.raises(TypeError, match="no field"):
        base.session_preset(_Config, fast=True, depth=3)


def test_precomputed_round_trip_converts_numpy_and_records_provenance(tmp_path):
    doc = {"provenance": precomputed.provenance("cmd --x", seed=7),
           "result": {"a": np.arange(3, dtype=np.int64), "b": np.float32(0.5), "ok": np.bool_(True)}}
    path = precomputed.save(tmp_path / "sub" / "r.json", doc)
    back = precomputed.load("r.json", folder=tmp_path / "sub")
    assert back["result"] == {"a": [0, 1, 2], "b": 0.5, "ok": True}
    prov = back["provenance"]
    assert prov["command"] == "cmd --x" and prov["seed"] == 7
    assert {"jax", "numpy", "hardtrain"} <= set(prov["versions"]) and prov["machine"]["cpu_count"] >= 1
    assert json.loads(path.read_text())["result"]["a"] == [0, 1, 2]


def test_precomputed_load_names_the_command_when_a_file_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m hardtrain.experiments precompute lab3"):
        precomputed.load("absent.json", folder=tmp_path, lab="lab3")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        precomputed.load("bad.json", folder=tmp_path)


def test_shipped_assets_load_through_the_one_loader():
    for lab, name in (("lab3", "double_descent_rf.json"), ("lab4", "pruning_study.json")):
        doc = precomputed.load(name, lab=lab)
        assert "provenance" in doc and doc["provenance"]["command"]


def test_playground_first_step_is_the_hand_computed_gradient_step():
    lr, (a0, w0) = 0.1, (0.5, 1.5)
    res = product_loss.run(product_loss.PlaygroundConfig(learning_rate=lr, start=(a0, w0), starts=1, steps=1))
    r = a0 * w0 - 1.0  # dL/da = 2 r w, dL/dw = 2 r a
    assert res.trajectory_a[0, 1] == pytest.approx(a0 - lr * 2 * r * w0, rel=1e-6)
    assert res.trajectory_w[0, 1] == pytest.approx(w0 - lr * 2 * r * a0, rel=1e-6)


def test_playground_start_on_the_diagonal_slides_into_the_saddle():
    res = product_loss.run(product_loss.PlaygroundConfig(start=(1.0, -1.0), starts=1, steps=200))
    assert abs(res.trajectory_a[0, -1]) < 1e-6 and abs(res.trajectory_w[0, -1]) < 1e-6
    assert res.final_losses[0] == pytest.approx(1.0)


def test_playground_starts_are_seeded_and_clipped_to_the_box():
    c = product_loss.PlaygroundConfig(start=(2.5, -2.5), starts=8, seed=4)
    s1, s2 = product_loss.jittered_starts(c), product_loss.jittered_starts(c)
    assert np.array_equal(s1["a"], s2["a"]) and (s1["a"][0], s1["w"][0]) == (2.5, -2.5)
    assert np.all(np.abs(s1["a"]) <= product_loss.LIMIT) and np.all(np.abs(s1["w"]) <= product_loss.LIMIT)
    with pytest.raises(ValueError, match="optimizer"):
        product_loss.run(dataclasses.replace(c, optimizer="sgd!"))


def test_decision_without_the_gadget_finds_a_cheating_network_on_the_triangle():
    d = reduction.decide(*hd.TRIANGLE, gadget=False, output="any")
    assert not d.splittable and d.network is not None
    assert bool((d.network.predict(d.X) == d.y).all())
    if d.readback is not None:  # an OR network: its colouring cannot be a splitting
        assert not d.readback_is_splitting


def test_decision_reads_a_cnf_assignment_that_satisfies_the_formula():
    clauses, n_vars = ((1, 2, -3), (-1, 3), (-2, -3)), 3
    n, subsets = hd.cnf_to_set_splitting(clauses, n_vars)
    d = reduction.decide(n, subsets, cnf=(clauses, n_vars))
    assert d.splittable and d.satisfied and hd.is_satisfied(clauses, d.assignment)


def test_scaling_sizes_follow_the_config():
    c = scaling.ScalingConfig(max_n=10)
    assert c.sizes() == [4, 6, 8, 10] and c.sizes(5) == [4]
