"""hardtrain: an interactive teaching lab on why training neural networks is hard and expensive.

Layers: core numerics by concept (:mod:`~hardtrain.data`, :mod:`~hardtrain.models`,
:mod:`~hardtrain.train`, :mod:`~hardtrain.landscape`, :mod:`~hardtrain.hardness`,
:mod:`~hardtrain.overparam`, :mod:`~hardtrain.pruning`, :mod:`~hardtrain.compute`; no widgets,
no plotting), the self-checks (:mod:`~hardtrain.exercises`), and the dashboards
(:mod:`~hardtrain.views`). Importing the package changes nothing global: a session calls
:func:`hardtrain.runtime.setup` first (every lab's first cell does).
"""

__version__ = "0.1.0"
