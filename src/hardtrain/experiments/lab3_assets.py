"""Lab 3's precomputed results: the full-scale runs the dashboards draw in grey.

``python -m hardtrain.experiments precompute lab3 --out assets/lab3/ [--only FILE ...] [--fast]``
runs each experiment of lab 3 at its ``full()`` preset (``--fast``: ``tiny()``) and writes one
JSON document per file of :data:`PRECOMPUTED`, with the layout ``{"description", "fast",
"seconds", "provenance", "result"}`` (provenance and writing by
:mod:`hardtrain.experiments.precomputed`). The experiments: double descent (Belkin et al., PNAS
2019, arXiv 1812.11118; Nakkiran et al., ICLR 2020, arXiv 1912.02292), lazy training (Jacot et
al., NeurIPS 2018, arXiv 1806.07572), width against lab 2's hard instance and random labels
(Zhang et al., ICLR 2017, arXiv 1611.03530) and the cost ladder (Thompson et al.,
arXiv 2007.05558).

Examples:
    >>> sorted(PRECOMPUTED)[:2]
    ['cost_ladder.json', 'double_descent_mlp.json']
    >>> load("double_descent_rf.json")["result"]["noise_0.15"]["settings"]["n_train"]
    1000
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Callable, Sequence

from . import double_descent, lazy_training, precomputed, price_of_accuracy, width_makes_easy

__all__ = ["PRECOMPUTED", "precompute", "load"]

#: What ``python -m hardtrain.experiments precompute lab3`` writes, file name -> description.
PRECOMPUTED = {
    "double_descent_rf.json": "random ReLU features + min-norm least squares, n = 1000, label noise 0 and 0.15",
    "double_descent_mlp.json": "MLP width sweep trained by Adam, n = 1000, label noise 0 and 0.15",
    "lazy_training.json": "relative weight change vs width (NTK parameterisation)",
    "width_makes_easy.json": "GD success vs width: lab 2's hard instance and random labels",
    "cost_ladder.json": "FLOPs, time and test error for a ladder of MNIST-1D MLPs",
}


def _preset(config_cls, fast: bool):
    return config_cls.tiny() if fast else config_cls.full()


def _items(fast: bool) -> dict[str, Callable[[], dict]]:
    """File name -> a function that runs its experiment and returns the document's ``"result"``."""
    dd = _preset(double_descent.Config, fast)

    def rf():
        return {f"noise_{p:g}": double_descent.RandomFeaturesSweep.from_config(
                    dataclasses.replace(dd, label_noise=p)).run().to_dict()
                for p in dd.noise_levels}

    def mlp():
        return {f"noise_{p:g}": double_descent.MLPWidthSweep.from_config(
                    dataclasses.replace(dd, label_noise=p)).run().to_dict()
                for p in dd.noise_levels}

    def lazy():
        return {"sweep": lazy_training.LazyTrainingSweep.from_config(
            _preset(lazy_training.Config, fast)).run().to_dict()}

    def easy():
        config = _preset(width_makes_easy.Config, fast)
        hard = width_makes_easy.HardInstanceSweep.from_config(config).run().to_dict()
        hard["settings"]["instance"] = dict(width_makes_easy.HARD_INSTANCE)
        return {"memorisation": width_makes_easy.MemorisationSweep.from_config(config).run().to_dict(),
                "hard_instance": hard}

    def ladder():
        lad = price_of_accuracy.CostLadder.from_config(_preset(price_of_accuracy.Config, fast))
        lad.run()
        return price_of_accuracy.ladder_document(lad)

    return {"double_descent_rf.json": rf, "double_descent_mlp.json": mlp, "lazy_training.json": lazy,
            "width_makes_easy.json": easy, "cost_ladder.json": ladder}


def precompute(out: str | os.PathLike, only: Sequence[str] | None = None, fast: bool = False,
               command: str = "") -> list[str]:
    """Run lab 3's experiments at full scale and write JSON files with provenance into ``out``.

    Args:
      out: folder (created).
      only: file names from :data:`PRECOMPUTED` to (re)make (default all).
      fast: the ``tiny()`` presets (for testing the command itself).
      command: recorded in the provenance.

    Returns:
      The paths written.

    Raises:
      ValueError: an unknown name in ``only``.
    """
    items = _items(fast)
    names = list(items) if not only else list(only)
    unknown = [n for n in names if n not in items]
    if unknown:
        raise ValueError(f"unknown precomputed file(s) {unknown}; expected some of {list(items)}")
    command = command or f"python -m hardtrain.experiments precompute lab3 --out {out}"
    written = []
    for name in names:
        t0 = time.perf_counter()
        result = items[name]()
        doc = {"description": PRECOMPUTED[name], "fast": bool(fast), "seconds": round(time.perf_counter() - t0, 1),
               "provenance": precomputed.provenance(command, seed=0), "result": result}
        path = precomputed.save(Path(out) / name, doc)
        written.append(str(path))
        print(f"wrote {path} ({doc['seconds']} s)", flush=True)
    return written


def load(name: str, folder: str | os.PathLike | None = None) -> dict:
    """A precomputed lab-3 result (the JSON written by :func:`precompute`).

    Args:
      name: a file name from :data:`PRECOMPUTED`.
      folder: default the repository's ``assets/lab3/``.

    Returns:
      The document: ``{"description", "fast", "seconds", "provenance", "result"}``.

    Raises:
      ValueError: an unknown name, or a file that is not valid JSON.
      FileNotFoundError: no such file (the message names the command that writes it).
    """
    if name not in PRECOMPUTED:
        raise ValueError(f"unknown precomputed file {name!r}; expected one of {list(PRECOMPUTED)}")
    return precomputed.load(name, folder=folder, lab="lab3")
