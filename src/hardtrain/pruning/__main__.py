"""``python -m hardtrain.pruning precompute ...``: an alias of the experiments' command line.

    python -m hardtrain.pruning precompute [--out assets/lab4/] [--architecture mlp|cnn] [--scale full|live|tiny]

runs ``python -m hardtrain.experiments precompute lab4`` with the same options (the study is an
experiment: :mod:`hardtrain.experiments.pruning_study`). A command alias, not a library import:
the numerics of :mod:`hardtrain.pruning` never import :mod:`hardtrain.experiments`.
"""

from __future__ import annotations

import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m hardtrain.experiments precompute lab4 <options>``; returns the exit status.

    Args:
      argv: ``["precompute", *options]`` (default: ``sys.argv[1:]``).

    Returns:
      The exit status of :func:`hardtrain.experiments.__main__.main`.

    Raises:
      SystemExit: no ``precompute`` sub-command, or options that command rejects (usage printed).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "precompute":
        print("usage: python -m hardtrain.pruning precompute [--out DIR] [--architecture mlp|cnn] "
              "[--scale full|live|tiny]\n(an alias of `python -m hardtrain.experiments precompute lab4 ...`)",
              file=sys.stderr)
        raise SystemExit(2)
    from hardtrain.experiments.__main__ import main as experiments_main

    return experiments_main(["precompute", "lab4", *argv[1:]])


if __name__ == "__main__":
    raise SystemExit(main())
