"""Process-wide set-up of a hardtrain session: what a notebook's first cell calls.

Importing hardtrain changes nothing global. :func:`setup` does, once, what a lab session needs:

- JAX's persistent compilation cache in a per-user folder (:func:`enable_compilation_cache`),
  so the next kernel reuses compiled programs;
- full float32 matmuls and convolutions on GPUs (:func:`use_full_precision_matmuls`),
  instead of TensorFloat-32, unless the user chose a precision;
- the log handler that sends the dashboards' callback failures to the server's terminal, never
  to the page (:func:`view_logger`);
- no IRI format checker in jsonschema (:func:`skip_iri_format_checker`): it slows a kernel's
  first import of plotly and takes memory, and no schema a kernel validates uses it.

While the labs run, :func:`release_over_budget` keeps a kernel's memory near
:func:`kernel_memory_mb`: a long run drops JAX's in-memory compiled programs after any step that
ends above the budget (or, in a kernel already over it, that has grown the kernel by
:data:`RUN_HEADROOM_MB`: :func:`run_threshold_mb`), and after its last step whatever the memory.

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

__all__ = ["setup", "fast_mode", "hidden_tab_seconds", "kernel_memory_mb", "cache_dir", "enable_compilation_cache",
           "use_full_precision_matmuls", "skip_iri_format_checker", "release_memory", "release_compiled",
           "release_over_budget", "memory_budget_mb", "run_threshold_mb", "RUN_HEADROOM_MB",
           "process_memory_mb", "view_logger", "VIEW_LOGGER", "KERNEL_MEMORY_MB"]

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
    return _env_amount("HARDTRAIN_HIDDEN_TAB_SECONDS", HIDDEN_TAB_SECONDS, "seconds")


def _env_amount(name: str, default: float, unit: str) -> float:
    """The finite number >= 0 in environment variable ``name``, or ``default`` when it is unset or
    blank; ValueError naming the variable and ``unit`` otherwise."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{name} must be a number of {unit} >= 0, got {text!r}")
    return value


#: Resident memory of a kernel (MB) above which a long run drops JAX's compiled programs.
KERNEL_MEMORY_MB = 350.0


def kernel_memory_mb() -> float:
    """The resident memory (MB) above which a long run drops JAX's compiled programs; 0 = never.

    A run also drops them when it ends, unless the budget is 0 (:func:`release_over_budget`).

    ``HARDTRAIN_KERNEL_MEMORY_MB`` overrides the default :data:`KERNEL_MEMORY_MB`. What a lab
    kernel holds once its page is drawn, and at its heaviest button with and without this
    budget, is measured by ``benchmarks/kernel_memory.py`` (figures in benchmarks/RESULTS.md).

    Raises:
      ValueError: the variable is set but is not a number >= 0.

    >>> import os; os.environ["HARDTRAIN_KERNEL_MEMORY_MB"] = "500"; kernel_memory_mb()
    500.0
    >>> del os.environ["HARDTRAIN_KERNEL_MEMORY_MB"]; kernel_memory_mb() == KERNEL_MEMORY_MB
    True
    """
    return _env_amount("HARDTRAIN_KERNEL_MEMORY_MB", KERNEL_MEMORY_MB, "megabytes")


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
    skip_iri_format_checker()
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


def skip_iri_format_checker() -> bool:
    """Keep jsonschema from loading its IRI format checker in this process, if not loaded yet.

    plotly imports nbformat when it is first imported, nbformat imports jsonschema, and
    jsonschema's ``_format`` module imports the optional package ``rfc3987_syntax`` at once, which
    builds about 35 Earley parsers (lark) on import, which costs every kernel start time and
    memory (``benchmarks/kernel_memory.py`` measures both side by side). Only the ``iri`` and
    ``iri-reference`` formats use it, and no schema a lab kernel validates (a notebook's, a
    widget message's) names them; jsonschema's issue #1428 asks for the import to be lazy.

    Marking the module as absent (``sys.modules["rfc3987_syntax"] = None``) makes jsonschema
    skip those two checkers; every other format and every validation work as before. Called by
    :func:`setup`, before anything imports plotly; it does nothing once jsonschema's formats are
    loaded, or when the package is already imported.

    Returns:
      True when the checker was kept out; False when it was too late (or already out).
    """
    if "jsonschema._format" in sys.modules or "rfc3987_syntax" in sys.modules:
        return False
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # "absent": import raises ImportError
    return True


