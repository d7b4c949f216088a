"""The instructor's link builder: write a link that opens a lab with chosen settings, hidden and
locked controls (the grammar of :mod:`hardtrain.views.pagestate`), without typing it.

:class:`LinkBuilder` sits on the start page. The instructor picks a lab page; the builder builds
that page's views once, out of sight, to read their controls (names, choices, defaults), then
shows one row per control: a value (blank keeps the default), hide, lock, and for each view
"hide the whole view" / "lock the whole view". The link is rewritten at each change, for the
lab's own page or for its tab of the course page, and each value is checked by the same parser
the page will use when the link is opened, so a value the page would refuse is named under the
link before anyone sends it.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote, urlencode

import ipywidgets as widgets

from . import pagestate
from .course import _close_all, _run_cell, lab_pages
from .widgets import NumberField, css_class, log

__all__ = ["LinkBuilder", "page_views"]


def page_views(notebook: str | Path) -> tuple[list[widgets.Widget], list[widgets.Widget]]:
    """Build the shareable views of a lab notebook, out of sight, by running its code cells.

    Args:
      notebook: the ``.ipynb`` file.
    Returns:
      ``(views, shown)``: the views (widgets with a ``page_state``) in page order, and every
      widget the cells returned (close those when done: they hold the views).
    Raises:
      OSError, ValueError: the notebook cannot be read.
    """
    import json

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    namespace: dict = {"__name__": "link_builder"}
    shown: list[widgets.Widget] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            shown += _run_cell("".join(cell.get("source", "")), namespace)
    views: list[widgets.Widget] = []

    def visit(w):
        if hasattr(w, "page_state"):
            views.append(w)
        for child in getattr(w, "children", ()):
            visit(child)

    for w in shown:
        visit(w)
    return views, shown


def _check(widget: widgets.Widget, text: str) -> str | None:
    """None when the page would accept ``text`` for ``widget``, else the reason."""
    try:
        pagestate._decode(widget, text)
    except ValueError as exc:
        return str(exc)
    return None


class _ControlRow:
    """One control's row: value, hide, lock."""

    def __init__(self, view_key: str, name: str, widget: widgets.Widget, default: str | None, on_change):
        self.view_key, self.name, self.widget = view_key, name, widget
        if default is None:  # a button: it can be hidden or locked, not set
            self.value = widgets.HTML(f"<code>{html.escape(view_key)}.{html.escape(name)}</code> <i>(button)</i>",
                                      layout=widgets.Layout(width="36em"))
        elif hasattr(widget, "options") and hasattr(widget, "label") and not isinstance(widget, NumberField):
            choices = [(f"(default: {widget.label})", "")]
            for lab, val in zip(widget._options_labels, widget._options_values):
                text = str(val) if isinstance(val, (str, int, float)) and not isinstance(val, bool) else lab
                if text != default:
                    choices.append((lab, text))
            self.value = widgets.Dropdown(options=choices, value="")
        elif isinstance(widget, (widgets.Checkbox, widgets.ToggleButton)):
            self.value = widgets.Dropdown(options=[(f"(default: {'on' if default == '1' else 'off'})", ""),
                                                   ("on", "1"), ("off", "0")], value="")
        else:
            self.value = widgets.Text(placeholder=f"default {default}")
        if not isinstance(self.value, widgets.HTML):  # the control's name is the box's label
            self.value.description = f"{view_key}.{name}"
            self.value.style = {"description_width": "14em"}
            self.value.layout.width = "36em"
            self.value.observe(lambda _c: on_change(), names="value")
        self.hide = widgets.Checkbox(False, description="hide", indent=False, layout=widgets.Layout(width="6em"))
        self.lock = widgets.Checkbox(False, description="lock", indent=False, layout=widgets.Layout(width="6em"))
        for w in (self.hide, self.lock):
            w.observe(lambda _c: on_change(), names="value")
        self.box = css_class(widgets.HBox([self.value, self.hide, self.lock]), "ht-builder-row",
                             f"ht-builder-{view_key}-{name}")

    def setting(self) -> str:
        """The value typed or chosen ("" for the default, and always for a button)."""
        if isinstance(self.value, widgets.HTML):
            return ""
        v = getattr(self.value, "value", "")
        return v.strip() if isinstance(v, str) else ""


