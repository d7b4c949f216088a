"""``python -m hardtrain.experiments precompute lab3|lab4 ...``: the one command line that writes
the precomputed results the dashboards draw (with provenance).

    python -m hardtrain.experiments precompute lab3 --out assets/lab3/ [--only FILE ...] [--fast]
    python -m hardtrain.experiments precompute lab4 --out assets/lab4/ [--architecture mlp|cnn] [--scale full|live|tiny]
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the precomputation; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m hardtrain.experiments",
                                     description="Precompute the labs' full-scale results, with provenance.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    pre = sub.add_parser("precompute", help="run an experiment at full scale and write JSON into assets/")
    labs = pre.add_subparsers(dest="lab", required=True)
    l3 = labs.add_parser("lab3", help="double descent, lazy training, width vs hardness, the cost ladder")
    l3.add_argument("--out", default="assets/lab3/")
    l3.add_argument("--only", nargs="*", help="file names to (re)make (default: all)")
    l3.add_argument("--fast", action="store_true", help="tiny sizes, to test the command")
    l4 = labs.add_parser("lab4", help="the pruning study (MLP or CNN)")
    l4.add_argument("--out", default="assets/lab4/")
    l4.add_argument("--architecture", choices=("mlp", "cnn"), default="mlp")
    l4.add_argument("--scale", choices=("full", "live", "tiny"), default="full")
    args = parser.parse_args(argv)
    command = "python -m hardtrain.experiments " + " ".join(shlex.quote(a) for a in argv)

    from .. import runtime

    runtime.setup()
    if args.lab == "lab3":
        from .lab3_assets import precompute

        precompute(args.out, args.only, args.fast, command)
    else:
        from .pruning_study import StudyConfig, precompute

        config = getattr(StudyConfig, args.scale)(args.architecture)

        def report(frac, msg):
            print(f"[{frac:6.1%}] {msg}", flush=True)

        print(f"wrote {precompute(args.out, config, command=command, progress=report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
