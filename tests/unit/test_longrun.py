"""LongRun (views.common): progress, budget, errors without tracebacks, and Stop in a real kernel.

The Stop button only works if the kernel handles messages between chunks of a running
computation; that is a property of ipykernel's event loop, so it is checked in a real kernel
(jupyter_client), with a second message standing in for the click.
"""

from __future__ import annotations

import time

import jupyter_client  # a dependency of voila and jupyterlab
import pytest

from hardtrain.views.common import LongRun


def _chunks(n, dt=0.0, log=None):
    for i in range(n):
        if dt:
            time.sleep(dt)
        if log is not None:
            log.append(i)
        yield (i + 1) / n, f"step {i + 1} of {n}"


def test_run_blocking_finishes_and_reports():
    run, done, seen = LongRun("Sweep"), [], []
    stopped = run.run_blocking(_chunks(5, log=seen), on_done=done.append)
    assert stopped is False and done == [False] and seen == [0, 1, 2, 3, 4]
    assert run.bar.value == 1.0 and run.bar.bar_style == "success"
    assert "Done" in run.status.value and not run.running and run.stop_button.disabled


def test_budget_stops_the_run_and_says_so():
    run, seen = LongRun("Sweep", budget_s=0.1), []
    assert run.run_blocking(_chunks(100, dt=0.03, log=seen)) is True
    assert 2 <= len(seen) < 100  # a few chunks ran, not all
    assert "0.1 s budget" in run.status.value and run.stopped


def test_an_error_is_a_message_not_a_traceback():
    def failing():
        yield 0.5, "half"
        raise RuntimeError("out of cheese")

    run, done = LongRun("Sweep"), []
    assert run.run_blocking(failing(), on_done=done.append) is True
    assert done == [True] and "ht-error" in run.status.value and "out of cheese" in run.status.value
    assert "Traceback" not in run.status.value and run.bar.value == 0.5


def test_malformed_progress_reports_are_an_error():
    run = LongRun("Sweep")
    run.run_blocking(iter([("not a number", "x")]))
    assert "ht-error" in run.status.value and "(fraction_done, message)" in run.status.value


def test_generator_is_closed_when_stopped_early():
    closed = []

    def gen():
        try:
            yield from _chunks(100, dt=0.02)
        finally:
            closed.append(True)

    run = LongRun("Sweep", budget_s=0.05)
    run.run_blocking(gen())
    assert closed == [True]


def _compiling_chunks(f, n, sizes):
    """n chunks, each compiling ``f`` for a new shape; records the number of programs f keeps."""
    import jax.numpy as jnp

    for i in range(n):
        f(jnp.ones(i + 1)).block_until_ready()
        sizes.append(f._cache_size())
        yield (i + 1) / n, f"shape {i + 1}"


def _memory_readings(monkeypatch, values):
    """Make hardtrain.runtime read the process's memory as ``values``, one per reading."""
    from hardtrain import runtime

    readings = iter(values)
    monkeypatch.setattr(runtime, "process_memory_mb", lambda: float(next(readings)))


def test_over_the_memory_budget_a_run_drops_compiled_programs_after_each_chunk(monkeypatch):
    import jax

    f = jax.jit(lambda x: (x * 3.0).sum())
    monkeypatch.setenv("HARDTRAIN_KERNEL_MEMORY_MB", "350")
    _memory_readings(monkeypatch, [300, 360, 370, 380, 390])  # as the run begins, then after each chunk
    sizes: list[int] = []
    assert LongRun("Sweep").run_blocking(_compiling_chunks(f, 4, sizes)) is False
    # each chunk compiled one program, seen before the drop that follows the chunk
    assert sizes == [1, 1, 1, 1] and f._cache_size() == 0


def test_in_a_kernel_already_over_its_budget_a_run_drops_only_once_it_has_grown(monkeypatch):
    """The course page's one kernel holds every lab: a run drops programs when it has grown the
    kernel by RUN_HEADROOM_MB (50 MB), not after every step."""
    import jax

    from hardtrain import runtime

    assert runtime.RUN_HEADROOM_MB == 50.0
    monkeypatch.setenv("HARDTRAIN_KERNEL_MEMORY_MB", "350")
    f = jax.jit(lambda x: (x * 7.0).sum())
    _memory_readings(monkeypatch, [1000, 1010, 1020, 1030, 1040])  # never 50 MB above the start
    sizes: list[int] = []
    LongRun("Sweep").run_blocking(_compiling_chunks(f, 4, sizes))
    assert sizes == [1, 2, 3, 4] and f._cache_size() == 0  # kept during the run, dropped at its end
    g = jax.jit(lambda x: (x * 9.0).sum())
    _memory_readings(monkeypatch, [1000, 1010, 1060, 1070, 1080])  # 60 MB above after the second chunk
    sizes = []
    LongRun("Sweep").run_blocking(_compiling_chunks(g, 4, sizes))
    assert sizes == [1, 2, 1, 1]


def test_under_the_budget_the_programs_stay_until_the_run_ends(monkeypatch):
    import jax

    for budget, left in (("1000000", 0), ("0", 4)):  # far above this process; 0 = never
        f = jax.jit(lambda x: (x * 5.0).sum())
        monkeypatch.setenv("HARDTRAIN_KERNEL_MEMORY_MB", budget)
        sizes: list[int] = []
        LongRun("Sweep").run_blocking(_compiling_chunks(f, 4, sizes))
        # kept during the run; at its end dropped, unless the budget is 0 (never)
        assert sizes == [1, 2, 3, 4] and f._cache_size() == left, budget


def test_a_misspelt_memory_budget_does_not_stop_the_run(monkeypatch):
    monkeypatch.setenv("HARDTRAIN_KERNEL_MEMORY_MB", "lots")
    run, seen = LongRun("Sweep"), []
    assert run.run_blocking(_chunks(3, log=seen)) is False and seen == [0, 1, 2]
    assert "Done" in run.status.value


@pytest.mark.parametrize("budget", [0, -1.0])
def test_bad_budget_is_rejected(budget):
    with pytest.raises(ValueError, match="positive number of seconds"):
        LongRun("Sweep", budget_s=budget)


def test_stop_button_interrupts_a_run_in_a_real_kernel():
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")

    def execute(code: str) -> str:
        msg_id = kc.execute(code)
        out = []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(f"[{msg['content']['name']}]{msg['content']['text']}")
            elif kind == "error":
                out.append("[error]" + "\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)

    try:
        started = execute(
            "import time\n"
            "from hardtrain.views.common import LongRun\n"
            "run, seen, done = LongRun('Sweep'), [], []\n"
            "def chunks():\n"
            "    for i in range(400):\n"
            "        time.sleep(0.01); seen.append(i); yield (i + 1) / 400, 'step'\n"
            "print(run.start(chunks(), on_done=done.append))\n")
        assert started.strip() == "[stdout]True"  # start() returned at once, the run goes on
        time.sleep(0.5)
        # The click is handled while the computation is still running (400 chunks need >= 4 s).
        assert execute("run.stop_button.click(); print(run.running)").strip() == "[stdout]True"
        time.sleep(0.3)
        state = execute("print(run.running, run.stopped, done, len(seen))").split()
        assert state[:3] == ["[stdout]False", "True", "[True]"]
        assert 5 < int(state[3]) < 400
        # An error inside a computation run from a cell leaves no traceback in the cell's output.
        failed = execute("def bad():\n    yield 0.1, 'a'\n    raise RuntimeError('boom')\n"
                         "LongRun('x').run_blocking(bad())\n")
        assert "Traceback" not in failed and "boom" not in failed
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
