"""Controls every dashboard shares: a status line, a number box that explains what it refuses,
a guard that keeps tracebacks off the page, CSS classes for tests and styling, a timer.

Rules every view follows: bad input shows a short message next to the control and keeps the last
good state; a callback never lets an exception reach the kernel's output (the traceback goes to
the instructor's terminal through :func:`hardtrain.runtime.view_logger`).
"""

from __future__ import annotations

import functools
import html
import time
from typing import Callable

import ipywidgets as widgets
import numpy as np

from ..runtime import view_logger

__all__ = ["css_class", "Status", "guarded", "NumberField", "labelled", "Timer", "log"]


class _ViewLog:
    """The dashboards' logger, fetched when first used (:func:`hardtrain.runtime.view_logger`
    installs its handler then): importing this module changes no global logging state."""

    def __getattr__(self, name):
        return getattr(view_logger(), name)


log = _ViewLog()

#: Light, readable colours that keep contrast in Voila's light and dark themes (the figures sit
#: on their own white card).


def css_class(widget: widgets.Widget, *names: str) -> widgets.Widget:
    """Add stable CSS classes (used by the browser tests and the Voila style sheet)."""
    for name in names:
        widget.add_class(name)
    return widget


class Status(widgets.HTML):
    """A one-line message area: ``ok``, ``info`` or ``error`` (class ``ht-status``).

    Errors carry the class ``ht-error`` so tests and screen readers can find them; the text is
    HTML-escaped, so a learner's input is never interpreted as markup.
    """

    def __init__(self, text: str = "", **kwargs):
        super().__init__(**kwargs)
        css_class(self, "ht-status")
        self.info(text)

    def _set(self, kind: str, text: str) -> None:
        self.value = f'<span class="ht-msg ht-{kind}" role="status">{html.escape(text)}</span>'

    def info(self, text: str) -> None:
        """Neutral message."""
        self._set("info", text)

    def ok(self, text: str) -> None:
        """Success message."""
        self._set("ok", text)

    def error(self, text: str) -> None:
        """Problem message (what was wrong, what is accepted)."""
        self._set("error", text)


def guarded(status_attr: str = "status"):
    """Decorate a view method used as a widget callback so that no exception escapes.

    ``ValueError`` (bad input) shows its message in ``self.<status_attr>``; any other
    exception shows a one-line summary and is logged. The previous figures stay as they were.
    """

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            status: Status = getattr(self, status_attr)
            try:
                return fn(self, *args, **kwargs)
            except ValueError as exc:
                status.error(str(exc))
            except Exception as exc:  # noqa: BLE001 - a dashboard must never die on a learner
                log.exception("dashboard callback failed")
                status.error(f"Could not update ({type(exc).__name__}: {exc}). "
                             "The last good result is still shown.")
            return None

        return wrapper

    return deco


class NumberField(widgets.HBox):
    """A text box for a number (or a few numbers) with validation and a message beside it.

    The box accepts what a learner types; on Enter or leaving the box the text is parsed. A
    malformed or out-of-range entry shows a message next to the box (class ``ht-error``) and
    ``value`` keeps the last good value; the next valid entry clears the message.

    Args:
      label: text before the box.
      value: initial value (a float, or a tuple of ``size`` floats).
      lo, hi: inclusive bounds of each number.
      size: how many comma-separated numbers the box holds (1 for a plain number).
      name: the class ``ht-<name>`` is added to the box, for tests and styling.
      on_change: called with the new value after a valid entry.
      positive: reject 0 (e.g. a learning rate).
    """

    def __init__(self, label: str, value, lo: float, hi: float, *, size: int = 1,
                 name: str = "", on_change: Callable | None = None, positive: bool = False,
                 width: str = "9em"):
        self.lo, self.hi, self.size, self.positive = lo, hi, size, positive
        self.label = label
        self.value = value
        self.on_change = on_change
        self.text = widgets.Text(value=self._format(value), continuous_update=False,
                                 description=label, style={"description_width": "initial"},
                                 layout=widgets.Layout(width=f"calc({width} + {len(label)}ch)"))
        self.message = widgets.HTML("", layout=widgets.Layout(margin="0 0 0 0.5em"))
        css_class(self.message, "ht-field-message")
        super().__init__([self.text, self.message])
        css_class(self, "ht-field", *( [f"ht-{name}"] if name else []))
        self.text.observe(self._changed, names="value")

    def _format(self, value) -> str:
        if self.size == 1:
            return f"{value:g}"
        return ", ".join(f"{v:g}" for v in value)

    def parse(self, text: str):
        """Parse ``text``; return the value or raise ValueError with what is accepted."""
        accepted = (f"a number in [{self.lo:g}, {self.hi:g}]" if self.size == 1 else
                    f"{self.size} numbers separated by commas, each in [{self.lo:g}, {self.hi:g}]")
        parts = [p for p in text.replace("\u2212", "-").replace(";", ",").split(",") if p.strip()]
        if len(parts) != self.size:
            raise ValueError(f"{self.label}: expected {accepted}, got {text.strip()[:40]!r}")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"{self.label}: expected {accepted}, got {text.strip()[:40]!r}") from None
        for v in nums:
            if not np.isfinite(v) or not self.lo <= v <= self.hi or (self.positive and v == 0):
                extra = " (and not 0)" if self.positive else ""
                raise ValueError(f"{self.label}: {v:g} is outside the accepted range; "
                                 f"expected {accepted}{extra}")
        return nums[0] if self.size == 1 else tuple(nums)

    def _changed(self, change) -> None:
        try:
            value = self.parse(change["new"])
        except ValueError as exc:
            self.message.value = f'<span class="ht-msg ht-error" role="alert">{html.escape(str(exc))}</span>'
            return
        self.message.value = ""
        self.value = value
        if self.on_change is not None:
            self.on_change(value)


def labelled(text: str, widget: widgets.Widget) -> widgets.Widget:
    """Set a widget's description with enough room to read it."""
    widget.description = text
    widget.style = {"description_width": "initial"}
    return widget


class Timer:
    """Context manager measuring wall time in milliseconds (``.ms``)."""

    def __enter__(self):
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = 1e3 * (time.perf_counter() - self._t)
        return False
