"""The environment every hardtrain process runs with: the one source of its defaults.

``tasks.py`` (serve, test, bench) and ``binder/start`` (Binder's launch script) both take their
environment variables from :func:`defaults`, so a classroom laptop, CI and Binder agree. A value
already set by the caller always wins.

This module imports only the standard library: ``tasks.py`` loads it by path before the virtual
environment exists, and ``binder/start`` runs it as ``python -m hardtrain.environment --export``.

Examples:
    >>> env = defaults({"HOME": "/home/ada"})
    >>> env["HARDTRAIN_CACHE_DIR"], env["JAX_COMPILATION_CACHE_DIR"]
    ('/home/ada/.cache/hardtrain', '/home/ada/.cache/hardtrain/jax')
    >>> defaults({"HOME": "/home/ada", "MALLOC_ARENA_MAX": "4"})["MALLOC_ARENA_MAX"]
    '4'
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["FIXED_DEFAULTS", "defaults", "export_lines"]

#: Variables with a fixed default value, and why.
FIXED_DEFAULTS: dict[str, str] = {
    # The labs' programs compile in well under JAX's default 1 s minimum: cache them all.
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
    # Under Voila, figures are drawn by hardtrain's front end with one 1.2 MB plotly.js loaded
    # once per page from labs/_static/ (allowed by voila.json's file_allowlist), instead of
    # plotly's 5 MB per figure through the websocket (hardtrain.views.common.LiteFigureWidget).
    "HARDTRAIN_SHARED_PLOTLY_BUNDLE": "1",
    # Two glibc malloc arenas instead of up to 8 per core: a bound for many-core servers (on the
    # 2-core VM it made no measurable difference: benchmarks/kernel_memory.py --compare-arenas).
    "MALLOC_ARENA_MAX": "2",
}


def defaults(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment with hardtrain's defaults filled in (values already set win).

    Per-user caches: ``HARDTRAIN_CACHE_DIR`` defaults to ``$XDG_CACHE_HOME/hardtrain`` (else
    ``~/.cache/hardtrain``) and JAX's persistent compilation cache to its ``jax`` sub-folder.
    A writable cache shared between users would let one user's files run in another's process.

    Args:
      environ: the environment to complete; default ``os.environ``. Not modified.

    Returns:
      A new dict: ``environ`` plus every default it lacked.
    """
    env = dict(os.environ if environ is None else environ)
    home = env.get("HOME") or str(Path.home())
    cache_root = Path(env.get("XDG_CACHE_HOME") or Path(home) / ".cache") / "hardtrain"
    env.setdefault("HARDTRAIN_CACHE_DIR", str(cache_root))
    env.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path(env["HARDTRAIN_CACHE_DIR"]) / "jax"))
    for key, value in FIXED_DEFAULTS.items():
        env.setdefault(key, value)
    return env


def export_lines(environ: Mapping[str, str] | None = None) -> list[str]:
    """Shell ``export`` lines for the variables :func:`defaults` sets (for ``binder/start``).

    Args:
      environ: the environment to complete; default ``os.environ``.

    Returns:
      One ``export NAME=value`` line (value shell-quoted) per hardtrain variable.
    """
    env = defaults(environ)
    names = ["HARDTRAIN_CACHE_DIR", "JAX_COMPILATION_CACHE_DIR", *FIXED_DEFAULTS]
    return [f"export {name}={shlex.quote(env[name])}" for name in names]


if __name__ == "__main__":
    if sys.argv[1:] != ["--export"]:
        sys.exit("usage: python -m hardtrain.environment --export   (prints shell export lines)")
    print("\n".join(export_lines()))
