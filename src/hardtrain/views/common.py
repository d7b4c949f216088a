"""The dashboards' shared toolkit, one import for the lab views.

Re-exports :mod:`~hardtrain.views.widgets` (status line, number box, guard, CSS classes, timer),
:mod:`~hardtrain.views.figures` (figure widgets, palette, colour bars, compact arrays),
:mod:`~hardtrain.views.images` (heat maps as pictures, hover points),
:mod:`~hardtrain.views.longrun` (progress, Stop, budget) and
:mod:`~hardtrain.views.exercise_box` (answer boxes).
"""

from __future__ import annotations

from .exercise_box import ExerciseBox
from .figures import (COLORS, PLOTLY_JS, SHARED_PLOTLY_JS, LiteFigureWidget, colorbar_ticks, colorbar_trace,
                      compact, figure_esm, figure_widget, redraw_traces_only)
from .images import grid_points, heatmap_image, hover_points, image_placement
from .longrun import LongRun, Progress
from .widgets import NumberField, Status, Timer, css_class, guarded, labelled, log

__all__ = ["Status", "NumberField", "guarded", "figure_widget", "compact", "css_class",
           "labelled", "Timer", "ExerciseBox", "LongRun", "Progress", "heatmap_image", "image_placement",
           "colorbar_trace", "colorbar_ticks", "grid_points", "hover_points", "redraw_traces_only",
           "LiteFigureWidget", "PLOTLY_JS", "SHARED_PLOTLY_JS", "COLORS", "figure_esm", "log"]
