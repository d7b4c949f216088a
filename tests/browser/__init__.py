"""Browser tests: a real Voila server, driven in Debian's Chromium through Playwright.

The server and page helpers live in :mod:`tools.voila`, shared with ``benchmarks/``.
"""
