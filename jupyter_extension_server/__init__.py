"""jupyterlab-vault-jwt: the jupyter_server companion of the JupyterLab extension.

The hub-side helper lives in :mod:`jupyter_extension_server.hub` (imported from
``jupyterhub_config.py``, not here).
"""

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-vault-jwt"}]


def _jupyter_server_extension_points():
    from .app import VaultJwtApp

    return [{"module": "jupyter_extension_server", "app": VaultJwtApp}]
