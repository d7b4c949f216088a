"""``python -m hardtrain.overparam precompute [--out DIR] [--only FILE ...] [--fast]``: an alias.

It runs ``python -m hardtrain.experiments precompute lab3 ...`` with the same options (the one
command line that writes lab 3's precomputed results); a command alias, not a library import.
"""

from __future__ import annotations

import sys
from typing import Sequence

from ..experiments.__main__ import main as experiments_main


def main(argv: Sequence[str] | None = None) -> int:
    """Forward ``precompute ...`` to :func:`hardtrain.experiments.__main__.main`; the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["precompute"]:
        argv = ["precompute", "lab3", *argv[1:]]
    return experiments_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
