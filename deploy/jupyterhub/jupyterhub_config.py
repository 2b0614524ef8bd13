"""JupyterHub for the labs: each user gets the labs and an AWS emulation of their own; the instructor keeps the board.

Used as it is by The Littlest JupyterHub (copied into /opt/tljh/config/jupyterhub_config.d/, README "Workshops and
hosting") and by tests/test_jupyterhub.py (which loads it, then picks a local spawner and a test authenticator).
Zero to JupyterHub on Kubernetes sets the same three things in its Helm values instead (README).

* Every single-user server runs ``python -m labkit.tools.hub``: the labs are copied into the user's home
  (``~/aws-monitoring-labs``), then ``jupyterhub-singleuser`` starts on the start page.
* Its kernels use labkit's default in-kernel ``moto`` backend: nothing AWS-like is shared between users.
* ``LABKIT_PARTICIPANT`` is the hub user name, ``LABKIT_BOARD_URL`` the instructor's ``labkit serve``, which holds the
  progress board only: ``labkit status`` (with ``LABKIT_BOARD_URL`` set) shows every user's checks.

Settings from the environment of the hub:

* ``LABKIT_BOARD_URL``: the board's server (default ``http://127.0.0.1:5000``: ``labkit serve`` on the hub's machine);
* ``LABKIT_LABS_SOURCE``: the repository the labs are copied from (default: the clone this file is in);
* ``LABKIT_HUB_PYTHON``: the Python that has labkit and jupyterhub for the users (default: the hub's own; on The
  Littlest JupyterHub, /opt/tljh/user/bin/python).
"""

import os
import sys
from pathlib import Path

from labkit.tools.hub import spawner_environment

c = get_config()  # noqa: F821 (JupyterHub's config loader provides get_config)

REPOSITORY = Path(__file__).resolve().parents[2]
python = os.environ.get("LABKIT_HUB_PYTHON") or sys.executable
c.Spawner.cmd = [python, "-m", "labkit.tools.hub"]
c.Spawner.environment = spawner_environment(
    os.environ.get("LABKIT_BOARD_URL", "http://127.0.0.1:5000"),
    Path(os.environ.get("LABKIT_LABS_SOURCE") or REPOSITORY),
)
c.Spawner.default_url = "/lab/tree/aws-monitoring-labs/notebooks/START-HERE.md"
# A notebook's kernel keeps its lab (moto and pandas loaded: about 400 MiB, README "Capacity") until it is shut down,
# and closing a notebook's tab does not shut it down: a kernel idle for 20 minutes with no tab open is stopped, so a
# participant holds one or two kernels, not one per notebook of the day (jupyter_server's MappingKernelManager).
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=1200",
    "--MappingKernelManager.cull_interval=120",
]
# Enforced by the spawners that can (The Littlest JupyterHub's systemd units, Kubernetes); the local process spawner
# ignores them. A server and one lab kernel measured about 500 MiB at their peak (README "Capacity").
c.Spawner.mem_guarantee = "512M"
c.Spawner.mem_limit = "1G"
