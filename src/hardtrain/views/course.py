"""One kernel for the whole course: every lab page, built on demand in a kernel that is already warm.

Each Voila page starts its own kernel, which imports JAX, Flax, optax and plotly and compiles its
programs before the first figure appears. The course page
(``labs/00_course.ipynb``) pays that once. :class:`Course` shows the start page and one tab per lab
notebook; a tab is built the first time it is chosen, by running that notebook's cells in the same
kernel: its Markdown is rendered (nbconvert's Markdown filter; formulas typeset by the page), its
code cells run in a namespace of their own, and the widgets they return are shown in order. Times
and memory, side by side with the lab pages: ``benchmarks/serving.py --scenario course``
(figures in benchmarks/RESULTS.md).

The lab shown is kept in the address's fragment (``00_course.ipynb#02b``), so Back returns to the
previous lab, a copied address opens the same lab, and the labs' links to each other switch tabs
instead of opening a page (and a kernel) of their own. The query string works as on the lab
pages (:mod:`hardtrain.views.pagestate`): a view's settings, ``hide=`` and ``lock=``, applied when
the view is built.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import html
import io
import json
import re
import time
from pathlib import Path
from typing import Iterator

import anywidget
import ipywidgets as widgets
import traitlets

from . import pagestate
from .widgets import css_class, log

__all__ = ["CourseAddress", "LabPage", "Course", "lab_pages", "render_markdown"]

#: The tab bar wraps onto a second line rather than cutting the labs' names short, and its labels
#: are dark enough for WCAG AA contrast (axe-core flags Lumino's grey on grey).
_STYLE = ("<style>.ht-course-tabs > .lm-TabBar .lm-TabBar-content, .ht-course-tabs > .p-TabBar .p-TabBar-content"
          " { flex-wrap: wrap; } .ht-course-tabs > .lm-TabBar .lm-TabBar-tab, .ht-course-tabs > .p-TabBar "
          ".p-TabBar-tab { flex: 0 0 auto !important; max-width: none !important; color: #1a1a1a !important; }"
          "</style>")

_PAGE_FILE = re.compile(r"^(0[0-9][a-z]?)_[\w-]+\.ipynb$")
_COURSE_FILE = "00_course.ipynb"


@dataclasses.dataclass(frozen=True)
class LabPage:
    """One notebook of the course.

    Attributes:
      key: the page's short name, from its file name: ``"00"`` (the start page), ``"01"``, ``"01b"``...
      path: the notebook file.
      title: the text of its first Markdown heading (the file name when it has none).
    """

    key: str
    path: Path
    title: str

    @property
    def tab_title(self) -> str:
        """The tab's label: ``"1b · Hidden-layer landscapes"``, ``"Start"`` for the start page."""
        if self.key == "00":
            return "Start"
        short = re.sub(r"^Lab \d+\s*(,\s*part \d+)?\s*[·:-]\s*", "", self.title)
        short = re.sub(r"^Part \d+:\s*", "", short)
        return f"{self.key.lstrip('0')} · {short[:1].upper()}{short[1:]}"


def lab_pages(folder: str | Path) -> list[LabPage]:
    """The course's notebooks in ``folder``, in file-name order: the start page, then every lab.

    Args:
      folder: the ``labs/`` directory.
    Returns:
      One :class:`LabPage` per ``0<N>[x]_<name>.ipynb`` (the course page itself left out).
    Raises:
      FileNotFoundError: ``folder`` holds no lab notebook.
      ValueError: a notebook that is not valid JSON (named in the message).
    """
    folder = Path(folder)
    pages = []
    for path in sorted(folder.glob("0*.ipynb")):
        m = _PAGE_FILE.match(path.name)
        if not m or path.name == _COURSE_FILE:
            continue
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path.name} is not a readable notebook: {exc}") from exc
        title = path.stem
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                heading = re.search(r"^#\s+(.+)$", "".join(cell.get("source", "")), re.M)
                if heading:
                    title = heading.group(1).strip()
                    break
        pages.append(LabPage(m.group(1), path, title))
    if not any(p.key != "00" for p in pages):
        raise FileNotFoundError(f"no lab notebook (0<N>_<name>.ipynb) in {folder}")
    return pages


