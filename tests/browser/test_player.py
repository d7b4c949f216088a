"""Watch it learn (hardtrain.views.player) in a real browser: lab 1's optimiser trajectories
replayed step by step.

Play asks the kernel once for the run, then redraws the trajectories in the page at >= 30 frames
per second (measured in the page by the player itself) while no message goes to the kernel; the
traces are shown growing, and get back exactly the data they had at the end. Moving the step
slider shows an earlier step.
"""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from tools.voila import PAGE_ERROR_TEXTS, PAGE_LOAD_TIMEOUT_S, RENDERED_OR_ERROR_JS, lab1_layout, trace_raw

pytestmark = pytest.mark.browser

NOTEBOOK = "01_convex_vs_nonconvex.ipynb"


def _points(raw: str) -> int:
    xs = json.loads(raw)[0]
    return sum(v is not None for v in xs)


def _record_each_frame(page, figure: str, name: str, expression: str) -> None:
    """Keep ``expression`` (JS, of the figure's plotly div ``gd``) at every animation frame in
    ``window[name]`` (a list), from now on."""
    page.evaluate(f"""() => {{
      const el = document.querySelector('.ht-fig-{figure}');
      const gd = el.matches('.js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');
      window.{name} = [];
      const look = () => {{ window.{name}.push({expression}); requestAnimationFrame(look); }};
      requestAnimationFrame(look);
    }}""")


def _play_to_the_end(player, play, what: str) -> tuple[float, int]:
    """Press Play, wait for the replay to end; return (frames per second, frames) the player
    measured in the page."""
    play.click()
    expect(player.get_by_role("button", name="Pause the replay")).to_be_visible(timeout=30_000)
    expect(play).to_be_visible(timeout=60_000)
    fps, frames = float(player.get_attribute("data-fps")), int(player.get_attribute("data-frames"))
    print(f"{what} replay: {fps} frames per second over {frames} frames")
    return fps, frames


def test_play_replays_the_trajectories_in_the_page_at_30_fps(open_voila_page):
    sent = []  # messages from the page to its kernel, with the time they left

    def watch(page):
        page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.monotonic())))

    vp = open_voila_page(NOTEBOOK, setup=watch)
    page = vp.page
    page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[len(lab1_layout()[NOTEBOOK]), list(PAGE_ERROR_TEXTS)],
                           timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=500)
    player = page.locator(".ht-lab1-playground .ht-player")
    play = player.get_by_role("button", name="Play the run step by step")
    expect(play).to_be_visible(timeout=30_000)
    full = trace_raw(page, "playground", 3)
    n_full = _points(full)
    assert n_full > 100

    # Start a watcher in the page before pressing Play: the smallest trajectory drawn meanwhile.
    page.evaluate("""() => {
      const gd = document.querySelector('.ht-fig-playground.js-plotly-plot, .ht-fig-playground .js-plotly-plot');
      window.__htSmallest = Infinity;
      const look = () => {
        const n = Array.from(gd.data[3].x).filter((v) => v !== null && v !== undefined).length;
        window.__htSmallest = Math.min(window.__htSmallest, n);
        requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    }""")
    play.click()
    expect(player.get_by_role("button", name="Pause the replay")).to_be_visible(timeout=30_000)
    started = time.monotonic()
    expect(play).to_be_visible(timeout=60_000)  # the replay ended
    ended = time.monotonic()
    fps = float(player.get_attribute("data-fps"))
    frames = int(player.get_attribute("data-frames"))
    print(f"replay: {fps} frames per second over {frames} frames")
    assert fps >= 30, f"{fps} frames per second over {frames} frames"
    assert frames >= 20
    during = [t for t in sent if started + 0.2 < t < ended - 0.2]
    assert len(during) <= 2, f"{len(during)} messages to the kernel during the replay"
    assert page.evaluate("() => window.__htSmallest") < n_full / 4  # it grew from a few points
    page.wait_for_timeout(300)
    assert trace_raw(page, "playground", 3) == full  # the data Python holds, back in place

    # The step slider shows an earlier step, and its end brings the full run back.
    slider = player.locator(".ht-play-step")
    slider.evaluate("(el) => { el.value = '10'; el.dispatchEvent(new Event('input')); }")
    expect(player.locator(".ht-play-said")).to_contain_text("step 10 of")
    page.wait_for_function("""() => {
      const gd = document.querySelector('.ht-fig-playground.js-plotly-plot, .ht-fig-playground .js-plotly-plot');
      const n = Array.from(gd.data[3].x).filter((v) => v !== null && v !== undefined).length;
      return n > 0 && n <= 4 * 11;
    }""", timeout=10_000)
    slider.evaluate("(el) => { el.value = el.max; el.dispatchEvent(new Event('input')); }")
    page.wait_for_timeout(300)
    assert trace_raw(page, "playground", 3) == full
    assert vp.page_errors() == [], vp.page_errors()


