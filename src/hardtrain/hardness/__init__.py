"""Lab 2: NP-hard training instances (Blum-Rivest, Judd) and irrational optima.

Core numerics only (no widgets):

- :mod:`.setsplitting`: Set-Splitting instances, parsing ("1 2 | 2 3"), an exact SAT-based solver.
- :mod:`.blum_rivest`: the reduction Set-Splitting -> 3-node threshold network (Blum & Rivest,
  NIPS 1988), both proof directions, and an exact LP-enumeration training algorithm.
- :mod:`.relaxation`: the smooth relaxation trained by gradient descent from many restarts.
- :mod:`.cnf`: CNF (DIMACS, pigeonhole) -> NAE-SAT -> Set-Splitting.
- :mod:`.judd`: Judd's loading problem on tiny instances.
- :mod:`.irrational`: a two-output ReLU example whose optimal weights are irrational.
- :mod:`.scaling`: exact-solver time and GD success against instance size.
"""

from .blum_rivest import (GADGET_NEGATIVE, GADGET_POSITIVE, BudgetExceeded, ExactFit,
                          ThresholdNetwork, blum_rivest_dataset, fit_single_plane,
                          fit_threshold_network, network_from_splitting, splitting_from_network)
from .cnf import (assignment_from_splitting, cnf_to_nae, cnf_to_set_splitting, is_satisfied,
                  parse_dimacs, pigeonhole_cnf, random_3cnf, validate_cnf)
from .irrational import (PLATEAUS, IrrationalOptimum, PlateauRun, best_rational_weights,
                         irrational_gd, irrational_optimum, profile_loss, relu_example_loss)
from .judd import ARCHITECTURES, LoadingResult, loading_problem
from .relaxation import GDResult, fit_threshold_network_gd, gd_single_restart
from .scaling import ScalingPoint, scaling_sweep
from .setsplitting import (PAPER_EXAMPLE, TRIANGLE, brute_force_splittings, format_hypergraph,
                           is_splitting, parse_hypergraph, random_instance, solve_set_splitting,
                           validate_instance)

__all__ = [
    "PAPER_EXAMPLE", "TRIANGLE", "validate_instance", "parse_hypergraph", "format_hypergraph",
    "is_splitting", "solve_set_splitting", "brute_force_splittings", "random_instance",
    "blum_rivest_dataset", "ThresholdNetwork", "ExactFit", "BudgetExceeded", "fit_threshold_network",
    "fit_single_plane", "network_from_splitting", "splitting_from_network", "GADGET_POSITIVE",
    "GADGET_NEGATIVE", "GDResult", "fit_threshold_network_gd", "gd_single_restart",
    "parse_dimacs", "validate_cnf", "cnf_to_nae", "cnf_to_set_splitting", "assignment_from_splitting",
    "pigeonhole_cnf", "random_3cnf", "is_satisfied", "LoadingResult", "loading_problem",
    "ARCHITECTURES", "IrrationalOptimum", "irrational_optimum", "relu_example_loss", "profile_loss",
    "best_rational_weights", "PlateauRun", "irrational_gd", "PLATEAUS", "ScalingPoint", "scaling_sweep",
]
