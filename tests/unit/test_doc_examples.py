"""The runnable examples in the docstrings of every core module still run (doctest).

Every module of the package outside :mod:`hardtrain.views` is searched; the modules listed in
``MUST_HAVE_EXAMPLES`` must have at least one example.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hardtrain

CORE = sorted(m.name for m in pkgutil.walk_packages(hardtrain.__path__, "hardtrain.")
              if not m.name.startswith("hardtrain.views") and not m.name.endswith("__main__"))

MUST_HAVE_EXAMPLES = {"hardtrain.pruning", "hardtrain.compute", "hardtrain.models", "hardtrain.hardness.irrational",
                      "hardtrain.environment", "hardtrain.exercises.answers"}


def test_the_listed_modules_exist():
    assert MUST_HAVE_EXAMPLES <= set(CORE), sorted(MUST_HAVE_EXAMPLES - set(CORE))


@pytest.mark.parametrize("name", CORE)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, result
    if name in MUST_HAVE_EXAMPLES:
        assert result.attempted >= 1, f"{name} has no docstring example"
