"""``python -m jupyter_extension_server.hubservice``: the command JupyterHub runs."""

from .app import main

main()
