"""Shareable pages: a dashboard's settings live in the page's address, instructor links hide or
lock controls, and a page left hidden gives its kernel back.

The address grammar (README "For instructors", course/README.md)::

    <page>?<view>.<control>=<value>&...&hide=<target>,...&lock=<target>,...

- ``<view>.<control>=<value>`` sets one control of one view when the page opens, e.g.
  ``bowl.span=2.5`` or ``playground.optimizer=adam``. ``<view>`` is the key a view registers with
  :func:`shareable` (``bowl``, ``playground``...), ``<control>`` the control's CSS name without
  ``ht-`` (the same names the browser tests use). A choice takes its value (``adam``) or its
  label; a check box ``1``/``0``; a number any float within the control's range.
- ``hide=`` and ``lock=`` take comma-separated targets: ``<view>.<control>`` (that control),
  ``<control>`` (that control in every view of the page) or ``<view>`` (the whole view: hidden,
  or every control locked). A hidden control is not drawn; a locked one is shown greyed out and
  cannot change.
- A parameter the page cannot use (unknown name, value out of range, not one of the choices)
  leaves that control at its default and is named in a note under the view: nothing is applied
  silently wrong, and the rest of the link still applies.

As the learner changes a control, the page rewrites its address (no reload, no new history
entry), keeping only settings that differ from the defaults, so the address is always a link to
what the page shows; "Copy link" copies it.

A Voila page hidden for :func:`hardtrain.runtime.hidden_tab_seconds` (300 s unless configured)
shuts its kernel down; when shown again it reloads from its address, so the settings come back
(results of buttons pressed, such as a training run, must be run again).
"""

from __future__ import annotations

import functools
import html
import weakref
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl

import anywidget
import ipywidgets as widgets
import traitlets

from .. import runtime
from .widgets import NumberField, css_class, log

__all__ = ["PageLink", "PageState", "shareable", "controls_of", "whole_course", "VOILA_PARAMETERS"]

#: Query parameters that belong to Voila or the server, never reported as unknown.
VOILA_PARAMETERS = frozenset({"voila-template", "voila-theme", "template", "theme", "token", "_xsrf"})

#: CSS names that mark parts of a view, not controls.
_NOT_CONTROLS = frozenset({"view", "summary", "status", "field", "field-message", "msg", "link",
                           "link-note", "hidden", "locked", "error", "info", "ok"})

#: Value widgets that display rather than control.
_DISPLAYS = (widgets.HTML, widgets.HTMLMath, widgets.Label, widgets.IntProgress, widgets.FloatProgress,
             widgets.Valid, widgets.Textarea)

_STATIC = Path(__file__).parent / "static"


@functools.lru_cache(maxsize=1)
def _esm() -> str:
    return (_STATIC / "pagestate.js").read_text(encoding="utf-8")


class PageLink(anywidget.AnyWidget):
    """The browser side of a view's shareable state (``static/pagestate.js``).

    Traits: ``view`` (the view's key), ``query`` (the page's query string, sent by the browser
    once the page has loaded), ``state`` (``{control: text}`` of the settings that differ from the
    defaults; the browser writes them into the address bar) and ``hidden_seconds`` (after so long
    hidden the page shuts its kernel down; 0 = never). It draws the "Copy link" button.
    """

    _esm = _esm()
    view = traitlets.Unicode("").tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
    state = traitlets.Dict().tag(sync=True)
    hidden_seconds = traitlets.Float(0.0).tag(sync=True)


def _css_name(widget: widgets.Widget) -> str | None:
    for cls in getattr(widget, "_dom_classes", ()):
        if cls.startswith("ht-") and cls[3:] not in _NOT_CONTROLS and not cls.startswith("ht-fig-"):
            return cls[3:]
    return None


