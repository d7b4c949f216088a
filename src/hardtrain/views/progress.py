"""Predict, then reveal; and the learner's progress, kept in the browser.

- :class:`PredictThenReveal` puts a question (:mod:`hardtrain.exercises.predictions`) before a
  dashboard view and keeps the view hidden until the learner commits a prediction; then it shows
  the view and says how the prediction compares with what the figure shows.
- :class:`BrowserStore` keeps each committed prediction and each checked exercise in the
  browser's localStorage (``static/progress.js``) and gives it back when the page opens again, so
  a reload, a freed kernel or a new day loses nothing; :func:`course_progress` draws the start
  page's table of progress per lab, with a JSON download for an instructor who asks. Nothing
  leaves the browser.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

import anywidget
import ipywidgets as widgets
import traitlets

from ..exercises import list_exercises
from ..exercises.predictions import PREDICTIONS, judge
from .widgets import css_class, log

__all__ = ["BrowserStore", "PredictThenReveal", "course_progress", "STORAGE_KEY"]

#: The localStorage key that holds every record (see static/progress.js).
STORAGE_KEY = "hardtrain.progress.v1"


@functools.lru_cache(maxsize=1)
def _esm() -> str:
    return (Path(__file__).parent / "static" / "progress.js").read_text(encoding="utf-8")


class BrowserStore(anywidget.AnyWidget):
    """A record in the browser's localStorage, or (``role="course"``) the table of all of them.

    Traits: ``role`` ("record" or "course"); ``kind`` ("prediction" or "exercise") and ``item``
    (its id) for a record; ``stored`` (the record found in the browser when the page opened, sent
    once); ``record`` (set by the kernel; the browser stores it with the time); ``catalogue``
    (``{lab: {"prediction": [ids], "exercise": [ids]}}``, for the course table).
    """

    _esm = _esm()
    role = traitlets.Unicode("record").tag(sync=True)
    kind = traitlets.Unicode("").tag(sync=True)
    item = traitlets.Unicode("").tag(sync=True)
    stored = traitlets.Dict().tag(sync=True)
    record = traitlets.Dict().tag(sync=True)
    catalogue = traitlets.Dict().tag(sync=True)


def course_progress() -> BrowserStore:
    """The start page's progress table: per lab, predictions made (and how many as predicted)
    and exercises solved, read from this browser's storage; a button downloads it as JSON."""
    catalogue: dict[str, dict[str, list[str]]] = {}
    for pid, p in PREDICTIONS.items():
        catalogue.setdefault(str(p.lab), {"prediction": [], "exercise": []})["prediction"].append(pid)
    for eid, _ in list_exercises():
        lab = eid.split(".")[0].removeprefix("lab")
        catalogue.setdefault(lab, {"prediction": [], "exercise": []})["exercise"].append(eid)
    return css_class(BrowserStore(role="course", catalogue=dict(sorted(catalogue.items()))), "ht-course-progress")


class PredictThenReveal(widgets.VBox):
    """A prediction to commit before ``view`` is shown (classes ``ht-predict``, ``ht-predict-*``).

    The question offers its choices as radio buttons (or a number box); "Commit my prediction"
    records the answer in the browser, shows the view and, under the question, the comparison
    (:func:`hardtrain.exercises.predictions.judge`). On a later visit the stored prediction is
    restored and the view shown at once.

    Args:
      prediction_id: a key of :data:`hardtrain.exercises.predictions.PREDICTIONS`.
      view: the dashboard view to reveal (any widget).
    Raises:
      ValueError: unknown prediction id.
    """

    def __init__(self, prediction_id: str, view: widgets.Widget):
        if prediction_id not in PREDICTIONS:
            raise ValueError(f"unknown prediction {prediction_id!r}; known: {', '.join(PREDICTIONS)}")
        self.prediction = p = PREDICTIONS[prediction_id]
        self.view = view
        self.question = widgets.HTML(f"<b>Predict first.</b> {html.escape(p.question)}")
        if p.choices:
            self.input = widgets.RadioButtons(options=[(c, i) for i, c in enumerate(p.choices)], value=None,
                                              description="Your prediction", style={"description_width": "initial"},
                                              layout=widgets.Layout(width="auto"))
        else:
            self.input = widgets.Text(placeholder="a number", description="Your prediction",
                                      style={"description_width": "initial"}, layout=widgets.Layout(width="16em"))
        css_class(self.input, "ht-predict-input")
        self.commit_button = css_class(widgets.Button(description="Commit my prediction", button_style="primary"),
                                       "ht-predict-commit")
        self.feedback = css_class(widgets.HTML(), "ht-predict-feedback")
        self.store = BrowserStore(kind="prediction", item=prediction_id)
        self.committed = False
        self.commit_button.on_click(lambda _: self.commit())
        self.store.observe(self._restore, names="stored")
        box = css_class(widgets.VBox([self.question, self.input, self.commit_button, self.feedback, self.store]),
                        "ht-predict", f"ht-predict-{prediction_id.replace('.', '-')}")
        view.layout.display = "none"
        super().__init__([box, view])
        css_class(self, "ht-predict-reveal")

    def _response(self):
        if self.prediction.choices:
            if self.input.value is None:
                raise ValueError("Choose one of the options first.")
            return int(self.input.value)
        text = self.input.value.replace("\u2212", "-").strip()
        try:
            return float(text)
        except ValueError:
            raise ValueError("Type a number first." if not text else f"Type a number (got {text[:20]!r}).") from None

    def commit(self, *, record: bool = True) -> bool:
        """Judge the current answer; on success show the view and (``record``) store it.

        Returns True when a prediction was committed; a missing or malformed answer shows a
        message and keeps the view hidden. Never raises.
        """
        try:
            response = self._response()
            correct, message = judge(self.prediction.id, response)
        except ValueError as exc:
            self.feedback.value = f'<span class="ht-msg ht-error" role="alert">{html.escape(str(exc))}</span>'
            return False
        except Exception:  # noqa: BLE001 - a page must never show a traceback
            log.exception("prediction %s could not be judged", self.prediction.id)
            self.feedback.value = '<span class="ht-msg ht-error" role="alert">Could not judge this prediction.</span>'
            return False
        kind = "ok" if correct else "info"
        self.feedback.value = f'<span class="ht-msg ht-{kind}" role="status">{html.escape(message)}</span>'
        self.committed = True
        self.input.disabled = True
        self.commit_button.disabled = True
        self.view.layout.display = None
        if record:
            self.store.record = {"choice": response, "correct": bool(correct)}
        return True

    def _restore(self, change) -> None:
        rec = change["new"] or {}
        if self.committed or "choice" not in rec:
            return
        try:
            if self.prediction.choices:
                self.input.value = int(rec["choice"])
            else:
                self.input.value = f"{float(rec['choice']):g}"
        except (traitlets.TraitError, TypeError, ValueError):
            return  # a record from an older version of the question: ask again
        self.commit(record=False)