class LinkBuilder(widgets.VBox):
    """Write an instructor link for a lab page (class ``ht-link-builder``).

    Args:
      folder: the ``labs/`` directory (default: the working directory, as Voila starts a page's
        kernel in its notebook's folder).
    Attributes:
      link: the link written so far, relative to the page (``01_convex_vs_nonconvex.ipynb?...`` or
        ``00_course.ipynb?...#01``); ``""`` before a page's controls are read.
      notes: what the page would refuse in the link, one line per setting.
    Raises:
      FileNotFoundError, ValueError: as :func:`hardtrain.views.course.lab_pages`.
    """

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path.cwd() if folder is None else Path(folder)
        self.pages = [p for p in lab_pages(self.folder) if p.key != "00"]
        self.page = widgets.Dropdown(options=[(p.tab_title, p.key) for p in self.pages], value=None,
                                     description="Lab page", style={"description_width": "initial"})
        self.target = widgets.ToggleButtons(options=[("its own page", "page"), ("its tab of the course page", "course")],
                                            value="page", description="Link to",
                                            style={"description_width": "initial"})
        self.rows_box = widgets.VBox()
        self.out = css_class(widgets.HTML(""), "ht-builder-link")
        self.box = css_class(widgets.Text("", disabled=False, description="Link",
                                          layout=widgets.Layout(width="100%"),
                                          style={"description_width": "initial"}), "ht-builder-text")
        self.link, self.notes = "", []
        self._views: list[widgets.Widget] = []
        self._shown: list[widgets.Widget] = []
        self._rows: list[_ControlRow] = []
        self._whole: list[tuple[str, widgets.Checkbox, widgets.Checkbox]] = []
        self.page.observe(lambda c: self.read(c["new"]), names="value")
        self.target.observe(lambda _c: self._write(), names="value")
        super().__init__([widgets.HTML("<b>Build a classroom link.</b> Choose a lab page: its controls are listed "
                                       "below. Give a value to set one (blank keeps the page's default), tick "
                                       "<i>hide</i> to take a control off the page or <i>lock</i> to grey it out, "
                                       "then send the link."),
                          widgets.HBox([self.page, self.target]), self.rows_box, self.out, self.box])
        css_class(self, "ht-link-builder")

    def read(self, key: str | None) -> None:
        """Read the controls of page ``key`` (builds its views out of sight) and list them."""
        for w in self._shown:
            _close_all(w)
        self._views, self._shown, self._rows, self._whole = [], [], [], []
        if key is None:
            self.rows_box.children = ()
            return
        page = next(p for p in self.pages if p.key == key)
        self.rows_box.children = (widgets.HTML(f"<i>Reading the controls of {html.escape(page.tab_title)}...</i>"),)
        try:
            self._views, self._shown = page_views(page.path)
        except Exception as exc:  # noqa: BLE001 - the builder must not break the start page
            log.exception("link builder: could not read %s", page.path.name)
            self.rows_box.children = (widgets.HTML(f'<span class="ht-msg ht-error">Could not read that page '
                                                   f"({html.escape(type(exc).__name__)}).</span>"),)
            return
        rows: list[widgets.Widget] = []
        for view in self._views:
            ps = view.page_state
            hide, lock = (widgets.Checkbox(False, description=f"hide the whole view {ps.key}", indent=False),
                          widgets.Checkbox(False, description=f"lock the whole view {ps.key}", indent=False))
            for w in (hide, lock):
                w.observe(lambda _c: self._write(), names="value")
            self._whole.append((ps.key, hide, lock))
            rows.append(widgets.HTML(f"<b>View <code>{html.escape(ps.key)}</code></b>"))
            rows.append(widgets.HBox([hide, lock]))
            for name, w in ps.controls.items():
                row = _ControlRow(ps.key, name, w, ps.defaults[name], self._write)
                self._rows.append(row)
                rows.append(row.box)
        if not self._views:
            rows.append(widgets.HTML("<i>This page has no view with settings.</i>"))
        self.rows_box.children = tuple(rows)
        self._write()

    def query(self) -> list[tuple[str, str]]:
        """The link's parameters, in page order: settings, then ``hide=``, then ``lock=``."""
        params, hide, lock = [], [], []
        for key, h, lk in self._whole:
            (hide.append(key) if h.value else None), (lock.append(key) if lk.value else None)
        for row in self._rows:
            target = f"{row.view_key}.{row.name}"
            if row.setting():
                params.append((target, row.setting()))
            if row.hide.value:
                hide.append(target)
            if row.lock.value:
                lock.append(target)
        if hide:
            params.append(("hide", ",".join(hide)))
        if lock:
            params.append(("lock", ",".join(lock)))
        return params

    def _write(self) -> None:
        key = self.page.value
        if key is None:
            return
        params = self.query()
        self.notes = []
        for row in self._rows:
            if row.setting():
                why = _check(row.widget, row.setting())
                if why:
                    self.notes.append(f"{row.view_key}.{row.name}={row.setting()}: {why}; the page would keep "
                                      "its default")
        q = urlencode(params, safe=",")
        page = next(p for p in self.pages if p.key == key)
        if self.target.value == "course":
            self.link = f"00_course.ipynb{'?' + q if q else ''}#{key}"
        else:
            self.link = f"{page.path.name}{'?' + q if q else ''}"
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        self.out.value = (f'<p>Open it: <a href="{quote(self.link, safe="/?=&,#.%:")}" target="_blank" '
                          f'rel="noopener">{html.escape(self.link)}</a> (relative to this page: add it after '
                          "<code>.../voila/render/</code>)</p>"
                          + (f'<ul class="ht-msg ht-info" role="status">{notes}</ul>' if notes else ""))
        self.box.value = self.link
