"""Process-wide set-up of a hardtrain session: what a notebook's first cell calls.

Importing hardtrain changes nothing global. :func:`setup` does, once, what a lab session needs:

- JAX's persistent compilation cache in a per-user folder (:func:`hardtrain.config.enable_compilation_cache`),
  so the next kernel reuses compiled programs;
- full float32 matmuls and convolutions on GPUs (:func:`hardtrain.config.use_full_precision_matmuls`),
  instead of TensorFloat-32, unless the user chose a precision;
- the log handler that sends the dashboards' callback failures to the server's terminal, never
  to the page (:func:`view_logger`).

Scripts and tests that compute without notebooks call :func:`setup` too (the test suite does, in
``tests/conftest.py``).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

__all__ = ["setup", "fast_mode", "view_logger", "VIEW_LOGGER"]

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
    from .config import enable_compilation_cache, use_full_precision_matmuls

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
