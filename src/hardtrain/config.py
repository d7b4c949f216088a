"""Old home of the run-time settings, kept so that earlier imports keep working.

Everything here now lives in :mod:`hardtrain.runtime` (the one reader of hardtrain's environment
variables): :func:`~hardtrain.runtime.cache_dir`, :func:`~hardtrain.runtime.fast_mode`,
:func:`~hardtrain.runtime.enable_compilation_cache`,
:func:`~hardtrain.runtime.use_full_precision_matmuls` and
:func:`~hardtrain.runtime.release_memory`.
"""

from .runtime import cache_dir, enable_compilation_cache, fast_mode, release_memory, use_full_precision_matmuls

__all__ = ["cache_dir", "fast_mode", "enable_compilation_cache", "use_full_precision_matmuls", "release_memory"]
