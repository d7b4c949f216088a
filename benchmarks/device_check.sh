#!/bin/bash
# One pass over an accelerator machine: do the package's tests, the labs and the GPU-relevant
# benchmarks run there, and how fast? Written for the project's borrowed GPU machines (Python 3.12
# with jax, flax, optax, scipy and scikit-learn already installed, no network). The packages
# missing there travel as wheels in .whl/; fetch them beside the repository with:
#
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
#       --platform manylinux2014_x86_64 -d .whl plotly==7.1.0 ipywidgets==8.1.9 anywidget==0.11.0 \
#       mnist1d==0.0.2.post1 python-sat==1.9.dev17 ipython==9.18.1 comm traitlets jedi parso \
#       decorator matplotlib-inline prompt-toolkit stack-data asttokens executing pure-eval \
#       wcwidth pexpect ptyprocess psygnal widgetsnbextension jupyterlab-widgets \
#       ipython-pygments-lexers
#
# Usage: OUT=<folder for the logs> bash benchmarks/device_check.sh   (about 8 minutes on an H200)
# The machine's own jax is used, which may be newer than pyproject's bound: the run reports it.
set -uo pipefail
OUT="${OUT:-/tmp/device_check}"
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH="$PWD/src:/tmp/site"
else
    export PYTHONPATH="$PWD/src"
fi
export PYTHONUNBUFFERED=1 HARDTRAIN_CACHE_DIR=/tmp/hardtrain-cache MPLBACKEND=Agg
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # share the card politely; the labs are small

{
    date -u
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || true
    nproc
    python3 -c "import sys, jax, flax, optax; print(sys.version.split()[0], 'jax', jax.__version__, 'flax', flax.__version__, 'optax', optax.__version__); print(jax.devices())"
} 2>&1 | tee "$OUT/machine.txt"

echo "== 1. unit tests (on the machine's default device)"
timeout 200 python3 -m pytest tests/unit -q --maxfail=40 -p no:cacheprovider -o minversion=0 \
    --ignore=tests/unit/test_longrun.py \
    --timeout 150 -m "not slow" 2>&1 | tee "$OUT/unit.txt" | tail -n 25

echo "== 2. every lab's notebook, executed cell by cell without a kernel (normal mode)"
timeout 240 python3 - <<'EOF' 2>&1 | tee "$OUT/labs.txt"
import json, os, time, traceback
from pathlib import Path
import jax
from IPython.display import display  # noqa: F401  (the cells may call it)
os.chdir("labs")
for nb in sorted(Path(".").glob("*.ipynb")):
    cells = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
    ns = {"__name__": "__main__", "display": display}
    t0 = time.perf_counter()
    try:
        for cell in cells:
            exec(compile("".join(cell["source"]), str(nb), "exec"), ns)
        jax.effects_barrier()
        print(f"{nb.name}: ok, {time.perf_counter() - t0:.1f} s, {len(cells)} cells", flush=True)
    except Exception:
        print(f"{nb.name}: FAILED after {time.perf_counter() - t0:.1f} s", flush=True)
        traceback.print_exc()
EOF

echo "== 3. benchmarks"
timeout 60 python3 benchmarks/surface_grid.py 2>&1 | tee "$OUT/surface_grid.txt" | tail -n 15
timeout 60 python3 benchmarks/train_step_flops.py 2>&1 | tee "$OUT/train_step_flops.txt" | tail -n 15
timeout 60 python3 benchmarks/sharding_scaling.py --real --devices 1 2>&1 | tee "$OUT/sharding.txt" | tail -n 10
echo "== done"
