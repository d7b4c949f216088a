"""Colour-blind safety of the figures, checked by simulation.

Colours are passed through Machado, Oliveira & Fernandes' model of dichromacy (IEEE TVCG 15(6),
2009; severity 1.0 matrices for protanopia, deuteranopia and tritanopia, applied in linear sRGB)
and compared in CIELAB (CIE76 distance). Two colours closer than ``MIN_DELTA_E`` under some
simulated vision are "confusable". The palette must have none; a figure may use confusable
colours only for traces that also differ by a cue other than colour (line dash, marker symbol,
bar pattern). A negative control shows that the simulation does flag matplotlib's tab10 green and
orange, the pair the views used before.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from hardtrain.views.figures import COLORS

MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
    "normal vision": np.eye(3).tolist(),
}
MIN_DELTA_E = 15.0
NAMED = {"black": "#000000", "white": "#ffffff", "grey": "#808080", "gray": "#808080"}


def _linear_rgb(color: str) -> np.ndarray:
    color = NAMED.get(color.lower(), color)
    m = re.fullmatch(r"#([0-9a-fA-F]{6})", color)
    if m:
        c = np.array([int(m.group(1)[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0
    else:
        m = re.fullmatch(r"rgba?\(([^)]*)\)", color.replace(" ", ""))
        if not m:
            raise ValueError(f"cannot read colour {color!r}")
        c = np.array([float(v) for v in m.group(1).split(",")[:3]]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb_linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb_linear, 0.0, 1.0)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str) -> float:
    m = np.array(MACHADO[vision])
    return float(np.linalg.norm(_lab(m @ _linear_rgb(a)) - _lab(m @ _linear_rgb(b))))


def worst_pair(colors) -> tuple[float, str, str, str]:
    return min((delta_e(a, b, v), v, a, b) for a, b in itertools.combinations(colors, 2) for v in MACHADO)


def test_lab_conversion_matches_known_values():
    # sRGB white and pure red in CIELAB (D65): L=100 for white; red is (53.24, 80.09, 67.20).
    assert _lab(_linear_rgb("#ffffff")) == pytest.approx([100.0, 0.0, 0.0], abs=0.05)
    assert _lab(_linear_rgb("#ff0000")) == pytest.approx([53.24, 80.09, 67.20], abs=0.1)


def test_the_simulation_flags_tab10s_green_and_orange():
    assert delta_e("#2ca02c", "#ff7f0e", "protanopia") < 8 < delta_e("#2ca02c", "#ff7f0e", "normal vision") / 4


def test_the_palette_stays_apart_under_every_simulated_vision():
    d, vision, a, b = worst_pair(COLORS)
    assert d >= MIN_DELTA_E, f"{a} and {b} are {d:.1f} apart under {vision}"


def _cue(trace) -> tuple:
    """What besides colour tells a trace apart: (dash, symbol or None, bar pattern)."""
    if trace.type == "bar":
        return ("bar", trace.marker.pattern.shape or "")
    mode = trace.mode or "lines"
    dash = (trace.line.dash or "solid") if "lines" in mode else None
    symbol = (trace.marker.symbol or "circle") if "markers" in mode else None
    return (dash, symbol)


def _color(trace) -> str | None:
    if trace.type == "bar":
        return trace.marker.color if isinstance(trace.marker.color, str) else None
    mode = trace.mode or "lines"
    c = trace.line.color if "lines" in mode else trace.marker.color
    return c if isinstance(c, str) else None


def _views():
    from hardtrain.views import lab1, lab3, lab4

    return [lab1.ProductPlayground(), lab3.DoubleDescent(), lab4.PruningCurves(), lab4.PruneEarly(),
            lab4.Ablations(), lab4.LayerFractions()]


def test_no_two_legend_entries_differ_by_colour_alone():
    problems = []
    for view in _views():
        entries = [t for t in view.fig.data if t.showlegend is not False and t.name and _color(t)]
        for s, t in itertools.combinations(entries, 2):
            if _cue(s) != _cue(t):
                continue
            for vision in MACHADO:
                d = delta_e(_color(s), _color(t), vision)
                if d < MIN_DELTA_E:
                    problems.append(f"{type(view).__name__}: {s.name!r} and {t.name!r} "
                                    f"({_color(s)}, {_color(t)}) are {d:.1f} apart under {vision}")
                    break
    assert problems == [], "\n".join(problems)
