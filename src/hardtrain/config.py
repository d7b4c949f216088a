"""Run-time settings shared by the labs: cache locations and the fast (CI) mode.

Nothing here forces a platform: JAX picks a GPU/TPU when one is present.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "fast_mode", "enable_compilation_cache", "release_memory"]


def cache_dir(*parts: str) -> Path:
    """Per-user cache folder of hardtrain (created on demand).

    ``$HARDTRAIN_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/hardtrain`` or
    ``~/.cache/hardtrain``. Each user gets their own folder: a writable cache shared between
    users would let one user's files run in another's process.

    Args:
      *parts: sub-folder names appended to the cache root.
    Returns:
      The folder, as a ``pathlib.Path`` that exists.
    Raises:
      OSError: the folder cannot be created.
    """
    root = os.environ.get("HARDTRAIN_CACHE_DIR")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "hardtrain"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def fast_mode() -> bool:
    """True in the tests' fast mode (``HARDTRAIN_FAST``): :func:`hardtrain.runtime.fast_mode`."""
    from .runtime import fast_mode as _fast_mode

    return _fast_mode()


def enable_compilation_cache(path: str | os.PathLike | None = None) -> Path:
    """Turn on JAX's persistent compilation cache in a per-user folder.

    The thresholds are lowered so that the small programs of the labs (compiled in well under
    the default 1 s) are cached too, so a second kernel reuses them instead of compiling.

    Args:
      path: cache folder; default ``cache_dir("jax")`` or ``$JAX_COMPILATION_CACHE_DIR``.
    Returns:
      The folder in use.
    """
    import jax

    folder = Path(path) if path is not None else Path(
        os.environ.get("JAX_COMPILATION_CACHE_DIR") or cache_dir("jax"))
    folder.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return folder


def use_full_precision_matmuls() -> str:
    """Ask JAX for full float32 matmuls and convolutions, unless the user chose a precision.

    On NVIDIA GPUs since Ampere, JAX's default precision for float32 matmuls is TensorFloat-32
    (10-bit mantissa, relative error ~1e-3). The labs' numerics need float32: at TensorFloat-32
    a convex loss's Hessian can show spurious negative eigenvalues and a midpoint-convexity check
    spurious violations (``benchmarks/device_check.sh`` compares with the CPU). The labs' models
    are small, so the cost in speed is negligible. Called by :func:`hardtrain.runtime.setup`; a
    precision set by the user (``JAX_DEFAULT_MATMUL_PRECISION`` or ``jax.config.update``) is left
    as it is.

    Returns:
      The precision in effect afterwards ("highest" unless the user had set one).
    """
    import jax

    if jax.config.jax_default_matmul_precision is None:
        jax.config.update("jax_default_matmul_precision", "highest")
    return str(jax.config.jax_default_matmul_precision)


def release_memory() -> bool:
    """Hand the C heap's free pages back to the operating system (glibc ``malloc_trim(0)``).

    Compiling XLA programs and importing libraries leave the C heap fragmented: a lab kernel
    keeps freed memory that the allocator would otherwise only reuse, never return
    (``benchmarks/kernel_memory.py`` measures how much). Views call this after a heavy step
    (building a dashboard, a training run, a sweep). Binder gives a learner 1-2 GB for all their
    kernels.

    Returns:
      True when memory was released; False where there is no glibc (macOS, Windows, musl), in
      which case nothing happens.
    """
    global _malloc_trim
    if _malloc_trim is None:
        _malloc_trim = False
        try:
            import ctypes
            import ctypes.util

            name = ctypes.util.find_library("c")
            libc = ctypes.CDLL(name) if name else None
            if libc is not None and hasattr(libc, "malloc_trim"):
                _malloc_trim = libc.malloc_trim
                _malloc_trim.argtypes = [ctypes.c_size_t]
                _malloc_trim.restype = ctypes.c_int
        except OSError:
            _malloc_trim = False
    if _malloc_trim is False:
        return False
    return bool(_malloc_trim(0))


_malloc_trim = None

