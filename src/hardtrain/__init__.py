"""hardtrain: an interactive teaching lab on why training neural networks is hard and expensive.

Core modules (no widgets, no plotting): :mod:`hardtrain.data`, :mod:`hardtrain.models`,
:mod:`hardtrain.train`, :mod:`hardtrain.landscape`. Dashboards live in :mod:`hardtrain.views`.
"""

__version__ = "0.1.0"

from .config import use_full_precision_matmuls as _use_full_precision_matmuls

# float32 numerics on GPUs too (not TensorFloat-32): see config.use_full_precision_matmuls.
_use_full_precision_matmuls()
