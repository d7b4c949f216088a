"""The runnable examples in the docstrings of every core module still run (doctest).

Every module of the package outside :mod:`hardtrain.views` is searched; the modules listed in
``MUST_HAVE_EXAMPLES`` must have at least one example, and every public function of the
numerics modules (``NUMERICS``) must have one of its own.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re

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


NUMERICS_PACKAGES = ("hardtrain.hardness", "hardtrain.overparam", "hardtrain.pruning")
NUMERICS = sorted({"hardtrain.data", "hardtrain.models", "hardtrain.train", "hardtrain.landscape",
                   "hardtrain.compute", "hardtrain.validation"}
                  | {m for m in CORE if m.startswith(NUMERICS_PACKAGES) and not m.endswith("__main__")})


def _public_functions(module):
    """The functions named in ``module.__all__`` that the module itself defines."""
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name, None)
        if inspect.isfunction(obj) and obj.__module__ == module.__name__:
            yield name, obj


def test_the_numerics_modules_exist():
    assert set(NUMERICS) <= set(CORE), sorted(set(NUMERICS) - set(CORE))
    assert {p for p in NUMERICS_PACKAGES if any(m.startswith(p + ".") for m in NUMERICS)} == set(NUMERICS_PACKAGES)


@pytest.mark.parametrize("name", NUMERICS)
def test_every_public_numerics_function_has_an_example(name):
    """Each public function has a doctest example in its own docstring, or (a tiny helper) is
    called by name in an example of its module's docstring. Classes are exempt."""
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    module_examples = "\n".join(e.source for e in doctest.DocTestParser().get_examples(module.__doc__ or ""))
    missing = [fn for fn, obj in _public_functions(module)
               if not any(t.examples for t in finder.find(obj, fn, module=module))
               and not re.search(rf"\b{re.escape(fn)}\(", module_examples)]
    assert not missing, (f"{name}: public functions without a doctest example (add an 'Examples:' "
                         f"section to their docstrings): {', '.join(missing)}")
