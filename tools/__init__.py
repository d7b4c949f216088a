"""Helpers shared by the tests and the benchmarks (not part of the installed package).

- :mod:`tools.voila`: a real Voila server on 127.0.0.1 in its own process group, Chromium's
  flags for these machines, and the page probes the browser tests and benchmarks use.
"""
