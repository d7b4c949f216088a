"""The runnable examples in the public docstrings of the modules that have them still run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["hardtrain.pruning", "hardtrain.compute", "hardtrain.models",
                                  "hardtrain.hardness.irrational"])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 1 and result.failed == 0, result
