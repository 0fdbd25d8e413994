"""jupyterlab-vault-jwt: the jupyter_server companion of the JupyterLab extension.

The server extension is :class:`~.app.VaultJwtApp`, an ``ExtensionApp``: jupyter_server calls its
``_load_jupyter_server_extension`` (which creates the services with ``parent=serverapp``, so
``c.IdTokenService`` applies, and registers the routes) and, on shutdown, its ``stop_extension``
(which closes the HTTP client). jupyter_server 2 has no shutdown hook for a plain
``_load_jupyter_server_extension`` function, hence the app.

The hub-side helper lives in :mod:`jupyter_extension_server.hub` (imported from
``jupyterhub_config.py``, not here).
"""

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "dev"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt frontend extension."""
    return [{"src": "labextension", "dest": "jupyterlab-vault-jwt"}]


def _jupyter_server_extension_points() -> list[dict]:
    """The server extension, :class:`~.app.VaultJwtApp` (imported lazily: the hub needs none)."""
    from .app import VaultJwtApp

    return [{"module": "jupyter_extension_server", "app": VaultJwtApp}]
