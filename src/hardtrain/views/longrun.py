"""Long computations in a dashboard: progress, a Stop button, a time budget, no frozen kernel."""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Iterator

import ipywidgets as widgets

from .. import runtime
from .widgets import Status, css_class, log

__all__ = ["Progress", "LongRun"]


#: What a long computation yields after each chunk of work: (fraction done in [0, 1], message).
Progress = tuple[float, str]


class LongRun(widgets.HBox):
    """A progress bar with a Stop button for a computation done in chunks.

    The computation is a generator written by the view: it does one chunk of work (one width of
    a sweep, one instance size...), updates its figures if it likes, then ``yield``s
    ``(fraction_done, message)``. :meth:`start` drives it from the kernel's asyncio event loop,
    awaiting between chunks, so the kernel handles other messages meanwhile: a click on Stop
    (or on any other control) is processed after the current chunk, and the run ends there.
    A chunk should therefore take well under a second.

    An exception inside the generator ends the run with a one-line message in the widget's
    status (class ``ht-error``), never a traceback; ``on_done`` is still called.

    After each chunk the kernel's memory is checked against its budget
    (:func:`hardtrain.runtime.kernel_memory_mb`; in a kernel already over it as the run began,
    against the run's own growth: :func:`hardtrain.runtime.run_threshold_mb`): above it, JAX's
    in-memory compiled programs are dropped (:func:`hardtrain.runtime.release_compiled`), so a
    sweep that compiles a program per width does not keep them all; at the end of the run they are dropped whatever
    the memory, unless the budget is 0 (:func:`hardtrain.runtime.release_over_budget`).

    Args:
      description: the label in front of the bar, e.g. ``"Sweep"``.
      budget_s: wall-time budget in seconds; the run stops by itself past it (and says so).
        None for no budget.
    Attributes:
      bar: the ``FloatProgress`` (class ``ht-progress``); stop_button (class ``ht-stop``);
      status: a :class:`Status` (class ``ht-status``) with the message, elapsed time and outcome.
      running, stopped: the state of the current/last run (``stopped`` is True when the last
      run ended by Stop, by the budget or by an error rather than by finishing).
    """

    def __init__(self, description: str = "Progress", *, budget_s: float | None = None):
        if budget_s is not None and not budget_s > 0:
            raise ValueError(f"budget_s must be a positive number of seconds or None, got {budget_s!r}")
        self.budget_s = budget_s
        self.bar = css_class(widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description=description,
                                                   layout=widgets.Layout(width="22em")), "ht-progress")
        self.stop_button = css_class(widgets.Button(description="Stop", disabled=True,
                                                    tooltip="Stop after the current step",
                                                    layout=widgets.Layout(width="7em")), "ht-stop")
        self.status = Status("")
        self.stop_button.on_click(lambda _: self.stop())
        self.running = False
        self.stopped = False
        self._stop_requested = False
        self._task: asyncio.Task | None = None
        super().__init__([self.bar, self.stop_button, self.status])
        css_class(self, "ht-longrun")

    def stop(self) -> None:
        """Ask the current run to stop after its current chunk (no effect when idle)."""
        if self.running:
            self._stop_requested = True
            self.status.info("Stopping after the current step...")

    def start(self, steps: Iterator[Progress], on_done: Callable[[bool], None] | None = None) -> bool:
        """Run ``steps`` in the background of the kernel's event loop and return at once.

        Args:
          steps: a generator yielding ``(fraction_done, message)`` after each chunk.
          on_done: called as ``on_done(stopped)`` when the run ends (also after an error).
        Returns:
          True if the run started; False if one is already running (the message says so).
        Without a running event loop (a plain Python script) this runs to the end like
        :meth:`run_blocking`.
        """
        if self.running:
            self.status.error("Already running: press Stop first.")
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.run_blocking(steps, on_done)
            return True
        self._begin()
        self._task = loop.create_task(self._drive(steps, on_done))
        return True

    def run_blocking(self, steps: Iterator[Progress], on_done: Callable[[bool], None] | None = None) -> bool:
        """Run ``steps`` to the end (or the budget) before returning; Stop cannot interrupt it.

        Used by notebook cells that must have results when they finish (nbmake, first figures).
        Returns:
          ``stopped`` (True when the budget or an error ended the run).
        """
        if self.running:
            self.status.error("Already running: press Stop first.")
            return True
        self._begin()
        t0 = time.perf_counter()
        outcome = None
        try:
            for item in steps:
                outcome = self._step(item, t0)
                if outcome:
                    break
        except Exception as exc:  # noqa: BLE001 - shown, not raised: the page must not break
            outcome = self._failed(exc)
        finally:
            _close(steps)
        return self._finish(outcome, t0, on_done)

    # ---------------------------------------------------------------- internals
    def _begin(self) -> None:
        self.running, self.stopped, self._stop_requested = True, False, False
        # read once per run (a misspelt budget is logged once); 0 = never drop during the run
        self._drop_above_mb = runtime.run_threshold_mb(runtime.memory_budget_mb(), runtime.process_memory_mb())
        self.bar.value = 0.0
        self.bar.bar_style = ""
        self.stop_button.disabled = False
        self.status.info("Starting...")

    def _step(self, item, t0: float) -> str | None:
        """Show one progress report; return why to stop, or None to go on."""
        try:
            frac, message = item
            frac = float(frac)
        except (TypeError, ValueError):
            raise TypeError("a LongRun generator must yield (fraction_done, message) pairs") from None
        self.bar.value = min(max(frac, 0.0), 1.0) if frac == frac else self.bar.value
        elapsed = time.perf_counter() - t0
        self.status.info(f"{message} ({elapsed:.1f} s)")
        if self._drop_above_mb > 0:  # over the kernel's budget (or grown by the run): drop compiled programs
            runtime.release_compiled(above_mb=self._drop_above_mb)
        if self._stop_requested:
            return "stopped"
        if self.budget_s is not None and elapsed > self.budget_s:
            return "budget"
        return None

    def _failed(self, exc: Exception) -> str:
        log.exception("long computation failed")
        self._error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
        return "error"

    def _finish(self, outcome: str | None, t0: float, on_done) -> bool:
        elapsed = time.perf_counter() - t0
        runtime.release_over_budget(at_end=True)  # the run's programs, unless the budget is 0
        self.running = False
        self.stop_button.disabled = True
        self.stopped = outcome is not None
        if outcome is None:
            self.bar.value = 1.0
            self.bar.bar_style = "success"
            self.status.ok(f"Done in {elapsed:.1f} s.")
        elif outcome == "stopped":
            self.bar.bar_style = "warning"
            self.status.info(f"Stopped after {elapsed:.1f} s; the results so far are shown.")
        elif outcome == "budget":
            self.bar.bar_style = "warning"
            self.status.info(f"Stopped at the {self.budget_s:g} s budget; the results so far are shown.")
        else:
            self.bar.bar_style = "danger"
            self.status.error(f"Stopped by an error ({self._error}); the results so far are shown.")
        if on_done is not None:
            try:
                on_done(self.stopped)
            except Exception as exc:  # noqa: BLE001
                log.exception("on_done failed")
                self.status.error(f"Could not finish ({type(exc).__name__}: {exc}).")
        return self.stopped

    async def _drive(self, steps, on_done) -> None:
        t0 = time.perf_counter()
        outcome = None
        try:
            for item in steps:
                outcome = self._step(item, t0)
                if outcome:
                    break
                # Hand the loop back to the kernel: it handles a Stop click (or any message).
                await asyncio.sleep(0.001)
        except Exception as exc:  # noqa: BLE001
            outcome = self._failed(exc)
        finally:
            _close(steps)
        self._finish(outcome, t0, on_done)


def _close(steps) -> None:
    close = getattr(steps, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001
            log.exception("closing a LongRun generator failed")
