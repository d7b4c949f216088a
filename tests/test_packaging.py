"""The packaging files agree with each other.

pyproject.toml states bounds; requirements/lock.txt pins the tested environment (test tools
included); binder/requirements.txt pins the runtime for Binder; binder/runtime.txt picks Binder's
Python. Each check below is a small function returning the problems it found, tested once on the
real files and once on a deliberately broken copy, so that a check that can no longer fail is
noticed.
"""

from __future__ import annotations

import ast
import json
import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements" / "lock.txt"
BINDER = ROOT / "binder"
TASKS = ROOT / "tasks.py"

# Environments the lock files must be right for: Binder/CI (Linux, oldest and newest 3.11 and a
# newer Python), a learner's Mac and Windows laptop. Markers in the universal lock select lines.
ENVIRONMENTS = {
    "linux-3.11.0": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                     "python_version": "3.11", "python_full_version": "3.11.0"},
    "linux-3.11.9": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                     "python_version": "3.11", "python_full_version": "3.11.9"},
    "linux-3.12.8": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                     "python_version": "3.12", "python_full_version": "3.12.8"},
    "darwin-3.11.9": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                      "platform_machine": "arm64",
                      "python_version": "3.11", "python_full_version": "3.11.9"},
    "win32-3.11.9": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                     "platform_machine": "AMD64",
                     "python_version": "3.11", "python_full_version": "3.11.9"},
}


def environment(name: str) -> dict[str, str]:
    env = default_environment()
    env.update({"implementation_name": "cpython", "platform_python_implementation": "CPython",
                "platform_machine": "x86_64", "extra": ""})
    env.update(ENVIRONMENTS[name])
    return env


# ------------------------------------------------------------------------------------ parsing


def read_pyproject(path: Path = PYPROJECT) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


def parse_requirement_lines(text: str) -> list[Requirement]:
    """Requirements of a pip requirements file (comments, blank and option lines skipped)."""
    reqs = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            raise ValueError(f"option line not expected in a lock file: {raw!r}")
        reqs.append(Requirement(line))
    return reqs


def pins(reqs: list[Requirement], env: dict[str, str]) -> dict[str, Version]:
    """name -> pinned version for the requirements whose marker holds in ``env``.

    Raises ValueError for an unpinned requirement or two different pins of one package.
    """
    out: dict[str, Version] = {}
    for req in reqs:
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
            raise ValueError(f"not pinned with ==: {req}")
        name = canonicalize_name(req.name)
        version = Version(specs[0].version)
        if name in out and out[name] != version:
            raise ValueError(f"{name} pinned twice: {out[name]} and {version}")
        out[name] = version
    return out


