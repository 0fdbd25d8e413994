"""Jupyter server configuration for the galata tests (loopback only)."""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.port = int(os.environ.get("UI_LAB_PORT", "18888"))  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.root_dir = tempfile.mkdtemp(prefix="vault-jwt-ui-")  # noqa: F821
c.ServerApp.log_level = "DEBUG"  # noqa: F821
