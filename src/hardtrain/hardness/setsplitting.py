"""Set-Splitting instances: validation, parsing, presets, random instances and an exact solver.

A Set-Splitting instance is a finite set of elements, here the integers 0..n-1, and a list of
subsets of it. A *splitting* is a 2-colouring of the elements under which no subset is
monochromatic. Deciding whether one exists is NP-complete (Lovasz 1973; Garey & Johnson,
"Computers and Intractability", 1979, problem SP4). Blum & Rivest reduce it to training a
3-node threshold network (see :mod:`hardtrain.hardness.blum_rivest`).
"""

from __future__ import annotations

import itertools
import numbers
import re

import numpy as np

__all__ = ["validate_instance", "parse_hypergraph", "format_hypergraph", "is_splitting",
           "solve_set_splitting", "brute_force_splittings", "random_instance", "PAPER_EXAMPLE",
           "TRIANGLE"]

#: Blum & Rivest's example (NIPS 1988): S = {1, 2, 3}, C = {{1, 2}, {2, 3}}, elements
#: renumbered from 0: (n_elements, subsets).
PAPER_EXAMPLE: tuple[int, tuple[tuple[int, ...], ...]] = (3, ((0, 1), (1, 2)))

#: The triangle {1,2}, {2,3}, {1,3}: an odd cycle, so no 2-colouring splits it.
TRIANGLE: tuple[int, tuple[tuple[int, ...], ...]] = (3, ((0, 1), (1, 2), (0, 2)))


