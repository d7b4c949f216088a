"""From CNF formulas to Set-Splitting: 3-SAT -> NAE-SAT -> Set-Splitting.

So real formulas (DIMACS files, pigeonhole formulas) become training sets through
:func:`hardtrain.hardness.blum_rivest_dataset`. The chain is the standard one (Garey & Johnson,
"Computers and Intractability", 1979, SP4 and LO3; Schaefer, STOC 1978, for NAE-SAT):

1. SAT -> NAE-SAT: add one fresh variable z to every clause. If F is satisfied by an assignment,
   setting z false makes every extended clause not-all-equal; conversely, complementing a NAE
   solution keeps it a NAE solution, so one with z false exists, and it satisfies F.
2. NAE-SAT -> Set-Splitting: elements are the literals x_i and not-x_i (element 2i and 2i+1,
   variable i = 0..n_vars, z being variable n_vars); a subset {x_i, not-x_i} per variable forces
   complementary colours, and a subset per clause holds its literals.

Clauses are lists of non-zero integers in DIMACS convention: v > 0 is x_v, -v is not-x_v,
variables 1..n_vars. The construction works for clauses of any width (3-SAT is the textbook case).
"""

from __future__ import annotations


from .setsplitting import validate_instance

__all__ = ["parse_dimacs", "validate_cnf", "cnf_to_nae", "cnf_to_set_splitting",
           "assignment_from_splitting", "pigeonhole_cnf", "random_3cnf", "is_satisfied"]


def validate_cnf(clauses, n_vars) -> tuple[tuple[tuple[int, ...], ...], int]:
    """Check a CNF and return it with each clause as a tuple of distinct literals.

    Repeated literals in a clause are dropped (first occurrence kept); the clause order is kept.

    Args:
      clauses: iterable of clauses, each an iterable of non-zero DIMACS literals.
      n_vars: number of variables, a positive integer (literals lie in +-1..+-n_vars).

    Returns:
      (clauses, n_vars), each clause a tuple of distinct ints.

    Raises:
      ValueError: n_vars not a positive integer, a literal 0, out of range or not an integer, an
        empty clause (the formula is trivially unsatisfiable and its image would be an empty or
        one-element subset, which the reduction does not accept), no clauses.

    Examples:
      >>> validate_cnf([[1, 1, -2], [2]], 2)
      (((1, -2), (2,)), 2)
      >>> validate_cnf([[3]], 2)
      Traceback (most recent call last):
      ...
      ValueError: literal 3 in clause 1 is out of range: ...
    """
    if isinstance(n_vars, bool) or int(n_vars) != n_vars or n_vars < 1:
        raise ValueError(f"n_vars must be a positive integer, got {n_vars!r}")
    n_vars = int(n_vars)
    out = []
    for j, c in enumerate(clauses):
        lits = []
        for v in c:
            if isinstance(v, bool) or int(v) != v:
                raise ValueError(f"literal {v!r} in clause {j + 1} is not an integer")
            v = int(v)
            if v == 0 or abs(v) > n_vars:
                raise ValueError(f"literal {v} in clause {j + 1} is out of range: literals are "
                                 f"+-1..+-{n_vars} (0 ends a clause in DIMACS)")
            if v not in lits:
                lits.append(v)
        if not lits:
            raise ValueError(f"clause {j + 1} is empty: the formula is trivially unsatisfiable and "
                             "has no Set-Splitting image (subsets need >= 2 elements)")
        out.append(tuple(lits))
    if not out:
        raise ValueError("the formula has no clauses")
    return tuple(out), n_vars


