"""An answer box with a Check button for one exercise, for dashboards where no code can be typed."""

from __future__ import annotations

import html

import ipywidgets as widgets

from .progress import BrowserStore
from .widgets import css_class

__all__ = ["ExerciseBox"]


class ExerciseBox(widgets.VBox):
    """An answer box with a Check button for one exercise of :mod:`hardtrain.exercises`.

    Lets learners check answers inside a Voila dashboard, where no code can be typed. The text
    is parsed as one number or several comma-separated numbers; the feedback (correct, or a
    hint that never contains the answer) appears under the box (class ``ht-feedback``). The last
    checked answer and whether it was right are kept in the browser (:class:`BrowserStore`): a
    reload puts the answer back and checks it again, and the start page counts it.

    Args:
      exercise_id: an id from ``hardtrain.exercises.list_exercises()``.
    Raises:
      ValueError: unknown exercise id.
    """

    def __init__(self, exercise_id: str):
        from .. import exercises

        known = dict(exercises.list_exercises())
        if exercise_id not in known:
            raise ValueError(f"unknown exercise {exercise_id!r}; known: {', '.join(known)}")
        self.exercise_id = exercise_id
        self.question = widgets.HTML(f"<b>Exercise.</b> {html.escape(known[exercise_id])}")
        self.answer = css_class(widgets.Text(placeholder="your answer, e.g. 12 or 1.5, -2",
                                             continuous_update=False,
                                             layout=widgets.Layout(width="18em")), "ht-answer")
        self.button = css_class(widgets.Button(description="Check"), "ht-check")
        self.feedback = css_class(widgets.HTML(), "ht-feedback")
        self.store = BrowserStore(kind="exercise", item=exercise_id)
        self.button.on_click(lambda _: self.check())
        self.answer.observe(lambda _: self.check(), names="value")
        self.store.observe(self._restore, names="stored")
        super().__init__([self.question, widgets.HBox([self.answer, self.button]), self.feedback, self.store])
        css_class(self, "ht-exercise")

    def check(self) -> None:
        """Parse the typed answer and show the feedback (never raises)."""
        from .. import exercises

        text = self.answer.value.replace("\u2212", "-").strip()
        if not text:
            self.feedback.value = '<span class="ht-msg ht-info">Type an answer first.</span>'
            return
        try:
            parts = [float(p) for p in text.replace(";", ",").split(",") if p.strip()]
        except ValueError:
            self.feedback.value = ('<span class="ht-msg ht-error" role="alert">Type a number, or '
                                   'numbers separated by commas (e.g. <code>-1.5, 2</code>).</span>')
            return
        answer = parts[0] if len(parts) == 1 else tuple(parts)
        feedback = exercises.check(self.exercise_id, answer)
        self.feedback.value = feedback._repr_html_()
        self.store.record = {"answer": text, "correct": bool(feedback.correct)}

    def _restore(self, change) -> None:
        answer = (change["new"] or {}).get("answer")
        if isinstance(answer, str) and answer and not self.answer.value:
            self.answer.value = answer  # checked again by the observer
