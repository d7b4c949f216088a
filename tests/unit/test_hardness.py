"""hardtrain.hardness: the Blum-Rivest reduction, the exact solvers, the CNF chain, Judd's loading.

Ground truth: brute-force enumeration of all 2-colourings, an independent evaluation of the
threshold networks written here, a SAT solver run directly on the CNF, and the paper's example.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardtrain import hardness as hd

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def splittings_by_hand(n, subsets):
    """All colourings in {0,1}^n with no monochromatic subset (independent of the package)."""
    return [c for c in itertools.product((0, 1), repeat=n)
            if all(len({c[i] for i in s}) == 2 for s in subsets)]


def classifies(net, X, y):
    """Evaluate a 3-node threshold network by hand: +1 iff a0 + sum a_j z_j > 0."""
    X = np.asarray(X, float)
    out = []
    for x in X:
        h = [1 if float(np.dot(net.W[k], x) + net.b[k]) > 0 else -1 for k in range(2)]
        out.append(1 if float(np.dot(net.v, h) + net.v0) > 0 else -1)
    return np.array_equal(np.array(out), np.asarray(y))


@st.composite
def instances(draw, max_n=6, max_subsets=6):
    n = draw(st.integers(2, max_n))
    m = draw(st.integers(1, max_subsets))
    subsets = [tuple(sorted(draw(st.sets(st.integers(0, n - 1), min_size=2, max_size=n))))
               for _ in range(m)]
    return n, subsets


# ------------------------------------------------------------------------ the construction


def test_paper_example_points_and_labels():
    # Blum & Rivest 1988: S = {1,2,3}, C = {{1,2},{2,3}}: - at 001, 010, 100; + at 000, 110, 011.
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE, gadget=False)
    pts = {("".join(map(str, x)), int(lab)) for x, lab in zip(X, y)}
    assert pts == {("001", -1), ("010", -1), ("100", -1), ("000", 1), ("110", 1), ("011", 1)}
    assert len(X) == 6 and X.dtype.kind == "i" and y.dtype.kind == "i"


def test_paper_example_parsed_from_one_based_text():
    assert hd.parse_hypergraph("1 2 | 2 3") == hd.PAPER_EXAMPLE
    assert hd.format_hypergraph(hd.PAPER_EXAMPLE[1]) == "1 2 | 2 3"


def test_gadget_points():
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE, gadget=True)
    assert X.shape == (12, 6)
    assert np.all(X[:6, 3:] == 0)  # earlier points padded with 000
    gad = {(tuple(x[3:]), int(lab)) for x, lab in zip(X[6:], y[6:])}
    assert np.all(X[6:, :3] == 0)
    assert gad == {((1, 0, 1), 1), ((0, 1, 1), 1), ((1, 0, 0), -1), ((0, 1, 0), -1),
                   ((0, 0, 1), -1), ((1, 1, 1), -1)}


@pytest.mark.parametrize("subsets, fragment", [
    ([(0, 3)], "out of range"),
    ([(0, -1)], "out of range"),
    ([()], "empty"),
    ([(1,)], "one element"),
    ([(0, 1.5)], "integer"),
    ([(0, "a")], "integer"),
    ([], "at least one subset"),
])
def test_invalid_instances_raise_with_reason(subsets, fragment):
    with pytest.raises(ValueError, match=fragment):
        hd.blum_rivest_dataset(3, subsets)


def test_singleton_message_says_both_labels_and_empty_says_equivalence():
    with pytest.raises(ValueError, match="labelled both ways"):
        hd.validate_instance(3, [(2,)])
    with pytest.raises(ValueError, match="equivalence"):
        hd.validate_instance(3, [[]])


@pytest.mark.parametrize("text, fragment", [
    ("1 2 | x 3", "not a whole number"),
    ("1 2 | 2", "one element"),
    ("0 1 | 1 2", "below 1"),
    ("   ", "no subsets"),
    ("1 2 || 2 3", "empty"),
])
def test_parse_hypergraph_errors(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        hd.parse_hypergraph(text)


# ------------------------------------------------------------------------ the equivalences


@SETTINGS
@given(instances())
def test_splittable_iff_networks_exist(inst):
    n, subsets = inst
    truth = splittings_by_hand(n, subsets)
    colours = hd.solve_set_splitting(n, subsets)
    assert (colours is not None) == bool(truth)
    if colours is not None:
        assert tuple(colours) in set(truth)  # the SAT colouring really splits every subset
    Xg, yg = hd.blum_rivest_dataset(n, subsets, gadget=True)
    net_any = hd.fit_threshold_network(Xg, yg, output="any")
    Xp, yp = hd.blum_rivest_dataset(n, subsets, gadget=False)
    net_and = hd.fit_threshold_network(Xp, yp, output="and")
    assert (net_any is not None) == bool(truth)
    assert (net_and is not None) == bool(truth)
    for net, X, y in ((net_any, Xg, yg), (net_and, Xp, yp)):
        if net is not None:
            assert classifies(net, X, y)
            # the reverse proof reads back a colouring that splits every subset
            back = hd.splitting_from_network(n, subsets, net)
            assert tuple(back) in set(truth)


@SETTINGS
@given(instances())
def test_without_gadget_any_output_always_fits(inst):
    n, subsets = inst
    X, y = hd.blum_rivest_dataset(n, subsets, gadget=False)
    net = hd.fit_threshold_network(X, y, output="any")
    assert net is not None and classifies(net, X, y)
    # ... and the slab 1/2 < sum x < 3/2 that makes it possible confines exactly the negatives
    s = X.sum(1)
    assert np.array_equal((s > 0.5) & (s < 1.5), y < 0)


@SETTINGS
@given(instances(max_n=5, max_subsets=5))
def test_forward_proof_weights_classify_every_point(inst):
    n, subsets = inst
    for colours in splittings_by_hand(n, subsets)[:4]:
        for gadget in (True, False):
            X, y = hd.blum_rivest_dataset(n, subsets, gadget=gadget)
            net = hd.network_from_splitting(n, subsets, colours, gadget=gadget)
            assert classifies(net, X, y)
            # the reverse proof recovers the colouring (up to swapping the two colours)
            back = hd.splitting_from_network(n, subsets, net)
            assert tuple(back) in {tuple(colours), tuple(1 - c for c in colours)}


def test_triangle_unsplittable_and_gadget_blocks_the_cheat():
    n, subsets = hd.TRIANGLE
    assert splittings_by_hand(n, subsets) == []
    Xp, yp = hd.blum_rivest_dataset(n, subsets, gadget=False)
    cheat = hd.fit_threshold_network(Xp, yp, output="any")
    assert cheat is not None and cheat.kind == "or" and classifies(cheat, Xp, yp)
    # the colouring read from the cheating network is not a splitting
    assert not hd.is_splitting(subsets, hd.splitting_from_network(n, subsets, cheat))
    Xg, yg = hd.blum_rivest_dataset(n, subsets, gadget=True)
    assert hd.fit_threshold_network(Xg, yg, output="any") is None


def test_network_from_non_splitting_raises():
    with pytest.raises(ValueError, match="monochromatic"):
        hd.network_from_splitting(3, [(0, 1)], [1, 1, 0])


def test_single_plane_is_the_lp():
    X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])
    assert hd.fit_single_plane(X, np.array([-1, -1, -1, 1])) is not None       # AND: separable
    assert hd.fit_single_plane(X, np.array([-1, 1, 1, -1])) is None            # XOR: not
    net = hd.fit_threshold_network(X, np.array([-1, 1, 1, -1]), output="and")  # two planes: yes
    assert net is not None and classifies(net, X, np.array([-1, 1, 1, -1]))


def test_conflicting_labels_give_none():
    X = np.array([[0, 1], [0, 1], [1, 1]])
    y = np.array([1, -1, 1])
    assert hd.fit_threshold_network(X, y, output="any") is None


def test_exact_solver_budget():
    inst = hd.random_instance(14, 35, seed=2)
    X, y = hd.blum_rivest_dataset(*inst)
    with pytest.raises(hd.BudgetExceeded, match="budget") as info:
        hd.fit_threshold_network(X, y, "any", budget_s=1e-3)
    assert info.value.worst_case_lps >= 2 ** (int((y < 0).sum()) - 1)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", [dict(output="xor"), dict(budget_s=0)])
def test_fit_argument_errors(bad):
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE)
    with pytest.raises(ValueError):
        hd.fit_threshold_network(X, y, **bad)


def test_fit_label_errors():
    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hd.fit_threshold_network(X, (y + 1) // 2)
    with pytest.raises(ValueError, match="shape"):
        hd.fit_threshold_network(X, y[:-1])


def test_random_instance_valid_and_seeded():
    a = hd.random_instance(7, 9, 3, seed=5)
    assert a == hd.random_instance(7, 9, 3, seed=5)
    assert a[0] == 7 and len(a[1]) == 9 and all(len(s) == 3 and max(s) < 7 for s in a[1])
    with pytest.raises(ValueError, match="subset_size"):
        hd.random_instance(3, 2, 4)


# ------------------------------------------------------------------------------ CNF chain


def sat_by_solver(clauses, n_vars):
    from pysat.solvers import Solver

    with Solver(name="minisat22", bootstrap_with=[list(c) for c in clauses]) as s:
        return s.solve()


@SETTINGS
@given(st.integers(3, 4), st.integers(1, 14), st.integers(0, 10_000))
def test_cnf_satisfiable_iff_splittable(n_vars, n_clauses, seed):
    clauses, nv = hd.random_3cnf(n_vars, n_clauses, seed=seed)
    n, subsets = hd.cnf_to_set_splitting(clauses, nv)
    assert n == 2 * (nv + 1)
    truth = splittings_by_hand(n, subsets)
    assert bool(truth) == sat_by_solver(clauses, nv)
    for colours in truth[:3]:
        assignment = hd.assignment_from_splitting(list(colours), nv)
        # the assignment read back satisfies every clause (checked by hand)
        assert all(any((lit > 0) == assignment[abs(lit) - 1] for lit in c) for c in clauses)


def test_pigeonhole_is_unsplittable():
    clauses, nv = hd.pigeonhole_cnf(2)  # 3 pigeons, 2 holes
    assert not sat_by_solver(clauses, nv)
    assert hd.solve_set_splitting(*hd.cnf_to_set_splitting(clauses, nv)) is None


def test_dimacs_parsing():
    text = "c a comment\np cnf 3 2\n1 -2 3 0\n-1 2 0\n"
    assert hd.parse_dimacs(text) == (((1, -2, 3), (-1, 2)), 3)
    with pytest.raises(ValueError, match="out of range"):
        hd.parse_dimacs("p cnf 2 1\n1 3 0\n")
    with pytest.raises(ValueError, match="not an integer"):
        hd.parse_dimacs("p cnf 2 1\n1 x 0\n")
    with pytest.raises(ValueError, match="header"):
        hd.parse_dimacs("p dnf 2 1\n1 2 0\n")
    with pytest.raises(ValueError, match="empty"):
        hd.parse_dimacs("p cnf 2 2\n1 2 0\n0\n")


# ------------------------------------------------------------------------------ Judd


def test_loading_problem_xor():
    X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])
    y = np.array([-1, 1, 1, -1])
    p = hd.loading_problem(X, y, "perceptron")
    assert not p.loadable and p.best_correct == 3  # XOR: any 3 of 4 points are separable
    assert hd.loading_problem(X, y, "perceptron", fraction=2 / 3).loadable
    q = hd.loading_problem(X, y, "3-node")
    assert q.loadable and q.best_correct == 4 and classifies(q.network, X, y)
    with pytest.raises(ValueError, match="architecture"):
        hd.loading_problem(X, y, "5-node")
    with pytest.raises(ValueError, match="fraction"):
        hd.loading_problem(X, y, fraction=0)


# ------------------------------------------------------------------------------ scaling sweep


def test_scaling_sweep_agrees_with_sat_and_respects_budget():
    pts = list(hd.scaling_sweep([4, 6], per_size=2, ratio=3.0, exact_budget_s=20, gd=False))
    assert [p.n for p in pts] == [4, 4, 6, 6] and all(p.m == round(3.0 * p.n) for p in pts)
    for p in pts:
        assert p.exact_done and p.exact_found == p.splittable
        inst = hd.random_instance(p.n, p.m, 3, seed=p.seed)
        assert p.splittable == bool(splittings_by_hand(*inst))
    cut = next(hd.scaling_sweep([16], per_size=1, ratio=3.5, exact_budget_s=1e-3, gd=False))
    assert not cut.exact_done and cut.exact_found is None
    with pytest.raises(ValueError, match="sizes"):
        next(hd.scaling_sweep([2]))
