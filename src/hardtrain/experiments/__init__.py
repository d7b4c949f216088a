"""Experiments: each lab's computations as configurations with presets, progress and results.

The layer between the numerics (``hardtrain.data``, ``models``, ``train``, ``landscape``,
``hardness``, ``overparam``, ``pruning``, ``compute``) and the dashboards (``hardtrain.views``):

- one module per experiment, each with a frozen ``Config`` (presets :meth:`~base.Presets.full`
  for the precomputed run, :meth:`~base.Presets.live` for a dashboard, :meth:`~base.Presets.tiny`
  for tests and CI's fast mode), a ``steps()`` generator that yields ``(fraction_done,
  message)`` so a dashboard can show progress and stop between items, and a JSON-able result;
- :mod:`~hardtrain.experiments.precomputed`: the one place that writes and reads precomputed
  results (with their provenance);
- one command line: ``python -m hardtrain.experiments precompute lab3|lab4 ...``.

Views bind widgets to a ``Config``, call ``steps()`` and draw the result; they hold no sizes and
run no numerics themselves. This package imports neither ipywidgets nor plotly.

The experiments, by lab:

- lab 1: :mod:`.convex_bowl`, :mod:`.product_loss`, :mod:`.symmetries`, :mod:`.mlp_slice`;
- lab 2: :mod:`.reduction`, :mod:`.gd_restarts`, :mod:`.scaling`, :mod:`.loading`,
  :mod:`.irrational`;
- lab 3: :mod:`.double_descent`, :mod:`.lazy_training`, :mod:`.width_makes_easy`,
  :mod:`.price_of_accuracy` (shared sweep machinery in :mod:`.sweeps`; the precomputed files in
  :mod:`.lab3_assets`);
- lab 4: :mod:`.pruning_study` (its configuration and constants in :mod:`.pruning_study_config`).
"""

from .base import Presets, session_preset

__all__ = ["Presets", "session_preset"]
