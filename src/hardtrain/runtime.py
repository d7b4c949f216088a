"""Process-wide set-up of a hardtrain session: what a notebook's first cell calls.

Importing hardtrain changes nothing global. :func:`setup` does, once, what a lab session needs:

- JAX's persistent compilation cache in a per-user folder (:func:`enable_compilation_cache`),
  so the next kernel reuses compiled programs;
- full float32 matmuls and convolutions on GPUs (:func:`use_full_precision_matmuls`),
  instead of TensorFloat-32, unless the user chose a precision;
- the log handler that sends the dashboards' callback failures to the server's terminal, never
  to the page (:func:`view_logger`).

Scripts and tests that compute without notebooks call :func:`setup` too (the test suite does, in
``tests/conftest.py``). This module is also the one reader of hardtrain's environment variables
(``HARDTRAIN_FAST``, ``HARDTRAIN_CACHE_DIR``, ``HARDTRAIN_HIDDEN_TAB_SECONDS``; defaults come from
:mod:`hardtrain.environment`), and it releases the C heap's free pages after heavy steps.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

__all__ = ["setup", "fast_mode", "hidden_tab_seconds", "cache_dir", "enable_compilation_cache", "use_full_precision_matmuls",
           "release_memory", "view_logger", "VIEW_LOGGER"]

#: Name of the logger of the dashboards' callbacks (``hardtrain.views``).
VIEW_LOGGER = "hardtrain.views"

_done: dict[str, object] = {}


def fast_mode() -> bool:
    """True when ``HARDTRAIN_FAST`` is set to a true value ("1", "true", "yes", "on").

    The tests (nbmake, the browser tests) set it: every experiment then runs its ``tiny()``
    preset (:func:`hardtrain.experiments.session_preset`), so a notebook finishes in seconds.
    The numbers a learner sees in the normal mode are unchanged.
    """
    return os.environ.get("HARDTRAIN_FAST", "").strip().lower() in {"1", "true", "yes", "on"}


#: How long a dashboard's tab may stay hidden before its kernel is shut down (seconds).
HIDDEN_TAB_SECONDS = 300.0


def hidden_tab_seconds() -> float:
    """Seconds a Voila page may stay hidden (another tab in front, window minimised) before the
    page shuts its kernel down to free the server's memory; 0 means never.

    ``HARDTRAIN_HIDDEN_TAB_SECONDS`` overrides the default :data:`HIDDEN_TAB_SECONDS` (the
    browser tests set a few seconds). The page keeps its controls in its address, so when the
    learner comes back it reloads with the same settings (:mod:`hardtrain.views.pagestate`).

    Raises:
      ValueError: the variable is set but is not a number >= 0.

    >>> import os; os.environ["HARDTRAIN_HIDDEN_TAB_SECONDS"] = "30"; hidden_tab_seconds()
    30.0
    >>> del os.environ["HARDTRAIN_HIDDEN_TAB_SECONDS"]; hidden_tab_seconds() == HIDDEN_TAB_SECONDS
    True
    """
    text = os.environ.get("HARDTRAIN_HIDDEN_TAB_SECONDS", "").strip()
    if not text:
        return HIDDEN_TAB_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"HARDTRAIN_HIDDEN_TAB_SECONDS must be a number of seconds >= 0, got {text!r}")
    return value


def setup(*, compilation_cache: bool = True, full_precision: bool = True) -> dict[str, object]:
    """Prepare this process for the labs; safe to call more than once (later calls do nothing).

    Args:
      compilation_cache: turn on JAX's persistent compilation cache (per-user folder).
      full_precision: ask for full float32 matmuls unless a precision was chosen already.

    Returns:
      What is in effect: ``{"cache_dir": Path | None, "matmul_precision": str | None}``.
    """
    if _done:
        return dict(_done)
    cache: Path | None = enable_compilation_cache() if compilation_cache else None
    precision = use_full_precision_matmuls() if full_precision else None
    view_logger()
    _done.update(cache_dir=cache, matmul_precision=precision)
    return dict(_done)


def _instructor_stream():
    """Where callback failures are logged: the terminal of the Voila/Jupyter server, not the page.

    In a kernel, ``sys.stderr`` is the running cell's output, and ipykernel (>= 6) also forwards
    the process's file descriptor 2 to the page; ipykernel keeps a copy of the original
    descriptor (``_original_stdstream_copy``), which still reaches the server's terminal.
    Outside a kernel this is plain ``sys.stderr``.
    """
    fd = getattr(sys.stderr, "_original_stdstream_copy", None)
    if isinstance(fd, int):
        try:
            return os.fdopen(os.dup(fd), "w", buffering=1)
        except OSError:
            pass
    if sys.stderr is not sys.__stderr__:  # another kind of kernel: keep tracebacks off the page
        return open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    return sys.__stderr__


def view_logger() -> logging.Logger:
    """The dashboards' logger, with its handler installed on first use.

    Failures inside widget callbacks are logged here with their traceback, for the instructor's
    terminal; the page shows a one-line message instead. The views call this before logging, so
    a notebook that skipped :func:`setup` still keeps tracebacks off the page.

    Returns:
      ``logging.getLogger("hardtrain.views")``, with one handler and no propagation.
    """
    log = logging.getLogger(VIEW_LOGGER)
    if not log.handlers:
        handler = logging.StreamHandler(_instructor_stream())
        handler.setFormatter(logging.Formatter("%(asctime)s hardtrain.views %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    return log


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
