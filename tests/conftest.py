"""Set-up shared by every test: the session set-up a lab's first cell makes.

``runtime.setup`` asks for full float32 matmuls (on a GPU; nothing changes on a CPU) and installs
the dashboards' log handler. JAX's compilation cache comes from the environment ``tasks.py test``
sets (``JAX_COMPILATION_CACHE_DIR``), so it is not turned on here.
"""

from hardtrain import runtime

runtime.setup(compilation_cache=False)
