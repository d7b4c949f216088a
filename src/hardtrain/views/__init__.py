"""Dashboards (ipywidgets + plotly), one module per lab; they call the core and hold no numerics.

The core modules never import this package, so every number a dashboard shows can be computed,
tested and benchmarked without a browser.
"""

import logging as _logging
import os as _os
import sys as _sys


def _instructor_stream():
    """Where callback failures are logged: the terminal of the Voila/Jupyter server, not the page.

    In a kernel, ``sys.stderr`` is the running cell's output, and ipykernel (>= 6) also forwards
    the process's file descriptor 2 to the page; ipykernel keeps a copy of the original
    descriptor (``_original_stdstream_copy``), which still reaches the server's terminal.
    Outside a kernel this is plain ``sys.stderr``.
    """
    fd = getattr(_sys.stderr, "_original_stdstream_copy", None)
    if isinstance(fd, int):
        try:
            return _os.fdopen(_os.dup(fd), "w", buffering=1)
        except OSError:
            pass
    if _sys.stderr is not _sys.__stderr__:  # another kind of kernel: keep tracebacks off the page
        return open(_os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    return _sys.__stderr__


# Failures inside callbacks are logged with their traceback for the instructor, never on the page.
_log = _logging.getLogger("hardtrain.views")
if not _log.handlers:
    _handler = _logging.StreamHandler(_instructor_stream())
    _handler.setFormatter(_logging.Formatter("%(asctime)s hardtrain.views %(levelname)s %(message)s"))
    _log.addHandler(_handler)
    _log.propagate = False