def render_markdown(text: str) -> str:
    """A Markdown cell as HTML, with links to other lab notebooks turned into course links.

    ``[part 2](01b_hidden_layer_landscapes.ipynb)`` becomes ``<a href="#01b">``: the course page
    switches tabs instead of opening a new page (and kernel). Formulas (``$...$``) are left for
    the page to typeset (:class:`ipywidgets.HTMLMath`).

    >>> render_markdown("See [part 2](01b_hidden_layer_landscapes.ipynb), $x^2$.")
    '<p>See <a href="#01b">part 2</a>, $x^2$.</p>\\n'
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    out = markdown2html_mistune(text)
    return re.sub(r'href="(0[0-9][a-z]?)_[\w-]+\.ipynb(#[\w-]*)?"', r'href="#\1"', out)


@functools.lru_cache(maxsize=1)
def _esm() -> str:
    return (Path(__file__).parent / "static" / "course.js").read_text(encoding="utf-8")


class CourseAddress(anywidget.AnyWidget):
    """The course page's address fragment (``#01b``), both ways (``static/course.js``).

    Traitlets: ``page`` (the lab shown; set by the kernel when a tab is chosen, by the browser on
    Back / Forward or a course link) and ``opened_with`` (the fragment the page was opened with).
    """

    _esm = _esm()
    page = traitlets.Unicode("").tag(sync=True)
    opened_with = traitlets.Unicode("").tag(sync=True)


def _run_cell(source: str, namespace: dict) -> list[widgets.Widget]:
    """Run one code cell like a notebook would; return what it shows, as widgets.

    The value of a last expression that is a widget is shown as it is; printed text as a
    ``<pre>``; any other value by its ``repr``. A cell that raises shows one line saying so (the
    traceback goes to the server's log, never to the page).
    """
    out: list[widgets.Widget] = []
    printed = io.StringIO()
    try:
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        with contextlib.redirect_stdout(printed):
            exec(compile(tree, "<lab cell>", "exec"), namespace)  # noqa: S102 - the course's own notebooks
            value = eval(compile(ast.Expression(last.value), "<lab cell>", "eval"), namespace) if last else None
    except Exception as exc:  # noqa: BLE001 - a failing cell must not take the course page down
        log.exception("a cell of the course page failed")
        out.append(css_class(widgets.HTML(f'<span class="ht-msg ht-error" role="status">This part of the lab '
                                          f"could not be built ({html.escape(type(exc).__name__)}: "
                                          f"{html.escape(str(exc))[:200]}).</span>"), "ht-course-error"))
        value = None
    if printed.getvalue():
        out.insert(0, widgets.HTML(f"<pre>{html.escape(printed.getvalue())}</pre>"))
    if isinstance(value, widgets.Widget):
        out.append(value)
    elif value is not None:
        out.append(widgets.HTML(f"<pre>{html.escape(repr(value))}</pre>"))
    return out


def _close_all(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_all(child)
    widget.close()


class Course(widgets.VBox):
    """The whole course in one page and one kernel (class ``ht-course``).

    Args:
      folder: the ``labs/`` directory (default: the working directory, where Voila starts the
        kernel of ``labs/00_course.ipynb``).
      open_page: the page to show first when the address names none (default ``"00"``).

    Attributes:
      pages: the :class:`LabPage` list, in tab order.
      tabs: the :class:`ipywidgets.Tab`; tab ``i`` holds page ``i`` once it is built.
      built: ``{key: seconds it took}`` for the pages built so far.

    Raises:
      FileNotFoundError, ValueError: as :func:`lab_pages`; ValueError for an unknown ``open_page``.
    """

    def __init__(self, folder: str | Path | None = None, open_page: str = "00"):
        self.pages = lab_pages(Path.cwd() if folder is None else folder)
        self._keys = [p.key for p in self.pages]
        if open_page not in self._keys:
            raise ValueError(f"open_page must be one of {', '.join(self._keys)}, got {open_page!r}")
        pagestate.whole_course()  # links may name views of labs not built yet
        self.built: dict[str, float] = {}
        self._namespaces: dict[str, dict] = {}
        self.address = CourseAddress(page=open_page)
        self.tabs = widgets.Tab(children=[css_class(widgets.VBox(), "ht-course-page", f"ht-course-page-{p.key}")
                                          for p in self.pages],
                                titles=[p.tab_title for p in self.pages])
        css_class(self.tabs, "ht-course-tabs")
        super().__init__([widgets.HTML(_STYLE), self.tabs, self.address])
        css_class(self, "ht-course")
        self._live = False
        self.tabs.selected_index = self._keys.index(open_page)
        self.show(open_page)
        self.tabs.observe(self._on_tab, names="selected_index")
        self._live = True
        self.address.observe(lambda c: self._on_address(c["new"]), names=["page", "opened_with"])

    def _on_tab(self, change) -> None:
        if change["new"] is not None:
            self.show(self._keys[change["new"]])

    def _on_address(self, key: str) -> None:
        if key in self._keys and self.tabs.selected_index != self._keys.index(key):
            self.tabs.selected_index = self._keys.index(key)  # _on_tab builds it

    def show(self, key: str) -> None:
        """Show page ``key``, building it the first time. Unknown keys are ignored. The start
        page is built once too, but its progress table is redrawn each time it is shown, so it
        counts what the learner did in the labs meanwhile."""
        if key not in self._keys:
            return
        i = self._keys.index(key)
        if self.tabs.selected_index != i:
            self.tabs.selected_index = i
            if self._live:
                return  # _on_tab shows it
        self.address.page = key
        box = self.tabs.children[i]
        if key in self.built:
            if key == "00":
                self._redraw_progress(box)
            return
        t0 = time.perf_counter()
        for widget in self._build(self.pages[i]):  # shown as soon as built, like Voila's cells
            box.children = (*box.children, widget)
        self.built[key] = time.perf_counter() - t0

    @staticmethod
    def _redraw_progress(box: widgets.Box) -> None:
        from .progress import course_progress

        kids = list(box.children)
        for j, w in enumerate(kids):
            if "ht-course-progress" in getattr(w, "_dom_classes", ()):
                kids[j] = course_progress()
                w.close()
        box.children = tuple(kids)

    def _build(self, page: LabPage) -> Iterator[widgets.Widget]:
        nb = json.loads(page.path.read_text(encoding="utf-8"))
        namespace = self._namespaces.setdefault(page.key, {"__name__": f"course_{page.key}"})
        for cell in nb.get("cells", []):
            source = "".join(cell.get("source", ""))
            if not source.strip():
                continue
            if cell.get("cell_type") == "markdown":
                # Voila's own classes for a Markdown cell: the same headings, tables and links
                yield css_class(widgets.HTMLMath(render_markdown(source)), "ht-course-text",
                                "jp-RenderedHTMLCommon", "jp-RenderedMarkdown")
            elif cell.get("cell_type") == "code":
                yield from _run_cell(source, namespace)
