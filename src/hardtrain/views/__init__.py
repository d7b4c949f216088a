"""Dashboards (ipywidgets + plotly), one module per lab; they call the core and hold no numerics.

The core modules never import this package, so every number a dashboard shows can be computed,
tested and benchmarked without a browser. Failures inside callbacks are logged for the
instructor's terminal (:func:`hardtrain.runtime.view_logger`), never shown on the page.
"""