def test_play_replays_the_restarts_histogram(open_voila_page):
    """Lab 2: the histogram of errors across restarts, replayed from step 0 to the last; the
    bars change along the way and get back the figure's data at the end."""
    vp = open_voila_page("02_np_hard_training.ipynb")
    page = vp.page
    page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[2, list(PAGE_ERROR_TEXTS)],
                           timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=500)
    player = page.locator(".ht-lab2-gd .ht-player")
    play = player.get_by_role("button", name="Play the run step by step")
    expect(play).to_be_visible(timeout=30_000)
    full = trace_raw(page, "gd", 0)
    _record_each_frame(page, "gd", "__htSeenBars", "JSON.stringify(Array.from(gd.data[0].y))")
    fps, _ = _play_to_the_end(player, play, "restarts")
    assert fps >= 30
    assert page.evaluate("() => new Set(window.__htSeenBars).size") >= 5  # the histogram moved
    expect(player.locator(".ht-play-said")).to_contain_text("Adam step")
    page.wait_for_timeout(300)
    assert trace_raw(page, "gd", 0) == full
    assert vp.page_errors() == [], vp.page_errors()


def test_play_replays_your_lazy_training_sweep(open_voila_page):
    """Lab 3: after Run sweep, Play replays every width's relative weight change and loss from
    step 0 to the last: the loss starts higher than it ends, the traces get their data back."""
    vp = open_voila_page("03_overparameterization.ipynb")
    page = vp.page
    page.wait_for_function(RENDERED_OR_ERROR_JS, arg=[2, list(PAGE_ERROR_TEXTS)],
                           timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=500)
    view = page.locator(".ht-lab3-lazy")
    view.locator(".ht-lazy-run").click()
    expect(view.locator(".ht-status").last).to_contain_text("Done", timeout=180_000)
    player = view.locator(".ht-player")
    play = player.get_by_role("button", name="Play the run step by step")
    expect(play).to_be_visible(timeout=30_000)
    final_loss = json.loads(trace_raw(page, "lazy", 4))
    final_change = trace_raw(page, "lazy", 1)
    _record_each_frame(page, "lazy", "__htLossSeen", "Array.from(gd.data[4].y)")
    fps, frames = _play_to_the_end(player, play, "lazy-training")
    assert fps >= 30 and frames >= 20
    expect(player.locator(".ht-play-said")).to_contain_text("GD step")
    seen = page.evaluate("() => window.__htLossSeen")
    first = max(seen, key=lambda ys: sum(v for v in ys if v is not None))  # the earliest frames
    assert all(a > b for a, b in zip(first, final_loss[1])), (first, final_loss[1])  # the loss fell at every width
    page.wait_for_timeout(300)
    assert trace_raw(page, "lazy", 1) == final_change
    assert json.loads(trace_raw(page, "lazy", 4)) == final_loss
    assert vp.page_errors() == [], vp.page_errors()