def controls_of(view: widgets.Widget, key: str = "") -> dict[str, widgets.Widget]:
    """The named controls inside ``view``: ``{name: widget}`` in page order.

    A control is a :class:`~hardtrain.views.widgets.NumberField`, a value widget (drop-down,
    toggle buttons, slider, check box, text box) or a button that carries a CSS class
    ``ht-<name>``; the name loses a leading ``lab<N>-`` and ``<key>-`` (``ht-bowl-loss`` in view
    ``bowl`` is ``loss``, ``ht-lab2-max-n`` is ``max-n``). Displays (HTML, progress bars, figures) are not controls. Raises ValueError when
    two controls of the view share a name.
    """
    found: dict[str, widgets.Widget] = {}

    def visit(w):
        if isinstance(w, NumberField) or (isinstance(w, (widgets.ValueWidget, widgets.Button))
                                          and not isinstance(w, _DISPLAYS)):
            name = _css_name(w)
            if name is not None:
                if len(name) > 5 and name.startswith("lab") and name[3].isdigit() and name[4] == "-":
                    name = name[5:]  # ht-lab2-max-n -> max-n
                if key and name.startswith(key + "-"):
                    name = name[len(key) + 1:]
                if name in found and found[name] is not w:
                    raise ValueError(f"view {key!r} has two controls named {name!r}")
                found[name] = w
            if isinstance(w, NumberField):
                return
        for child in getattr(w, "children", ()):
            visit(child)

    visit(view)
    return found


