#!/usr/bin/env python3
"""hardtrain's task runner: one file, standard library only, Python >= 3.11.

    python3 tasks.py setup            create .venv and install the locked environment (idempotent)
    python3 tasks.py serve            serve the labs with Voila on http://127.0.0.1:8866
    python3 tasks.py test [ARGS...]   unit + notebook + browser tests in one pytest run
    python3 tasks.py lock [--upgrade] re-resolve requirements/lock.txt and binder/requirements.txt
    python3 tasks.py bench [NAME...]  run the scripts in benchmarks/ and print their figures

`serve`, `test` and `bench` run `setup` first; when nothing changed that takes well under a second
(a stamp in .venv records the hash of the lock file, pyproject.toml and this setup recipe).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "lock.txt"
BINDER_REQUIREMENTS = ROOT / "binder" / "requirements.txt"
PYPROJECT = ROOT / "pyproject.toml"
STAMP = VENV / ".hardtrain-setup.json"
LABS = ROOT / "labs"

# Bump when the setup recipe below changes, so that existing environments are refreshed.
SETUP_RECIPE = "2"
UV_REQUIREMENT = "uv>=0.9,<1"
PYTHON_FLOOR = (3, 11)  # keep in step with requires-python in pyproject.toml
LOCK_PYTHON = "3.11"  # the oldest supported Python; also binder/runtime.txt

# Voila, for `serve`. Kernels idle this long (seconds) are shut down, checked every CULL_INTERVAL.
# voila.json (read by `voila` started from the repository root) carries the same numbers.
HOST = "127.0.0.1"
PORT = 8866
CULL_IDLE_TIMEOUT = 600
CULL_INTERVAL = 60
# Seconds between a preheated kernel being handed to a visitor and its replacement starting
# (Voila's VoilaKernelManager.fill_delay, default 1 s). The replacement executes its notebook
# (JAX compiles, ~20 s of CPU); started 1 s after the page request it competed with the
# visitor's page load, and lab 1's first figure came at 4.02 s instead of 2.84 s (medians of 5
# alternating loads, 2-core VM, benchmarks/RESULTS.md, session 5; rerun with
# `benchmarks/browser_ab.py --a HEAD --fill-delay-a 1`). A visitor of the same lab
# within this window gets no preheated kernel, as a visitor during a refill does.
POOL_FILL_DELAY = 15

# Tests. Per notebook cell (nbmake); the whole-test limit is `timeout` in pyproject.toml.
NOTEBOOK_CELL_TIMEOUT = 300
DEFAULT_CHROMIUM = "/usr/bin/chromium"


def say(message: str) -> None:
    print(f"[tasks] {message}", flush=True)


def die(message: str, code: int = 2) -> "NoReturn":  # noqa: F821 - string annotation only
    print(f"[tasks] ERROR: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def venv_bin(name: str) -> Path:
    """Path of an executable inside .venv (bin/ on POSIX, Scripts/ on Windows)."""
    if os.name == "nt":
        return VENV / "Scripts" / (name + ".exe")
    return VENV / "bin" / name


def run(cmd: list[str | os.PathLike], **kwargs) -> None:
    """Run a command from the repository root; exit with its status if it fails."""
    shown = " ".join(str(c) for c in cmd)
    say(f"$ {shown}")
    result = subprocess.run([str(c) for c in cmd], cwd=kwargs.pop("cwd", ROOT), **kwargs)
    if result.returncode != 0:
        die(f"command failed with exit status {result.returncode}: {shown}", result.returncode)


def check_python() -> None:
    if sys.version_info < PYTHON_FLOOR:
        die(
            "hardtrain needs Python >= %d.%d; this is %s (%s). Run tasks.py with a newer python3."
            % (*PYTHON_FLOOR, sys.version.split()[0], sys.executable)
        )


# --------------------------------------------------------------------------------------- setup


def setup_fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(SETUP_RECIPE.encode())
    # The Voila template is copied into the environment at install time (pyproject's shared-data):
    # a change to it must reinstall, like a change to the lock or pyproject.
    template = sorted((ROOT / "src" / "hardtrain" / "views" / "jupyter").rglob("*"))
    for path in (LOCK, PYPROJECT, *[p for p in template if p.is_file()]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def venv_python_works() -> bool:
    python = venv_bin("python")
    if not python.exists():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version_info >= %r)" % (PYTHON_FLOOR,)],
        capture_output=True,
        text=True,
    )
    return probe.returncode == 0 and probe.stdout.strip() == "True"


def setup(force: bool = False, quiet: bool = False) -> Path:
    """Create .venv if needed and install requirements/lock.txt plus the package (editable).

    Returns the virtual environment's python. Skips all installing when the stamp matches.
    """
    check_python()
    if not LOCK.exists():
        die(f"{LOCK.relative_to(ROOT)} is missing; run `python3 tasks.py lock` (needs network)")
    fingerprint = setup_fingerprint()
    python = venv_bin("python")

    if not force and STAMP.exists() and venv_python_works():
        try:
            if json.loads(STAMP.read_text()).get("fingerprint") == fingerprint:
                if not quiet:
                    say(".venv is up to date with requirements/lock.txt and pyproject.toml")
                return python
        except (OSError, ValueError):
            pass

    start = time.monotonic()
    if not venv_python_works():
        say(f"creating {VENV.relative_to(ROOT)} with {sys.executable} ({sys.version.split()[0]})")
        clear = ["--clear"] if VENV.exists() else []
        created = subprocess.run([sys.executable, "-m", "venv", *clear, str(VENV)], cwd=ROOT)
        if created.returncode != 0:
            die(
                "could not create the virtual environment. On Debian/Ubuntu install the venv "
                "module first: `apt-get install python3-venv`."
            )

    uv = venv_bin("uv")
    if not uv.exists():
        run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             UV_REQUIREMENT])
    run([uv, "pip", "install", "--python", python, "-r", LOCK])
    run([uv, "pip", "install", "--python", python, "--no-deps", "-e", "."])

    STAMP.write_text(json.dumps({
        "fingerprint": fingerprint,
        "python": sys.version.split()[0],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }, indent=2) + "\n")
    say(f"environment ready in {time.monotonic() - start:.1f} s: {python}")
    return python


# ------------------------------------------------------------------------------- environment


def _environment_module():
    """src/hardtrain/environment.py, loaded by path: it needs only the standard library, so it
    works before the virtual environment exists."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_hardtrain_environment", ROOT / "src" / "hardtrain" / "environment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def runtime_env() -> dict[str, str]:
    """Environment shared by `serve`, `test` and `bench`: hardtrain's defaults (per-user caches for
    hardtrain and JAX, the shared plotly.js bundle, two malloc arenas), from the one place that
    holds them, `hardtrain.environment.defaults`, also used by binder/start. Values already set by
    the caller win.
    """
    env = _environment_module().defaults(os.environ)
    # Make the venv's tools (jupyter, voila) the ones found by subprocesses.
    env["PATH"] = str(venv_bin("python").parent) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(VENV)
    return env