def parse_dimacs(text: str) -> tuple[tuple[tuple[int, ...], ...], int]:
    """Parse DIMACS CNF text (``p cnf <vars> <clauses>`` header, clauses ending in 0).

    Comment lines start with ``c`` (and ``%``, as in SATLIB files). Without a header, n_vars is
    the largest variable seen.

    Args:
      text: the DIMACS text.

    Returns:
      (clauses, n_vars), validated by :func:`validate_cnf`.

    Raises:
      ValueError: a malformed header, a token that is not an integer, or anything
        :func:`validate_cnf` rejects (a last clause without its terminating 0 is accepted).

    References:
      "Satisfiability Suggested Format", DIMACS Challenge, 1993.

    Examples:
      (x1 or not x2) and x2:

      >>> parse_dimacs("c tiny\\np cnf 2 2\\n1 -2 0\\n2 0\\n")
      (((1, -2), (2,)), 2)
    """
    if not isinstance(text, str):
        raise ValueError(f"expected DIMACS text, got {type(text).__name__}")
    n_vars = None
    clauses, cur = [], []
    for line_no, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("c") or s.startswith("%"):
            continue
        if s.startswith("p"):
            parts = s.split()
            if len(parts) != 4 or parts[1] != "cnf" or not parts[2].isdigit() or not parts[3].isdigit():
                raise ValueError(f"line {line_no}: expected a header 'p cnf <vars> <clauses>', got {s[:40]!r}")
            n_vars = int(parts[2])
            continue
        for tok in s.split():
            try:
                v = int(tok)
            except ValueError:
                raise ValueError(f"line {line_no}: {tok[:20]!r} is not an integer literal") from None
            if v == 0:
                clauses.append(cur)
                cur = []
            else:
                cur.append(v)
    if cur:
        clauses.append(cur)
    if n_vars is None:
        n_vars = max((abs(v) for c in clauses for v in c), default=0)
    return validate_cnf(clauses, n_vars)


def is_satisfied(clauses, assignment) -> bool:
    """True when ``assignment`` satisfies every clause.

    Args:
      clauses: iterable of clauses of DIMACS literals.
      assignment: sequence of bools, variable v at index v-1.

    Returns:
      True when every clause has a true literal.

    Examples:
      (x1 or not x2) and x2 needs x1 = x2 = True:

      >>> is_satisfied(((1, -2), (2,)), [True, True]), is_satisfied(((1, -2), (2,)), [False, True])
      (True, False)
    """
    return all(any((lit > 0) == bool(assignment[abs(lit) - 1]) for lit in c) for c in clauses)


def cnf_to_nae(clauses, n_vars) -> tuple[tuple[tuple[int, ...], ...], int]:
    """SAT -> NAE-SAT: the clauses with the fresh variable z = n_vars + 1 added to each.

    Args:
      clauses: iterable of clauses of DIMACS literals.
      n_vars: number of variables.

    Returns:
      (nae_clauses, n_vars + 1).

    Raises:
      ValueError: an invalid CNF (see :func:`validate_cnf`).

    References:
      Schaefer, "The complexity of satisfiability problems", STOC 1978.

    Examples:
      >>> cnf_to_nae(((1, -2), (2,)), 2)
      (((1, -2, 3), (2, 3)), 3)
    """
    clauses, n_vars = validate_cnf(clauses, n_vars)
    z = n_vars + 1
    return tuple(c + (z,) for c in clauses), n_vars + 1


def _element(lit: int) -> int:
    return 2 * (abs(lit) - 1) + (0 if lit > 0 else 1)


def cnf_to_set_splitting(clauses, n_vars) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """CNF -> NAE-SAT -> Set-Splitting (see the module docstring).

    Element 2(v-1) is the literal x_v and element 2(v-1)+1 is not-x_v, for v = 1..n_vars+1
    (v = n_vars+1 is the fresh variable z). The first n_vars + 1 subsets are the complementary
    pairs, then one subset per clause (its literals plus z). The formula is satisfiable iff the
    instance is splittable.

    Args:
      clauses: iterable of clauses of DIMACS literals.
      n_vars: number of variables.

    Returns:
      (n_elements, subsets) with n_elements = 2 (n_vars + 1).

    Raises:
      ValueError: an invalid CNF.

    References:
      Garey, Johnson, "Computers and Intractability", 1979, problems LO3 and SP4.

    Examples:
      Two variables plus z give 6 elements: three complementary pairs, then one subset per
      clause (x1 or not x2 or z is {0, 3, 4}):

      >>> cnf_to_set_splitting(((1, -2), (2,)), 2)
      (6, ((0, 1), (2, 3), (4, 5), (0, 3, 4), (2, 4)))
    """
    nae, nv = cnf_to_nae(clauses, n_vars)
    subsets = [(2 * i, 2 * i + 1) for i in range(nv)]
    for c in nae:
        subsets.append(tuple(sorted({_element(l) for l in c})))
    return validate_instance(2 * nv, subsets)


