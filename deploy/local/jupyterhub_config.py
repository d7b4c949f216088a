"""A JupyterHub for a class on one machine, and the configuration the hub test starts.

Each student gets their own single-user Jupyter Server with Voila's extension, so a lab opens at
``/user/<name>/voila/render/labs/<lab>.ipynb``, as on Binder. Read before you use it for a class:

- It uses JupyterHub's DummyAuthenticator (any name, any password) and the simple local-process
  spawner (every student's server runs as the user who started the hub), which is what a test
  needs. For a class, replace both: see deploy/README.md (The Littlest JupyterHub gives each
  student a system user and a real login).
- Settings come from the environment, so a test (or you) can move them:
  ``HARDTRAIN_HUB_PORT`` (default 8000), ``HARDTRAIN_REPO`` (the checkout whose labs/ the
  students open; default this repository), ``HARDTRAIN_CHP`` (configurable-http-proxy's path;
  default: found on PATH), ``HARDTRAIN_HUB_HOMES`` (the students' home folders; default
  /tmp/hardtrain-hub-homes).

Run it from a scratch folder (it writes its database and cookie secret there)::

    jupyterhub -f /path/to/hardtrain/deploy/local/jupyterhub_config.py
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

REPO = Path(os.environ.get("HARDTRAIN_REPO", Path(__file__).resolve().parents[2]))

c.JupyterHub.ip = "127.0.0.1"  # an insecure configuration: never listen beyond this machine
c.JupyterHub.port = int(os.environ.get("HARDTRAIN_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
if os.environ.get("HARDTRAIN_CHP"):
    c.ConfigurableHTTPProxy.command = [os.environ["HARDTRAIN_CHP"]]

# Each student's server: Jupyter Server with Voila's extension, serving the repository's labs/
# and opening lab 1's dashboard. Voila's extension reads voila.json from the Jupyter config path
# (JUPYTER_CONFIG_PATH below) or the working directory; each student's home (their working
# directory, where Jupyter and IPython write their own files) is a folder of its own.
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = str(REPO)
c.SimpleLocalProcessSpawner.home_dir_template = (
    os.environ.get("HARDTRAIN_HUB_HOMES", "/tmp/hardtrain-hub-homes") + "/{username}")
c.Spawner.default_url = "/voila/render/labs/01_convex_vs_nonconvex.ipynb"
c.Spawner.args = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# The environment the labs expect (hardtrain.environment's defaults, as binder/start exports
# them), plus what the hub's caller set for hardtrain (e.g. HARDTRAIN_FAST in the tests).
sys.path.insert(0, str(REPO / "src"))
from hardtrain import environment  # noqa: E402

c.Spawner.environment = {k: v for k, v in environment.defaults().items()
                         if k.startswith(("HARDTRAIN_", "JAX_", "MALLOC_", "XDG_", "MPLBACKEND"))}
c.Spawner.environment["PYTHONPATH"] = str(REPO / "src")
c.Spawner.environment["JUPYTER_CONFIG_PATH"] = str(REPO)  # voila.json
