"""Lab 3: overparameterisation's numerics (double descent, lazy training, sharded sweeps).

Core numerics only (no widgets, no experiments):

- :mod:`.labels`: label noise, a fixed fraction of labels made wrong (Nakkiran et al.,
  ICLR 2020, arXiv 1912.02292).
- :mod:`.random_features`: random ReLU features and the minimum-norm least-squares fit, the model
  of double descent (Belkin, Hsu, Ma, Mandal, PNAS 2019, arXiv 1812.11118).
- :mod:`.ntk`: a one-hidden-layer net in the NTK parameterisation and the relative change of its
  weights (Jacot, Gabriel, Hongler, NeurIPS 2018, arXiv 1806.07572).
- :mod:`.devices`: one vmapped program over seeds, sharded over every accelerator.

The sweeps that use them (double descent, lazy training, width making hard problems easy), their
presets and the precomputed results live in :mod:`hardtrain.experiments`
(``double_descent``, ``lazy_training``, ``width_makes_easy``, ``lab3_assets``);
``python -m hardtrain.overparam precompute ...`` is an alias of
``python -m hardtrain.experiments precompute lab3 ...``.
"""

from .devices import sweep_over_devices
from .labels import noisy_labels
from .ntk import ntk_apply, ntk_init, relative_change
from .random_features import min_norm_least_squares, random_relu_features

__all__ = ["noisy_labels", "random_relu_features", "min_norm_least_squares", "sweep_over_devices",
           "ntk_init", "ntk_apply", "relative_change"]