def exec_or_run(cmd: list[str], env: dict[str, str]) -> "NoReturn":  # noqa: F821
    """Replace this process by ``cmd`` (POSIX) so Ctrl-C and signals reach it directly."""
    say("$ " + " ".join(cmd))
    sys.stdout.flush()
    os.chdir(ROOT)
    if os.name == "posix":
        os.execve(cmd[0], cmd, env)
    try:
        raise SystemExit(subprocess.call(cmd, cwd=ROOT, env=env))
    except KeyboardInterrupt:
        raise SystemExit(130)


# ---------------------------------------------------------------------------------------- serve

# Preheating in tree mode (checked in the source of voila 0.5.13, voila/voila_kernel_manager.py):
# with --preheat_kernel=True and no notebook given, VoilaKernelManager.__init__ walks root_dir
# with rglob("*.ipynb") (skipping .ipynb_checkpoints and preheat_denylist patterns) and fills a
# pool of `pool_size` kernels for EVERY notebook, each executing its notebook ahead of the first
# visit. So `voila labs/` preheats all labs: at startup it runs (number of notebooks x pool_size)
# kernels at once, about 0.2-0.4 GB each, and a used kernel is replaced after `fill_delay` (Voila's
# default 1 s; `serve` sets POOL_FILL_DELAY).
# A request that asks for a different ?template= or ?theme= than the pool's bypasses it. Pooled
# kernels are never culled (cull_kernel_if_idle skips them). A preheated notebook runs before any
# request exists, so it sees no QUERY_STRING until it calls voila.utils.wait_for_request().
# Preheating exists only in the standalone `voila` app, not in the Jupyter server extension that
# serves voila/render/... on Binder.