def assignment_from_splitting(colours, n_vars) -> list[bool]:
    """Read a satisfying assignment off a splitting of :func:`cnf_to_set_splitting`'s instance.

    x_v is true when its literal's colour differs from the colour of z (so z counts as false).

    Args:
      colours: sequence of 2 (n_vars + 1) colours in {0, 1}, a splitting of the instance.
      n_vars: number of variables of the original CNF.

    Returns:
      A list of n_vars booleans (variable v at index v-1).

    Raises:
      ValueError: colours of the wrong length (2 (n_vars + 1) expected).

    Examples:
      Solve the formula through Set-Splitting and read the assignment back:

      >>> from hardtrain.hardness.setsplitting import solve_set_splitting
      >>> cnf = ((1, -2), (2,))
      >>> a = assignment_from_splitting(solve_set_splitting(*cnf_to_set_splitting(cnf, 2)), 2)
      >>> a, is_satisfied(cnf, a)
      ([True, True], True)
    """
    if len(colours) != 2 * (n_vars + 1):
        raise ValueError(f"expected {2 * (n_vars + 1)} colours, got {len(colours)}")
    z = colours[2 * n_vars]
    return [colours[2 * i] != z for i in range(n_vars)]


def pigeonhole_cnf(holes: int) -> tuple[tuple[tuple[int, ...], ...], int]:
    """The pigeonhole formula PHP(holes + 1 pigeons, holes): unsatisfiable.

    Each pigeon sits in some hole, and no hole holds two pigeons; with one pigeon too many no
    assignment works, yet resolution proofs of this need exponential size. Generated by
    ``pysat.examples.genhard.PHP``.

    Args:
      holes: number of holes, an integer in [1, 6].

    Returns:
      (clauses, n_vars) with n_vars = (holes + 1) holes.

    Raises:
      ValueError: holes not an integer in [1, 6] (larger ones give huge training sets).

    References:
      Haken, "The intractability of resolution", Theoretical Computer Science 39, 1985.

    Examples:
      3 pigeons, 2 holes: 6 variables, and its Set-Splitting image has no splitting:

      >>> from hardtrain.hardness.setsplitting import solve_set_splitting
      >>> clauses, n_vars = pigeonhole_cnf(2)
      >>> n_vars, solve_set_splitting(*cnf_to_set_splitting(clauses, n_vars))
      (6, None)
    """
    if isinstance(holes, bool) or int(holes) != holes or not 1 <= holes <= 6:
        raise ValueError(f"holes must be an integer in [1, 6], got {holes!r}")
    from pysat.examples.genhard import PHP

    f = PHP(int(holes))
    return validate_cnf(f.clauses, f.nv)


def random_3cnf(n_vars: int, n_clauses: int, *, seed: int = 0) -> tuple[tuple[tuple[int, ...], ...], int]:
    """A random 3-CNF: each clause three distinct variables, each negated with probability 1/2.

    Args:
      n_vars: number of variables, >= 3.
      n_clauses: number of clauses, >= 1.
      seed: NumPy seed; the same seed gives the same formula.

    Returns:
      (clauses, n_vars), validated by :func:`validate_cnf`.

    Raises:
      ValueError: n_vars < 3 or n_clauses < 1.

    Examples:
      >>> clauses, n_vars = random_3cnf(4, 2, seed=0)
      >>> n_vars, len(clauses), all(len({abs(v) for v in c}) == 3 for c in clauses)
      (4, 2, True)
    """
    import numpy as np

    if n_vars < 3 or n_clauses < 1:
        raise ValueError(f"need n_vars >= 3 and n_clauses >= 1, got {n_vars}, {n_clauses}")
    rng = np.random.default_rng(int(seed))
    clauses = []
    for _ in range(int(n_clauses)):
        vs = rng.choice(np.arange(1, n_vars + 1), size=3, replace=False)
        signs = rng.choice([-1, 1], size=3)
        clauses.append(tuple(int(v * s) for v, s in zip(vs, signs)))
    return validate_cnf(clauses, n_vars)
