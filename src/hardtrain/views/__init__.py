"""Dashboards (ipywidgets + plotly), one module per lab; they call the core and hold no numerics.

The core modules never import this package, so every number a dashboard shows can be computed,
tested and benchmarked without a browser.
"""