#: Memory of one idle lab kernel after its page loaded: 250-430 MB measured by
#: `benchmarks/serving.py --scenario tabs` (benchmarks/RESULTS.md), for
#: the estimate `serve --class-size` prints before it starts a pool.
KERNEL_MB = 350


def pool_plan(labs_dir: Path, lab: str, class_size: int) -> dict:
    """Voila's kernel_pools_config for a class taught lab ``lab``: ``class_size`` preheated
    kernels for that lab's notebook, one for the start page, none for the other labs.

    ``lab`` is a notebook's name or the start of it ("01", "01b", "04"): it must match exactly one
    notebook of ``labs_dir`` as ``<lab>_...ipynb`` or ``<lab>.ipynb``.
    """
    if class_size < 1:
        die(f"--class-size must be at least 1, got {class_size}")
    names = sorted(p.name for p in labs_dir.glob("*.ipynb"))
    matches = [n for n in names if n == lab or n == f"{lab}.ipynb" or n.startswith(f"{lab}_")]
    if len(matches) != 1:
        die(f"--lab {lab!r} must name one notebook of {labs_dir}: it matches {matches or 'none'}; "
            f"notebooks: {', '.join(names)}")
    plan = {"default": {"pool_size": 0}, matches[0]: {"pool_size": int(class_size)}}
    start = [n for n in names if n.startswith("00_start")]  # not 00_course: one kernel per student
    if start and start[0] != matches[0]:
        plan[start[0]] = {"pool_size": 1}
    return plan


