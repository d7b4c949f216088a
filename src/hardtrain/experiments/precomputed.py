"""Precomputed results: the one place that records provenance, writes and reads them.

A precomputed result is a JSON document with at least ``"provenance"`` (command, package
versions, machine, date) and the experiment's own fields. Lab 3's sweeps and lab 4's pruning
study are written by ``python -m hardtrain.experiments precompute ...`` into the repository's
``assets/lab3/`` and ``assets/lab4/``; the dashboards draw them as the grey, full-scale curves,
and ``tests/claims/`` checks the pages' sentences against them.

Examples:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = save(folder / "demo.json", {"provenance": {"command": "demo"}, "x": np.arange(3)})
    >>> load("demo.json", folder=folder)["x"]
    [0, 1, 2]
    >>> load("absent.json", folder=folder)
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...absent.json not found; ...
"""

from __future__ import annotations

import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np

__all__ = ["assets_dir", "provenance", "save", "load", "PACKAGES"]

#: Packages whose versions every provenance records.
PACKAGES = ("hardtrain", "jax", "jaxlib", "flax", "optax", "numpy", "scipy", "mnist1d")


def assets_dir(*parts: str) -> Path:
    """The repository's ``assets/`` folder (or a sub-folder), where precomputed results ship.

    Args:
      *parts: sub-folder names, e.g. ``"lab3"``.

    Returns:
      The path (it may not exist in an installation without the repository's assets).
    """
    return Path(__file__).resolve().parents[3].joinpath("assets", *parts)


def provenance(command: str, **fields) -> dict:
    """Where a result comes from: the command, package versions, machine and date.

    Args:
      command: the command line that produced the result.
      **fields: experiment-specific entries (seed, configuration, seconds, dataset...),
        stored as given (they must be JSON-able after :func:`save`'s conversions).

    Returns:
      ``{"command", "versions", "machine", "date", **fields}``; ``machine`` has the platform,
      processor, CPU count, Python version, JAX backend and devices.
    """
    import jax

    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    machine = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
               "cpu_count": os.cpu_count(), "python": platform.python_version(),
               "jax_backend": jax.default_backend(), "devices": [str(d) for d in jax.devices()]}
    return {"command": command, "versions": versions, "machine": machine,
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), **fields}


def _jsonable(o):
    if isinstance(o, (np.floating, np.integer, np.bool_)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if hasattr(o, "__array__"):  # JAX arrays
        return np.asarray(o).tolist()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def save(path: str | os.PathLike, document: dict) -> Path:
    """Write a result as JSON (NumPy and JAX values converted; folders created).

    Args:
      path: the file to write.
      document: a dict, normally with a ``"provenance"`` entry from :func:`provenance`.

    Returns:
      The path written.

    Raises:
      TypeError: a value that is not JSON-able.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, default=_jsonable) + "\n", encoding="utf-8")
    return path


def load(name: str, *, folder: str | os.PathLike | None = None, lab: str | None = None) -> dict:
    """Read a precomputed result.

    Args:
      name: the file name (e.g. ``"double_descent_rf.json"``), or a path to a file.
      folder: the folder holding it; default ``assets/<lab>/`` of the repository.
      lab: ``"lab3"`` or ``"lab4"``, to find the default folder.

    Returns:
      The JSON document as a dict.

    Raises:
      FileNotFoundError: no such file; the message names the command that writes it.
      ValueError: the file is not valid JSON, or neither a folder nor a lab is given for a
        bare name.
    """
    path = Path(name)
    if not path.is_file():
        if folder is None and lab is None:
            raise ValueError(f"{name!r} is not a file; give folder= or lab= to find it")
        path = (Path(folder) if folder is not None else assets_dir(lab)) / name
    if not path.is_file():
        what = f" {lab}" if lab else " lab3|lab4"
        raise FileNotFoundError(f"{path} not found; write it with `python -m hardtrain.experiments "
                                f"precompute{what} --out {path.parent}/`")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}); precompute it again") from None