def _encode(w: widgets.Widget) -> str | None:
    """The text of a control's value in an address; None for a button."""
    if isinstance(w, NumberField):
        return w._format(w.value)
    if isinstance(w, widgets.Button):
        return None
    v = w.value
    if isinstance(w, (widgets.Checkbox, widgets.ToggleButton)):
        return "1" if v else "0"
    if hasattr(w, "options") and hasattr(w, "label"):  # a single choice
        return str(v) if isinstance(v, (str, int, float)) and not isinstance(v, bool) else str(w.label)
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _decode(w: widgets.Widget, text: str):
    """Parse ``text`` for control ``w``; return the value to set or raise ValueError."""
    if isinstance(w, NumberField):
        return w.parse(text)
    if isinstance(w, widgets.Button):
        raise ValueError("a button has no value")
    if isinstance(w, (widgets.Checkbox, widgets.ToggleButton)):
        t = text.strip().lower()
        if t in {"1", "true", "yes", "on"}:
            return True
        if t in {"0", "false", "no", "off"}:
            return False
        raise ValueError("expected 1 or 0")
    if hasattr(w, "options") and hasattr(w, "label"):
        labels = list(w._options_labels)
        values = list(w._options_values)
        for label, value in zip(labels, values):
            if (str(value) == text and isinstance(value, (str, int, float))) or label == text:
                return value
        shown = [str(v) if isinstance(v, (str, int, float)) else lab for lab, v in zip(labels, values)]
        raise ValueError("expected one of " + ", ".join(shown))
    current = w.value
    if isinstance(current, bool):
        return _decode(widgets.Checkbox(), text)
    if isinstance(current, (int, float)):
        try:
            number = float(text)
        except ValueError:
            raise ValueError("expected a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
        lo, hi = getattr(w, "min", None), getattr(w, "max", None)
        if isinstance(w, widgets.FloatLogSlider):
            lo, hi = w.base ** w.min, w.base ** w.max
        if lo is not None and hi is not None and not lo <= number <= hi:
            raise ValueError(f"expected a number in [{lo:g}, {hi:g}]")
        step = getattr(w, "step", None)
        if step and lo is not None and not isinstance(w, widgets.FloatLogSlider):
            number = lo + round((number - lo) / step) * step  # a value the slider can show
            number = min(max(number, lo), hi)
        if isinstance(current, int):
            if number != int(number) and not step:
                raise ValueError("expected a whole number")
            return int(round(number))
        return round(number, 10)
    if isinstance(current, str):
        return text
    raise ValueError("this control cannot be set from a link")


#: Live views of this kernel (the page's views), by key: who reports parameters no view knows.
_PAGE: "weakref.WeakValueDictionary[str, PageState]" = weakref.WeakValueDictionary()
#: Every key given to :func:`shareable` in this process.
_ALL_KEYS: set[str] = set()
#: True on the course page (:func:`whole_course`): views of labs not built yet are not unknown.
_COURSE = False


def whole_course() -> None:
    """Mark this kernel as the course page's (:mod:`hardtrain.views.course`), which builds each
    lab's views only when its tab is chosen: a link's parameters for views not built yet are
    then not reported as unknown (each view applies them when it is built)."""
    global _COURSE
    _COURSE = True


def _known_view(key: str) -> bool:
    return key in _PAGE or (_COURSE and key in _ALL_KEYS)


class PageState:
    """A view's controls bound to the page's address (see the module docstring for the grammar).

    Args:
      view: the dashboard (a box whose descendants are its controls).
      key: the view's name in addresses, e.g. ``"bowl"`` (letters, digits, ``-``).
      controls: ``{name: widget}``; by default :func:`controls_of` ``(view, key)``.

    Attributes:
      link: the :class:`PageLink` widget (Copy link; talks to the address bar).
      note: an HTML line (class ``ht-link-note``) naming parameters that were not applied.
      bar: both, in a box to put at the foot of the view.
      defaults: ``{name: text}`` of each control's value when the view was built.

    Raises:
      ValueError: ``key`` is empty or holds other characters.
    """

    def __init__(self, view: widgets.Box, key: str, controls: dict[str, widgets.Widget] | None = None):
        if not key or not all(c.isalnum() or c == "-" for c in key):
            raise ValueError(f"a view key is letters, digits and '-', got {key!r}")
        self.view, self.key = view, key
        self.controls = controls_of(view, key) if controls is None else dict(controls)
        self.defaults = {n: _encode(w) for n, w in self.controls.items()}
        self.hidden: set[str] = set()
        self.locked: set[str] = set()
        self._applying = False
        try:
            seconds = runtime.hidden_tab_seconds()
        except ValueError as exc:
            log.warning("%s; pages keep their kernels while hidden", exc)
            seconds = 0.0
        self.link = PageLink(view=key, hidden_seconds=seconds)
        self.note = css_class(widgets.HTML(""), "ht-link-note")
        self.bar = css_class(widgets.HBox([self.link, self.note],
                                          layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
                             "ht-link-bar")
        for name, w in self.controls.items():
            target = w.text if isinstance(w, NumberField) else w
            if self.defaults[name] is not None:
                target.observe(lambda _change: self._publish(), names="value")
        self.link.observe(self._on_query, names="query")
        _PAGE[key] = self

    # -- address -> controls ---------------------------------------------------------------
    def _on_query(self, change) -> None:
        try:
            self.apply(change["new"])
        except Exception:  # noqa: BLE001 - a link must never break the page
            log.exception("could not apply the page's address")
            self.note.value = ('<span class="ht-msg ht-error" role="status">This link\'s settings could '
                               "not be applied; the page shows its defaults.</span>")

    def apply(self, query: str) -> list[str]:
        """Set controls, hide and lock from ``query`` (a URL query string, with or without '?').

        Returns the notes about parameters that were not applied (also shown under the view).
        Each control is set through its widget, so the view recomputes as if the learner had
        changed it.
        """
        self._applying = True  # publish once, at the end: the address never shows half a link
        try:
            return self._apply(query)
        finally:
            self._applying = False
            self._publish()

    def _apply(self, query: str) -> list[str]:
        notes: list[str] = []
        mine = self.key + "."
        first_view = next(iter(sorted(_PAGE.keys())), self.key)
        for name, text in parse_qsl(query.lstrip("?"), keep_blank_values=True):
            if name in ("hide", "lock"):
                for target in filter(None, (t.strip() for t in text.split(","))):
                    notes += self._restrict(name, target, first_view)
            elif name.startswith(mine):
                notes += self._set(name[len(mine):], text)
            elif name in VOILA_PARAMETERS:
                continue
            elif self.key == first_view and not _known_view(name.split(".", 1)[0]):
                notes.append(f"{name}: no view of this page is called {name.split('.', 1)[0]!r}")
        self._show(notes)
        return notes

    def _set(self, name: str, text: str) -> list[str]:
        w = self.controls.get(name)
        if w is None or self.defaults.get(name) is None:
            settable = ", ".join(n for n, d in self.controls.items() if d is not None)
            return [f"{self.key}.{name}: this view has no such setting (it has: {settable})"]
        try:
            value = _decode(w, text)
        except ValueError as exc:
            return [f"{self.key}.{name}={text[:40]}: {exc}; kept {self.defaults[name]}"]
        if isinstance(w, NumberField):
            w.text.value = w._format(value)
        else:
            w.value = value
        return []

    def _restrict(self, how: str, target: str, first_view: str) -> list[str]:
        view, _, name = target.rpartition(".")
        if not view:  # "bowl" (a whole view) or "span" (that control in every view)
            if target == self.key:
                if how == "hide":
                    self.view.layout.display = "none"
                    css_class(self.view, "ht-hidden")
                else:
                    for n in self.controls:
                        self._lock(n)
                return []
            if target in self.controls:
                (self._hide if how == "hide" else self._lock)(target)
                return []
            known = _known_view(target) or _COURSE or any(target in p.controls for p in list(_PAGE.values()))
            return [] if known or self.key != first_view else [f"{how}={target}: nothing on this page is called {target!r}"]
        if view != self.key:
            return [] if _known_view(view) or self.key != first_view else [
                f"{how}={target}: no view of this page is called {view!r}"]
        if name not in self.controls:
            return [f"{how}={target}: this view has no control {name!r}"]
        (self._hide if how == "hide" else self._lock)(name)
        return []

    def _hide(self, name: str) -> None:
        w = self.controls[name]
        w.layout.display = "none"
        css_class(w, "ht-hidden")
        self.hidden.add(name)

    def _lock(self, name: str) -> None:
        w = self.controls[name]
        target = w.text if isinstance(w, NumberField) else w
        if name in self.locked:
            return
        self.locked.add(name)
        target.disabled = True
        target.tooltip = "Locked by your instructor's link"
        css_class(w, "ht-locked")
        # Views enable and disable their buttons around a run: a locked control stays locked.
        target.observe(lambda change: setattr(target, "disabled", True) if not change["new"] else None,
                       names="disabled")

    def _show(self, notes: list[str]) -> None:
        if not notes:
            self.note.value = ""
            return
        items = "; ".join(html.escape(n) for n in notes)
        self.note.value = (f'<span class="ht-msg ht-info" role="status">Not applied from the link: {items}. '
                           "The rest of the link applies.</span>")

    # -- controls -> address ---------------------------------------------------------------
    def state(self) -> dict[str, str]:
        """``{name: text}`` of the settings that differ from the defaults (what the address holds)."""
        out = {}
        for name, w in self.controls.items():
            default = self.defaults[name]
            if default is None:
                continue
            text = _encode(w)
            if text != default:
                out[name] = text
        return out

    def _publish(self) -> None:
        if not self._applying:
            self.link.state = self.state()


def shareable(key: str) -> Callable[[type], type]:
    """Class decorator for a dashboard view (a ``widgets.Box``): after ``__init__`` its controls
    are bound to the page's address under ``key`` (:class:`PageState`, kept as
    ``view.page_state``) and the "Copy link" bar is added at the view's foot.

    A view whose building fails still raises as before; the address is applied only once the
    view exists.
    """

    def deco(cls: type) -> type:
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            init(self, *args, **kwargs)
            self.page_state = PageState(self, key)
            self.children = (*self.children, self.page_state.bar)

        cls.__init__ = __init__
        cls.page_key = key
        _ALL_KEYS.add(key)
        return cls

    return deco