def memory_mb() -> int | None:
    """Total memory of this machine in MB (Linux /proc/meminfo), or None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def serve(args: argparse.Namespace, extra: list[str]) -> None:
    setup(quiet=True)
    env = runtime_env()
    target = Path(args.path).resolve()
    if not target.exists():
        die(f"{args.path} does not exist")
    plan = None
    if args.lab or args.class_size:
        if not (args.lab and args.class_size) or args.no_preheat or not target.is_dir():
            die("--lab and --class-size go together, serve a folder (labs/) and need preheating")
        plan = pool_plan(target, args.lab, args.class_size)
        kernels = sum(v["pool_size"] for v in plan.values())
        need, have = kernels * KERNEL_MB, memory_mb()
        say(f"pool for a class of {args.class_size} on {args.lab}: {kernels} preheated kernels, about "
            f"{need / 1024:.1f} GB idle (KERNEL_MB = {KERNEL_MB} each)"
            + (f"; this machine has {have / 1024:.1f} GB" if have else ""))
        if have and need > 0.8 * have:
            say("WARNING: the pool would use more than 80% of this machine's memory; lower "
                "--class-size or serve the class from JupyterHub (README, Scaling out)")
    cmd = [
        str(venv_bin("voila")),
        str(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target),
        "--no-browser",
        f"--Voila.ip={args.host}",
        f"--port={args.port}",
        "--Voila.port_retries=0",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL}",
    ]
    if args.no_preheat:
        cmd.append("--preheat_kernel=False")
    else:
        cmd += ["--preheat_kernel=True", f"--pool_size={args.pool_size}",
                f"--VoilaKernelManager.fill_delay={args.fill_delay:g}"]
        if plan is not None:  # a Dict trait, given as a literal on the command line
            cmd.append(f"--VoilaKernelManager.kernel_pools_config={json.dumps(plan)}")
    cmd += extra
    url = f"http://{args.host}:{args.port}/"
    say(f"open {url} (Ctrl-C stops the server); first start compiles, later starts reuse "
        f"the JAX cache in {env['JAX_COMPILATION_CACHE_DIR']}")
    exec_or_run(cmd, env)


# ----------------------------------------------------------------------------------------- test


def looks_like_path(arg: str) -> bool:
    if arg.startswith("-"):
        return False
    return (ROOT / arg.split("::", 1)[0]).exists() or Path(arg.split("::", 1)[0]).exists()


def chromium_path() -> str:
    return os.environ.get("HARDTRAIN_CHROMIUM", DEFAULT_CHROMIUM)


#: JupyterHub's proxy, from the npm registry, for tests/browser/test_jupyterhub.py (pinned).
CHP_REQUIREMENT = "configurable-http-proxy@5.3.0"
CHP_DIR = VENV / "chp"


def ensure_proxy(required: bool) -> Path | None:
    """configurable-http-proxy installed with npm into .venv/chp (once); its path, or None.

    Without npm (or offline) the hub test cannot run: under CI that is an error, elsewhere the
    test is skipped with the reason.
    """
    exe = CHP_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    if exe.exists():
        return exe
    npm = shutil.which("npm")
    if npm is not None:
        say(f"installing {CHP_REQUIREMENT} (JupyterHub's proxy) into {CHP_DIR} with npm")
        CHP_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--prefix", str(CHP_DIR), "--no-audit", "--no-fund",
                               "--loglevel=error", CHP_REQUIREMENT])
        if done.returncode == 0 and exe.exists():
            return exe
    if required:
        die(f"CI=true but {CHP_REQUIREMENT} could not be installed (npm {'missing' if npm is None else 'failed'}): "
            "the JupyterHub test must run in CI; install Node.js and npm (Debian: apt-get install -y npm)")
    say(f"no {CHP_REQUIREMENT}: the JupyterHub test will be skipped")
    return None


def test(args: argparse.Namespace, extra: list[str]) -> None:
    """One pytest run: tests/ (unit, packaging, browser) and every labs/*.ipynb under nbmake.

    Extra arguments go to pytest after ours (so a later --nbmake-timeout=... wins). If any of them
    names an existing file or folder, only those paths are collected instead of tests/ and labs/.
    """
    ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    browser = chromium_path()
    have_browser = Path(browser).is_file() and os.access(browser, os.X_OK)
    if ci and not have_browser:
        die(
            f"CI=true but no Chromium at {browser}. The browser tests must run in CI: "
            "install Debian's chromium (`apt-get install -y chromium`, as .ci/run does) "
            "or set HARDTRAIN_CHROMIUM to its path. Never `playwright install`."
        )
    python = setup(quiet=True)
    env = runtime_env()
    env["HARDTRAIN_FAST"] = env.get("HARDTRAIN_FAST") or "1"
    env.setdefault("MPLBACKEND", "Agg")  # mnist1d imports matplotlib; no display in CI
    env.setdefault("HARDTRAIN_CHROMIUM", browser)
    if ci:
        env["HARDTRAIN_REQUIRE_BROWSER"] = "1"
    if not have_browser:
        say(f"no Chromium at {browser}: browser tests will be skipped "
            "(set HARDTRAIN_REQUIRE_BROWSER=1 to make that an error)")
    proxy = ensure_proxy(required=ci)
    if proxy is not None:
        env["HARDTRAIN_CHP"] = str(proxy)

    if any(looks_like_path(a) for a in extra):
        paths = []
    else:  # a folder that does not exist (yet) would make pytest stop with "not found"
        # Unit tests first (fast failures), then the notebooks, then the rest of tests/ (pytest
        # drops the duplicate paths): the browser tests come after nbmake has filled the JAX
        # compilation cache, so their Voila kernels load compiled programs instead of compiling.
        paths = [p for p in ("tests/unit", "tests/claims", "labs", "tests") if (ROOT / p).is_dir()]
    cmd = [
        str(python), "-m", "pytest", *paths,
        "--nbmake",
        f"--nbmake-timeout={NOTEBOOK_CELL_TIMEOUT}",
        "--nbmake-kernel=python3",
        *extra,
    ]
    say(f"HARDTRAIN_FAST={env['HARDTRAIN_FAST']} "
        f"HARDTRAIN_REQUIRE_BROWSER={env.get('HARDTRAIN_REQUIRE_BROWSER', '0')}")
    say("$ " + " ".join(cmd))
    raise SystemExit(subprocess.call(cmd, cwd=ROOT, env=env))


# ----------------------------------------------------------------------------------------- lock


def lock(args: argparse.Namespace, extra: list[str]) -> None:
    """Re-resolve the lock files with uv. Existing pins are kept unless --upgrade is given."""
    check_python()
    uv = venv_bin("uv")
    if not uv.exists():
        if not venv_python_works():
            run([sys.executable, "-m", "venv", VENV])
        run([venv_bin("python"), "-m", "pip", "install", "--quiet", UV_REQUIREMENT])
    upgrade = ["--upgrade"] if args.upgrade else []
    # --universal: one file with environment markers, valid on Linux, macOS and Windows.
    # The Binder file is constrained by the lock so the two can never disagree.
    run([uv, "pip", "compile", "pyproject.toml", "--extra", "test", "--python-version",
         LOCK_PYTHON, "--universal", *upgrade, "-o", "requirements/lock.txt", *extra])
    run([uv, "pip", "compile", "pyproject.toml", "--python-version", LOCK_PYTHON,
         "--universal", "-c", "requirements/lock.txt", "-o", "binder/requirements.txt", *extra])
    say("lock files written; the next `setup` reinstalls from them")


# ---------------------------------------------------------------------------------------- bench


def bench(args: argparse.Namespace, extra: list[str]) -> None:
    """Run benchmarks/*.py (or those named) one after another with the venv's python."""
    python = setup(quiet=True)
    env = runtime_env()
    folder = ROOT / "benchmarks"
    scripts = sorted(folder.glob("*.py")) if folder.is_dir() else []
    scripts = [s for s in scripts if not s.name.startswith("_")]
    if args.names:
        wanted = {n.removesuffix(".py") for n in args.names}
        unknown = wanted - {s.stem for s in scripts}
        if unknown:
            die(f"no benchmark named {', '.join(sorted(unknown))} in benchmarks/ "
                f"(have: {', '.join(s.stem for s in scripts) or 'none'})")
        scripts = [s for s in scripts if s.stem in wanted]
    if not scripts:
        say("no benchmark scripts in benchmarks/ yet")
        return
    failed = []
    for script in scripts:
        say(f"=== {script.relative_to(ROOT)}")
        code = subprocess.call([str(python), str(script), *extra], cwd=ROOT, env=env)
        if code != 0:
            failed.append(script.name)
    if failed:
        die(f"benchmarks failed: {', '.join(failed)}", 1)


# ----------------------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 tasks.py",
        description="hardtrain tasks: set up the environment, serve the labs, run the tests.",
        epilog="Environment: HARDTRAIN_CACHE_DIR (per-user cache, default ~/.cache/hardtrain), "
               "HARDTRAIN_FAST (test sets 1), HARDTRAIN_CHROMIUM (default /usr/bin/chromium), "
               "HARDTRAIN_REQUIRE_BROWSER (test sets 1 when CI=true).",
    )
    sub = parser.add_subparsers(dest="task", required=True, metavar="TASK")

    p = sub.add_parser("setup", help="create .venv and install the locked environment")
    p.add_argument("--force", action="store_true", help="reinstall even if the stamp matches")

    p = sub.add_parser("serve", help=f"serve labs/ with Voila on http://{HOST}:{PORT}",
                       description="Serve the labs as Voila dashboards (extra args go to voila).")
    p.add_argument("path", nargs="?", default="labs", help="folder or notebook (default: labs)")
    p.add_argument("--host", default=HOST, help=f"address to listen on (default {HOST})")
    p.add_argument("--port", type=int, default=PORT, help=f"port (default {PORT})")
    p.add_argument("--pool-size", type=int, default=1,
                   help="preheated kernels kept ready per notebook (default 1)")
    p.add_argument("--fill-delay", type=float, default=POOL_FILL_DELAY,
                   help="seconds before a used preheated kernel is replaced (default "
                        f"{POOL_FILL_DELAY}: after the visitor's page has loaded)")
    p.add_argument("--no-preheat", action="store_true",
                   help="start kernels on demand (less memory, slower first page)")
    p.add_argument("--lab", help="the lab being taught (e.g. 01, 01b, 04): its notebook gets the class's pool")
    p.add_argument("--class-size", type=int, help="students arriving at once: preheated kernels for --lab "
                   "(the start page keeps one, the other labs none)")

    sub.add_parser("test", help="unit, notebook and browser tests (extra args go to pytest)",
                   description="One pytest run over tests/ and labs/*.ipynb (nbmake) with "
                               "HARDTRAIN_FAST=1. Extra args go to pytest; naming a path "
                               "restricts the run to it.")

    p = sub.add_parser("lock", help="re-resolve requirements/lock.txt and binder/requirements.txt")
    p.add_argument("--upgrade", action="store_true", help="allow newer versions within bounds")

    p = sub.add_parser("bench", help="run benchmarks/*.py")
    p.add_argument("names", nargs="*", help="benchmark names (default: all)")
    return parser


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # `test` forwards everything after it to pytest (including options like -k or -x).
    if argv and argv[0] == "test" and not {"-h", "--help"} & set(argv[1:2]):
        test(argparse.Namespace(task="test"), argv[1:])
        return
    args, extra = parser.parse_known_args(argv)
    if args.task == "setup":
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        setup(force=args.force)
    elif args.task == "serve":
        serve(args, extra)
    elif args.task == "lock":
        lock(args, extra)
    elif args.task == "bench":
        bench(args, extra)


if __name__ == "__main__":
    main()
