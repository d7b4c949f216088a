"""Shared set-up of the unit tests.

The unit tests write hardtrain's caches (the generated MNIST-1D arrays) into a fresh temporary
folder, so a test never reads a learner's ~/.cache/hardtrain and the cache test starts empty.
All tests run in float32 (JAX's default); tolerances say how close float32 must come to the
float64 ground truth.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="package", autouse=True)
def hardtrain_cache_dir(tmp_path_factory):
    """Point ``$HARDTRAIN_CACHE_DIR`` at a fresh temporary folder while tests/unit runs.

    Package scope: the variable is restored as soon as the last unit test has finished, so the
    notebook and browser tests that follow in the same pytest run (``tasks.py test``) and their
    kernels see the caller's cache again. ``$JAX_COMPILATION_CACHE_DIR`` is left alone.
    """
    old = os.environ.get("HARDTRAIN_CACHE_DIR")
    path = tmp_path_factory.mktemp("hardtrain-cache")
    os.environ["HARDTRAIN_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("HARDTRAIN_CACHE_DIR", None)
    else:
        os.environ["HARDTRAIN_CACHE_DIR"] = old