def process_memory_mb() -> float | None:
    """This process's resident memory (RSS) in MB, or None where it cannot be read (no psutil).

    >>> process_memory_mb() > 1
    True
    """
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel and jupyter_server
        return None
    return psutil.Process().memory_info().rss / 2**20


def release_compiled(above_mb: float | None = None) -> bool:
    """Drop JAX's in-memory caches of traced and compiled programs, then :func:`release_memory`.

    On the CPU every compiled XLA program stays resident in JAX's caches for as long as the
    process lives, so a sweep that compiles one program per width keeps them all after it ends
    (``benchmarks/kernel_memory.py`` measures what they hold). Dropping them costs only speed: the
    next call of a jitted function traces it again and reads the program back from the
    persistent compilation cache (:func:`enable_compilation_cache`) instead of compiling.
    Long runs (:class:`hardtrain.views.longrun.LongRun`) call this after each chunk with
    ``above_mb=run_threshold_mb(...)``, so the programs are dropped only when the kernel is over
    its budget or the run has grown it, and programs shared by the chunks are not traced again
    and again below it.

    Args:
      above_mb: act only when this process's resident memory is above so many MB (None: always;
        0: never).
    Returns:
      True when the caches were dropped.
    Raises:
      ValueError: ``above_mb`` is negative.

    >>> release_compiled(above_mb=0)
    False
    """
    if above_mb is not None:
        if not above_mb >= 0:
            raise ValueError(f"above_mb must be >= 0 or None, got {above_mb!r}")
        if above_mb == 0:
            return False
        rss = process_memory_mb()
        if rss is None or rss <= above_mb:
            return False
    import gc

    import jax

    jax.clear_caches()
    gc.collect()
    release_memory()
    return True


#: How much a long run may grow a kernel that was already over its budget when the run began
#: before it drops compiled programs (MB): the course page's one kernel holds every lab built so
#: far, and dropping after every step would read the programs its steps share back again and again.
RUN_HEADROOM_MB = 50.0


def run_threshold_mb(budget_mb: float, start_mb: float | None) -> float:
    """The memory (MB) above which a long run drops JAX's compiled programs after a step.

    ``max(budget_mb, start_mb + RUN_HEADROOM_MB)``: the kernel's budget, or, for a kernel that
    was already near or over it when the run began, the run's own growth. 0 (never) when the
    budget is 0.

    Args:
      budget_mb: the kernel's budget (:func:`memory_budget_mb`), MB; 0 = never.
      start_mb: the process's resident memory when the run began, MB (None: unknown).
    Returns:
      The threshold in MB, or 0.0 for never.

    >>> run_threshold_mb(350.0, 300.0), run_threshold_mb(350.0, 700.0), run_threshold_mb(0.0, 700.0)
    (350.0, 750.0, 0.0)
    """
    if not budget_mb > 0:
        return 0.0
    return max(budget_mb, (start_mb or 0.0) + RUN_HEADROOM_MB)


def memory_budget_mb() -> float:
    """:func:`kernel_memory_mb`, or 0 (no budget) when ``HARDTRAIN_KERNEL_MEMORY_MB`` cannot be
    read: the error goes to the instructor's terminal (:func:`view_logger`), and a learner's click
    never fails because of it.

    >>> memory_budget_mb() >= 0
    True
    """
    try:
        return kernel_memory_mb()
    except ValueError as exc:
        view_logger().warning("%s; no memory budget", exc)
        return 0.0


def release_over_budget(at_end: bool = False) -> bool:
    """Give memory back around a view's heavy step (a training run, a sweep).

    Before or during the step (``at_end=False``): :func:`release_compiled` if this process is
    above its budget (:func:`memory_budget_mb`). At its end (``at_end=True``): JAX's compiled
    programs are dropped whatever the memory, unless the budget is 0 (never), so that a page the
    learner has used returns to about the memory it had when it was drawn; running the step
    again traces its functions again and reads their programs from the compilation cache.
    Otherwise only the C heap's free pages are released (:func:`release_memory`).

    Returns:
      True when JAX's compiled programs were dropped.
    """
    budget = memory_budget_mb()
    if budget > 0 and release_compiled(above_mb=None if at_end else budget):
        return True
    release_memory()
    return False


def release_memory() -> bool:
    """Hand the C heap's free pages back to the operating system (glibc ``malloc_trim(0)``).

    Compiling XLA programs and importing libraries leave the C heap fragmented: a lab kernel
    keeps freed memory that the allocator would otherwise only reuse, never return. Views call
    this after a heavy step (building a dashboard, a training run, a sweep). Binder gives a
    learner 1-2 GB for all their kernels.

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
