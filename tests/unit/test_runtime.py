"""Importing hardtrain changes nothing global; runtime.setup does, once; the environment defaults
are the ones tasks.py and binder/start export."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import hardtrain
from hardtrain import environment

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(hardtrain.__file__).resolve().parents[1]


def _passes(code: str, **env) -> None:
    """Run ``code`` in a fresh interpreter (see :func:`_run`); its assertions must hold."""
    r = _run(code, **env)
    assert r.returncode == 0, r.stderr[-2000:]


def _run(code: str, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "HARDTRAIN_", "XDG_"))}
    full.update(PYTHONPATH=str(SRC), **env)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=300)


def test_importing_the_package_and_its_views_changes_nothing_global():
    code = ("import logging, hardtrain, hardtrain.views, hardtrain.views.lab1, jax; "
            "assert jax.config.jax_default_matmul_precision is None, jax.config.jax_default_matmul_precision; "
            "assert jax.config.jax_compilation_cache_dir is None, jax.config.jax_compilation_cache_dir; "
            "assert not logging.getLogger('hardtrain.views').handlers")
    _passes(code)


def test_setup_turns_on_the_cache_precision_and_log_handler_once(tmp_path):
    code = ("import logging, jax; from hardtrain import runtime; a = runtime.setup(); b = runtime.setup(); "
            "assert a == b; "
            "assert jax.config.jax_default_matmul_precision == 'highest'; "
            f"assert jax.config.jax_compilation_cache_dir == {str(tmp_path / 'jax')!r}, jax.config.jax_compilation_cache_dir; "
            "log = logging.getLogger('hardtrain.views'); assert len(log.handlers) == 1 and not log.propagate")
    r = _run(code, HARDTRAIN_CACHE_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr[-2000:]


def test_setup_keeps_a_precision_the_user_chose():
    code = ("import jax; jax.config.update('jax_default_matmul_precision', 'bfloat16'); "
            "from hardtrain import runtime; runtime.setup(compilation_cache=False); "
            "assert jax.config.jax_default_matmul_precision == 'bfloat16'")
    _passes(code)


def test_binder_start_exports_the_same_defaults_as_tasks_py(tmp_path):
    """binder/start and tasks.py take their variables from hardtrain.environment: same names, same values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "HARDTRAIN_", "XDG_", "MALLOC_"))}
    env.update(HOME=str(tmp_path), PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
               PYTHONPATH=str(SRC))
    r = subprocess.run(["bash", str(ROOT / "binder" / "start"), "env"], env=env, capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    exported = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    expected = environment.defaults({"HOME": str(tmp_path)})
    names = ["HARDTRAIN_CACHE_DIR", "JAX_COMPILATION_CACHE_DIR", *environment.FIXED_DEFAULTS]
    assert {n: exported.get(n) for n in names} == {n: expected[n] for n in names}
    assert expected["HARDTRAIN_CACHE_DIR"] == str(tmp_path / ".cache" / "hardtrain")
    assert (tmp_path / ".cache" / "hardtrain" / "jax").is_dir()  # binder/start creates the JAX cache folder

    sys.path.insert(0, str(ROOT))
    try:
        import tasks
    finally:
        sys.path.remove(str(ROOT))
    old = dict(os.environ)
    try:
        for k in list(os.environ):
            if k.startswith(("JAX_", "HARDTRAIN_", "XDG_", "MALLOC_")):
                del os.environ[k]
        os.environ["HOME"] = str(tmp_path)
        from_tasks = tasks.runtime_env()
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert {n: from_tasks[n] for n in names} == {n: expected[n] for n in names}


def test_values_already_set_win():
    env = environment.defaults({"HOME": "/h", "HARDTRAIN_SHARED_PLOTLY_BUNDLE": "0", "XDG_CACHE_HOME": "/x"})
    assert env["HARDTRAIN_SHARED_PLOTLY_BUNDLE"] == "0"
    assert env["HARDTRAIN_CACHE_DIR"] == "/x/hardtrain"


def test_every_lab_calls_setup_in_its_first_code_cell_before_anything_else():
    import json

    labs = sorted((ROOT / "labs").glob("*.ipynb"))  # the start and course pages too
    assert len(labs) >= 11
    for path in labs:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        first = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        lines = [line for line in first.splitlines() if line.strip()]
        assert lines[:2] == ["from hardtrain import runtime", lines[1]] and lines[1].startswith("runtime.setup()"), \
            f"{path.name}: the first code cell must start with runtime.setup(): {lines[:3]}"


def test_setup_keeps_jsonschemas_iri_checker_out_and_every_other_validation_works():
    """plotly imports nbformat, which imports jsonschema, whose formats module imports the slow
    rfc3987_syntax package: after setup() it is not loaded, and validation still works."""
    code = ("import sys; from hardtrain import runtime; runtime.setup(compilation_cache=False); "
            "import plotly.graph_objects as go; go.FigureWidget(); "
            "assert 'nbformat' in sys.modules and 'jsonschema._format' in sys.modules; "
            "assert sys.modules.get('rfc3987_syntax') is None; "
            "import jsonschema, nbformat; checker = jsonschema.FormatChecker(); "
            "assert 'iri' not in checker.checkers and 'date' in checker.checkers; "
            "assert checker.conforms('2026-12-04', 'date') and not checker.conforms('2026-13-45', 'date'); "
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1 + 1')]); nbformat.validate(nb); "
            "nb.cells[0]['cell_type'] = 'nonsense'; "
            "bad = False\n"
            "try:\n    nbformat.validate(nb)\n"
            "except nbformat.ValidationError:\n    bad = True\n"
            "assert bad, 'an invalid notebook passed'")
    _passes(code)


def test_without_setup_the_iri_checker_is_there_and_setup_is_then_too_late():
    """The control: the checker exists (so the test above could fail), and setup() after
    jsonschema's formats were loaded changes nothing and says so."""
    code = ("import sys, jsonschema; from hardtrain import runtime; "
            "assert 'iri' in jsonschema.FormatChecker().checkers; "
            "assert runtime.skip_iri_format_checker() is False; "
            "assert sys.modules.get('rfc3987_syntax') is not None")
    _passes(code)


def test_release_compiled_drops_jaxs_programs_and_gives_the_memory_back(tmp_path):
    """30 programs compiled and kept by JAX; dropped, the process holds less, and the function
    still computes the right values (traced again, read back from the persistent cache)."""
    code = ("import numpy as np, jax, jax.numpy as jnp; from hardtrain import runtime; runtime.setup(); "
            "f = jax.jit(lambda x: jnp.tanh(2.0 * x).sum()); "
            "[f(jnp.ones(n)).block_until_ready() for n in range(1, 31)]; "
            "assert f._cache_size() == 30; "
            "assert runtime.release_compiled(above_mb=1e9) is False and f._cache_size() == 30; "
            "before = runtime.process_memory_mb(); "
            "assert runtime.release_compiled() is True and f._cache_size() == 0; "
            "after = runtime.process_memory_mb(); "
            "assert before - after > 15, (before, after); "
            "assert abs(float(f(jnp.ones(7))) - 7 * np.tanh(2.0)) < 1e-5")
    _passes(code, HARDTRAIN_CACHE_DIR=str(tmp_path))


def test_kernel_memory_budget_reads_the_environment(monkeypatch):
    from hardtrain import runtime

    monkeypatch.setenv("HARDTRAIN_KERNEL_MEMORY_MB", " 512 ")
    assert runtime.kernel_memory_mb() == 512.0
    for bad in ("-1", "lots", "inf", "nan"):
        monkeypatch.setenv("HARDTRAIN_KERNEL_MEMORY_MB", bad)
        with pytest.raises(ValueError, match="HARDTRAIN_KERNEL_MEMORY_MB"):
            runtime.kernel_memory_mb()
    with pytest.raises(ValueError, match="above_mb"):
        runtime.release_compiled(above_mb=-5)


def test_release_over_budget_drops_programs_over_the_budget_or_at_the_end_and_survives_a_misspelt_one(monkeypatch):
    import jax
    import jax.numpy as jnp

    from hardtrain import runtime

    f = jax.jit(lambda x: x.sum() * 2.0)
    cases = [("0", False, False), ("1000000", False, False), ("lots", False, False), ("1", False, True),
             ("0", True, False), ("lots", True, False), ("1000000", True, True)]  # (budget, at_end, dropped)
    for budget, at_end, dropped in cases:
        monkeypatch.setenv("HARDTRAIN_KERNEL_MEMORY_MB", budget)
        f(jnp.ones(3)).block_until_ready()
        assert f._cache_size() == 1
        assert runtime.release_over_budget(at_end=at_end) is dropped, (budget, at_end)
        assert f._cache_size() == (0 if dropped else 1), (budget, at_end)
    monkeypatch.setenv("HARDTRAIN_KERNEL_MEMORY_MB", "lots")
    assert runtime.memory_budget_mb() == 0.0