def declared(pyproject: dict, extras: tuple[str, ...] = ()) -> list[Requirement]:
    project = pyproject["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return reqs


# ------------------------------------------------------------------------------------- checks


def bound_problems(reqs: list[Requirement]) -> list[str]:
    """Requirements lacking a lower bound or an upper bound."""
    lower_ops, upper_ops = {">=", ">", "==", "~=", "==="}, {"<", "<=", "==", "~=", "==="}
    problems = []
    for req in reqs:
        ops = {s.operator for s in req.specifier}
        if not ops & lower_ops:
            problems.append(f"{req}: no lower bound")
        if not ops & upper_ops:
            problems.append(f"{req}: no upper bound")
    return problems


def pin_problems(reqs: list[Requirement], pinned: dict[str, Version],
                 env: dict[str, str]) -> list[str]:
    """Declared requirements (marker true in env) that are missing from or violated by pins."""
    problems = []
    for req in reqs:
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = canonicalize_name(req.name)
        if name not in pinned:
            problems.append(f"{req.name} is declared but not pinned")
        elif not req.specifier.contains(pinned[name], prereleases=True):
            problems.append(f"{req.name}=={pinned[name]} violates {req.specifier}")
    return problems


def disagreements(lock: dict[str, Version], binder: dict[str, Version]) -> list[str]:
    """Binder pins absent from the lock or pinned to another version there."""
    problems = []
    for name, version in sorted(binder.items()):
        if name not in lock:
            problems.append(f"{name}=={version} is in binder/requirements.txt but not in the lock")
        elif lock[name] != version:
            problems.append(f"{name}: binder {version} != lock {lock[name]}")
    return problems


def runtime_problems(runtime_txt: str, requires_python: str) -> list[str]:
    match = re.fullmatch(r"python-(\d+)\.(\d+)(?:\.(\d+))?", runtime_txt.strip())
    if not match:
        return [f"binder/runtime.txt should read python-X.Y, not {runtime_txt.strip()!r}"]
    version = Version(".".join(g for g in match.groups() if g is not None))
    if not SpecifierSet(requires_python).contains(version):
        return [f"runtime.txt Python {version} does not satisfy requires-python {requires_python}"]
    return []


def last_command(script: str) -> str:
    lines = [ln.strip() for ln in script.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    return lines[-1] if lines else ""


def is_executable(path: Path) -> bool:
    return path.is_file() and bool(path.stat().st_mode & stat.S_IXUSR)


def git_mode(path: Path) -> str | None:
    """The mode git records for a tracked file ('100755' or '100644'), None if not tracked."""
    try:
        out = subprocess.run(["git", "ls-files", "-s", "--", str(path.relative_to(ROOT))],
                             cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.split()[0] if out.returncode == 0 and out.stdout.strip() else None


def non_stdlib_imports(source: str) -> list[str]:
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return sorted(n for n in names if n not in sys.stdlib_module_names)


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return read_pyproject()


@pytest.fixture(scope="module")
def lock_reqs() -> list[Requirement]:
    return parse_requirement_lines(LOCK.read_text())


@pytest.fixture(scope="module")
def binder_reqs() -> list[Requirement]:
    return parse_requirement_lines((BINDER / "requirements.txt").read_text())


# ---------------------------------------------------------------------- tests on the real files


def test_every_dependency_has_lower_and_upper_bounds(pyproject):
    extras = tuple(pyproject["project"]["optional-dependencies"])
    assert bound_problems(declared(pyproject, extras)) == []


def test_gpu_extras_keep_the_jax_bounds(pyproject):
    jax = next(r for r in declared(pyproject) if r.name == "jax")
    for extra, cuda in (("gpu", "cuda12"), ("gpu-cuda13", "cuda13")):
        (req,) = [Requirement(r) for r in pyproject["project"]["optional-dependencies"][extra]]
        assert req.name == "jax" and req.extras == {cuda}
        assert req.specifier == jax.specifier, f"[{extra}] {req.specifier} != {jax.specifier}"


def test_test_extra_has_what_the_runner_uses(pyproject):
    test = {canonicalize_name(r.name) for r in declared(pyproject, ("test",))}
    for needed in ("pytest", "nbmake", "playwright", "pytest-playwright", "hypothesis",
                   "pytest-xdist", "pytest-timeout", "psutil", "nbformat", "packaging"):
        assert needed in test, needed


def test_requires_python_and_src_layout(pyproject):
    assert SpecifierSet(pyproject["project"]["requires-python"]) == SpecifierSet(">=3.11")
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/hardtrain"]


def test_pytest_config_leaves_labs_to_the_runner(pyproject):
    ini = pyproject["tool"]["pytest"]["ini_options"]
    assert ini["testpaths"] == ["tests"]
    assert not any("labs" in a or "nbmake" in a for a in ini["addopts"])
    assert {m.split(":")[0] for m in ini["markers"]} >= {"browser", "slow"}


@pytest.mark.parametrize("env_name", sorted(ENVIRONMENTS))
def test_lock_pins_satisfy_pyproject(pyproject, lock_reqs, env_name):
    env = environment(env_name)
    assert pin_problems(declared(pyproject, ("test",)), pins(lock_reqs, env), env) == []


@pytest.mark.parametrize("env_name", sorted(ENVIRONMENTS))
def test_binder_pins_satisfy_pyproject(pyproject, binder_reqs, env_name):
    env = environment(env_name)
    assert pin_problems(declared(pyproject), pins(binder_reqs, env), env) == []


@pytest.mark.parametrize("env_name", sorted(ENVIRONMENTS))
def test_lock_and_binder_agree(lock_reqs, binder_reqs, env_name):
    env = environment(env_name)
    assert disagreements(pins(lock_reqs, env), pins(binder_reqs, env)) == []


def test_binder_has_no_test_tools(binder_reqs):
    names = {canonicalize_name(r.name) for r in binder_reqs}
    assert not names & {"pytest", "nbmake", "playwright", "pytest-playwright", "hypothesis"}


def test_lock_headers_record_the_command():
    for path, must in ((LOCK, ["--extra test", "--python-version 3.11", "-o requirements/lock.txt"]),
                       (BINDER / "requirements.txt",
                        ["--python-version 3.11", "-c requirements/lock.txt",
                         "-o binder/requirements.txt"])):
        header = "\n".join(path.read_text().splitlines()[:3])
        assert "uv pip compile pyproject.toml" in header, path
        for part in must:
            assert part in header, f"{path.name}: {part!r} missing from the header"


def test_runtime_txt_satisfies_requires_python(pyproject):
    runtime = (BINDER / "runtime.txt").read_text()
    assert runtime_problems(runtime, pyproject["project"]["requires-python"]) == []
    # The lock is resolved for the Python that Binder runs.
    assert runtime.strip() == "python-3.11"


def test_binder_start_ends_with_exec():
    start = BINDER / "start"
    assert last_command(start.read_text()) == 'exec "$@"'
    assert is_executable(start)


@pytest.mark.parametrize("name", ["postBuild", "start"])
def test_binder_scripts_are_executable(name):
    path = BINDER / name
    assert is_executable(path), f"chmod +x binder/{name}"
    assert path.read_text().startswith("#!"), f"binder/{name} needs a shebang line"
    mode = git_mode(path)
    assert mode in (None, "100755"), f"git records binder/{name} as {mode}; git add --chmod=+x"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "python3 tasks.py test" in readme
    assert last_command((ROOT / ".ci" / "run").read_text()) == "python3 tasks.py test"


def test_tasks_py_uses_only_the_standard_library():
    assert non_stdlib_imports(TASKS.read_text()) == []


def test_tasks_py_help_runs_without_the_venv():
    out = subprocess.run([sys.executable, str(TASKS), "--help"], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PYTHONPATH": ""})
    assert out.returncode == 0, out.stderr
    for task in ("setup", "serve", "test", "lock", "bench"):
        assert task in out.stdout


def test_voila_json_culling_matches_tasks_py():
    config = json.loads((ROOT / "voila.json").read_text())
    tree = ast.parse(TASKS.read_text())
    constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
    kernels = config["MappingKernelManager"]
    assert kernels["cull_idle_timeout"] == constants["CULL_IDLE_TIMEOUT"] > 0
    assert kernels["cull_interval"] == constants["CULL_INTERVAL"] > 0
    assert config["VoilaConfiguration"]["show_tracebacks"] is False


def test_installed_environment_matches_the_lock(lock_reqs):
    """What `tasks.py setup` installed is what the lock pins (for this interpreter)."""
    from importlib import metadata

    if sys.prefix == sys.base_prefix:
        pytest.skip("not running inside a virtual environment")
    env = default_environment()
    wrong = []
    for name, version in pins(lock_reqs, env).items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} missing (lock: {version})")
            continue
        if installed != version:
            wrong.append(f"{name} {installed} installed, lock pins {version}")
    assert wrong == [], "run `python3 tasks.py setup --force`: " + "; ".join(wrong)


# --------------------------------------------------- the same checks fail on broken inputs


def test_bound_check_catches_a_missing_bound():
    reqs = [Requirement("jax>=0.10.2"), Requirement("flax<0.13"), Requirement("optax")]
    problems = bound_problems(reqs)
    assert "jax>=0.10.2: no upper bound" in problems
    assert "flax<0.13: no lower bound" in problems
    assert len(problems) == 4


def test_pin_check_catches_out_of_bounds_and_missing_pins():
    env = environment("linux-3.11.9")
    reqs = [Requirement("jax>=0.10.2,<0.11"), Requirement("voila>=0.5.13,<0.6"),
            Requirement("python-sat>=1.9.dev17,<2")]
    pinned = {"jax": Version("0.11.0"), "python-sat": Version("1.9.dev17")}
    assert pin_problems(reqs, pinned, env) == [
        "jax==0.11.0 violates <0.11,>=0.10.2",
        "voila is declared but not pinned",
    ]


def test_pins_reject_unpinned_and_double_pins_and_honour_markers():
    env = environment("linux-3.11.9")
    with pytest.raises(ValueError, match="not pinned"):
        pins(parse_requirement_lines("numpy>=2\n"), env)
    with pytest.raises(ValueError, match="pinned twice"):
        pins(parse_requirement_lines("numpy==2.4.6\nnumpy==2.5.0\n"), env)
    text = "pywinpty==3.1.2 ; os_name == 'nt'\nnumpy==2.4.6\n    # via jax\n"
    assert pins(parse_requirement_lines(text), env) == {"numpy": Version("2.4.6")}
    assert "pywinpty" in pins(parse_requirement_lines(text), environment("win32-3.11.9"))


def test_agreement_check_catches_drift():
    lock = {"jax": Version("0.10.2"), "numpy": Version("2.4.6")}
    binder = {"jax": Version("0.10.1"), "numpy": Version("2.4.6"), "extra": Version("1.0")}
    assert disagreements(lock, binder) == [
        "extra==1.0 is in binder/requirements.txt but not in the lock",
        "jax: binder 0.10.1 != lock 0.10.2",
    ]


def test_runtime_check_catches_old_or_malformed_python():
    assert runtime_problems("python-3.10", ">=3.11")
    assert runtime_problems("3.11", ">=3.11")
    assert runtime_problems("python-3.11\n", ">=3.11") == []
    assert runtime_problems("python-3.12.1", ">=3.11") == []


def test_script_checks_catch_a_missing_exec_and_mode(tmp_path):
    assert last_command('#!/bin/bash\nexport A=1\nexec "$@"\n# done\n') == 'exec "$@"'
    assert last_command('#!/bin/bash\nexec "$@"\necho after\n') != 'exec "$@"'
    script = tmp_path / "postBuild"
    script.write_text("#!/bin/bash\n")
    script.chmod(0o644)
    assert not is_executable(script)
    script.chmod(0o755)
    assert is_executable(script)


def test_stdlib_check_catches_third_party_imports():
    assert non_stdlib_imports("import os\nfrom pathlib import Path\nimport tomllib\n") == []
    assert non_stdlib_imports("import os\nimport requests\nfrom packaging import version\n") == [
        "packaging", "requests"]


def test_class_pool_plan_sizes_one_lab_and_refuses_an_ambiguous_name():
    import tasks

    labs = ROOT / "labs"
    plan = tasks.pool_plan(labs, "01", 30)
    assert plan == {"default": {"pool_size": 0}, "01_convex_vs_nonconvex.ipynb": {"pool_size": 30},
                    "00_start_here.ipynb": {"pool_size": 1}}
    assert tasks.pool_plan(labs, "01b", 5)["01b_hidden_layer_landscapes.ipynb"] == {"pool_size": 5}
    for bad in ("0", "99", "01x"):
        with pytest.raises(SystemExit):
            tasks.pool_plan(labs, bad, 5)
    with pytest.raises(SystemExit):
        tasks.pool_plan(labs, "01", 0)