def _as_int(v, what: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        if isinstance(v, numbers.Real) and float(v).is_integer() and not isinstance(v, (bool, np.bool_)):
            return int(v)
        raise ValueError(f"{what} must be an integer, got {v!r}")
    return int(v)


def validate_instance(n_elements, subsets) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """Check a Set-Splitting instance and return it in canonical form.

    Duplicate elements inside a subset are merged and each subset is sorted; the order of
    the subsets is kept.

    Args:
      n_elements: number of elements n >= 1 (elements are 0..n-1).
      subsets: iterable of iterables of element indices.

    Returns:
      (n, subsets) with each subset a sorted tuple of distinct ints, in the given order.

    Raises:
      ValueError: n not a positive integer; an element that is not an integer or lies outside
        0..n-1; an empty subset (its training point would repeat the origin, which breaks the
        reduction's equivalence: an empty subset is never split, yet the data stay trainable);
        a one-element subset {i} (its + point equals the - point e_i: one point labelled both
        ways); no subsets at all.

    Examples:
      >>> validate_instance(3, [[1, 0], [2, 1, 1]])
      (3, ((0, 1), (1, 2)))
      >>> validate_instance(3, [[0]])
      Traceback (most recent call last):
      ...
      ValueError: subset 0 = {0} has one element: ...
    """
    n = _as_int(n_elements, "n_elements")
    if n < 1:
        raise ValueError(f"n_elements must be >= 1, got {n}")
    if isinstance(subsets, (str, bytes)):
        raise ValueError("subsets must be a list of lists of element indices, got a string "
                         "(use parse_hypergraph for text such as '1 2 | 2 3')")
    out = []
    for j, s in enumerate(subsets):
        try:
            items = list(s)
        except TypeError:
            raise ValueError(f"subset {j} must be a list of element indices, got {s!r}") from None
        elems = sorted({_as_int(v, f"element of subset {j}") for v in items})
        for v in elems:
            if not 0 <= v < n:
                raise ValueError(f"element {v} of subset {j} is out of range: elements are "
                                 f"0..{n - 1} (n_elements={n})")
        if len(elems) == 0:
            raise ValueError(f"subset {j} is empty: an empty subset can never be split, yet its "
                             "training point repeats the origin, so the reduction would no longer "
                             "be an equivalence; every subset needs at least 2 elements")
        if len(elems) == 1:
            raise ValueError(f"subset {j} = {{{elems[0]}}} has one element: its + point equals the "
                             f"- point e_{elems[0]}, one point labelled both ways; every subset "
                             "needs at least 2 elements")
        out.append(tuple(elems))
    if not out:
        raise ValueError("at least one subset is needed")
    return n, tuple(out)


_TOKEN = re.compile(r"^[+-]?\d+$")


def parse_hypergraph(text: str, *, one_based: bool = True) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """Parse a hypergraph typed as text, e.g. ``"1 2 | 2 3"`` (elements from 1, as in the paper).

    Subsets are separated by ``|``, ``;`` or new lines; elements by spaces or commas; braces
    are ignored (``"{1,2},{2,3}"`` is not accepted: use ``|`` between subsets).

    Args:
      text: the hypergraph.
      one_based: elements are numbered from 1 (default) or from 0.

    Returns:
      (n_elements, subsets) with 0-based elements, n = the largest element (+1 if 0-based),
      validated by :func:`validate_instance`.

    Raises:
      ValueError: an empty text, a token that is not a whole number, an element below the first
        number, or anything :func:`validate_instance` rejects (singletons, empty subsets).

    Examples:
      Blum & Rivest's example, typed as in the paper and 0-based:

      >>> parse_hypergraph("1 2 | 2 3")
      (3, ((0, 1), (1, 2)))
      >>> parse_hypergraph("0 1; 1 2", one_based=False) == PAPER_EXAMPLE
      True
    """
    if not isinstance(text, str):
        raise ValueError(f"expected text such as '1 2 | 2 3', got {type(text).__name__}")
    base = 1 if one_based else 0
    parts = [p for p in re.split(r"[|;\n]", text.replace("{", " ").replace("}", " "))]
    subsets = []
    for j, part in enumerate(parts):
        tokens = [t for t in re.split(r"[\s,]+", part.strip()) if t]
        if not tokens:
            if part.strip() == "" and len(parts) > 1 and j not in (0, len(parts) - 1):
                raise ValueError(f"subset {j + 1} is empty (two separators in a row); write subsets "
                                 "as '1 2 | 2 3'")
            continue
        elems = []
        for t in tokens:
            if not _TOKEN.match(t):
                raise ValueError(f"{t[:20]!r} in subset {j + 1} is not a whole number; write subsets as "
                                 f"'1 2 | 2 3' (elements numbered from {base})")
            v = int(t)
            if v < base:
                raise ValueError(f"element {v} in subset {j + 1} is below {base}: elements are numbered "
                                 f"from {base}")
            elems.append(v - base)
        subsets.append(elems)
    if not subsets:
        raise ValueError("no subsets found; write subsets as '1 2 | 2 3' (elements numbered from "
                         f"{base})")
    n = max(max(s) for s in subsets) + 1
    return validate_instance(n, subsets)


def format_hypergraph(subsets, *, one_based: bool = True) -> str:
    """The inverse of :func:`parse_hypergraph`: ``((0, 1), (1, 2))`` -> ``"1 2 | 2 3"``.

    Args:
      subsets: iterable of iterables of 0-based element indices.
      one_based: write elements numbered from 1 (default) or from 0.

    Returns:
      The text, subsets separated by `` | ``, elements by spaces.

    Examples:
      >>> format_hypergraph(((0, 1), (1, 2)))
      '1 2 | 2 3'
      >>> parse_hypergraph(format_hypergraph(TRIANGLE[1])) == TRIANGLE
      True
    """
    base = 1 if one_based else 0
    return " | ".join(" ".join(str(v + base) for v in s) for s in subsets)


def is_splitting(subsets, colours) -> bool:
    """True when no subset is monochromatic under ``colours`` (a sequence of 0/1 per element).

    Args:
      subsets: iterable of iterables of 0-based element indices.
      colours: sequence of length >= n_elements, the colour (0 or 1) of each element.

    Returns:
      True when every subset holds both colours.

    Raises:
      ValueError: a colour outside {0, 1} or fewer colours than the largest element needs.

    Examples:
      In {0, 1}, {1, 2}, element 1 must differ from both others:

      >>> is_splitting(((0, 1), (1, 2)), [0, 1, 0]), is_splitting(((0, 1), (1, 2)), [0, 0, 1])
      (True, False)
    """
    colours = [int(c) for c in colours]
    if any(c not in (0, 1) for c in colours):
        raise ValueError(f"colours must be 0 or 1, got {sorted(set(colours))}")
    for s in subsets:
        if max(s) >= len(colours):
            raise ValueError(f"subset {tuple(s)} names element {max(s)} but only {len(colours)} "
                             "colours were given")
        if len({colours[i] for i in s}) < 2:
            return False
    return True


def solve_set_splitting(n_elements, subsets, *, solver: str = "cadical153") -> list[int] | None:
    """An exact Set-Splitting solver: a SAT encoding solved by a CDCL SAT solver (python-sat).

    Variable x_i is true when element i gets colour 1. Each subset c gives two clauses,
    OR_{i in c} x_i (not all colour 0) and OR_{i in c} not x_i (not all colour 1).
    The returned colouring is checked with :func:`is_splitting` before it is returned.
    (Ignatiev, Morgado, Marques-Silva, "PySAT: A Python Toolkit for Prototyping with SAT
    Oracles", SAT 2018.)

    Args:
      n_elements: number of elements n >= 1 (as for :func:`validate_instance`).
      subsets: iterable of iterables of element indices (as for :func:`validate_instance`).
      solver: a python-sat solver name.

    Returns:
      A list of n colours in {0, 1} that splits every subset, or None when none exists.

    Raises:
      ValueError: an invalid instance (see :func:`validate_instance`).

    References:
      Ignatiev, Morgado, Marques-Silva, "PySAT: A Python Toolkit for Prototyping with SAT
      Oracles", SAT 2018.

    Examples:
      The paper's example has exactly two splittings, 010 and 101; the triangle (an odd cycle)
      has none:

      >>> solve_set_splitting(*PAPER_EXAMPLE) in ([0, 1, 0], [1, 0, 1])
      True
      >>> solve_set_splitting(*TRIANGLE) is None
      True
    """
    from pysat.solvers import Solver

    n, subs = validate_instance(n_elements, subsets)
    with Solver(name=solver, bootstrap_with=[c for s in subs for c in
                                             ([i + 1 for i in s], [-(i + 1) for i in s])]) as sat:
        if not sat.solve():
            return None
        model = set(v for v in sat.get_model() if v > 0)
    colours = [1 if i + 1 in model else 0 for i in range(n)]
    if not is_splitting(subs, colours):  # never expected: the solver's model satisfies the clauses
        raise RuntimeError("the SAT solver returned a colouring that does not split every subset")
    return colours


def brute_force_splittings(n_elements, subsets, *, max_elements: int = 20) -> list[list[int]]:
    """Every splitting, by trying all 2^n colourings (a cross-check for tiny instances only).

    Args:
      n_elements: number of elements n >= 1 (as for :func:`validate_instance`).
      subsets: iterable of iterables of element indices.
      max_elements: refuse n above this.

    Returns:
      Every splitting colouring (a list of n colours in {0, 1}), in lexicographic order.

    Raises:
      ValueError: an invalid instance, or n > max_elements (2^n colourings is too many).

    Examples:
      >>> brute_force_splittings(*PAPER_EXAMPLE), brute_force_splittings(*TRIANGLE)
      ([[0, 1, 0], [1, 0, 1]], [])
    """
    n, subs = validate_instance(n_elements, subsets)
    if n > max_elements:
        raise ValueError(f"brute force tries 2^n colourings; n = {n} exceeds max_elements = {max_elements}")
    return [list(c) for c in itertools.product((0, 1), repeat=n) if is_splitting(subs, c)]


def random_instance(n_elements: int, n_subsets: int, subset_size: int = 3, *, seed: int = 0
                    ) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """A random Set-Splitting instance: ``n_subsets`` subsets of ``subset_size`` distinct elements.

    Each subset is drawn uniformly from all subsets of that size (NumPy ``default_rng(seed)``).
    For 3-element subsets, random instances with about 2 subsets per element are near the
    threshold where splittable instances become rare (Achlioptas & Moore, "Random k-SAT: two
    moments suffice to cross a sharp threshold", SIAM J. Comput. 2006, for hypergraph
    2-colouring), which is where exact solvers work hardest.

    Args:
      n_elements: number of elements n.
      n_subsets: number of subsets m >= 1.
      subset_size: elements per subset, 2 <= k <= n.
      seed: NumPy seed; the same seed gives the same instance.

    Returns:
      (n_elements, subsets), validated by :func:`validate_instance`.

    Raises:
      ValueError: sizes that do not give a valid instance (subset_size < 2 or > n, n_subsets < 1).

    References:
      Achlioptas, Moore, "Random k-SAT: two moments suffice to cross a sharp threshold", SIAM
      J. Comput. 36(3), 2006.

    Examples:
      >>> n, subs = random_instance(6, 4, seed=0)
      >>> n, len(subs), all(len(s) == 3 for s in subs), random_instance(6, 4, seed=0) == (n, subs)
      (6, 4, True, True)
    """
    n = _as_int(n_elements, "n_elements")
    m = _as_int(n_subsets, "n_subsets")
    k = _as_int(subset_size, "subset_size")
    if not 2 <= k <= n:
        raise ValueError(f"subset_size must lie in [2, n_elements] = [2, {n}], got {k}")
    if m < 1:
        raise ValueError(f"n_subsets must be >= 1, got {m}")
    rng = np.random.default_rng(int(seed))
    subs = [tuple(sorted(rng.choice(n, size=k, replace=False).tolist())) for _ in range(m)]
    return validate_instance(n, subs)
