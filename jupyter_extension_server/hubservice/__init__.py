"""Hub side: the id_token service that JupyterHub runs beside itself (a managed service).

Single-user servers ask it for their owner's fresh id_token with their own API token; only the
service may read ``auth_state`` (see :mod:`.broker` for the steps, :mod:`.app` for the web
server). :func:`jupyter_extension_server.hub.configure_jupyterhub` registers and starts it.
"""

from .app import DEFAULT_SERVICE_NAME, main, make_app
from .broker import ACCESS_TOKEN_SCOPE, BrokerError, IdTokenBroker

__all__ = [
    "ACCESS_TOKEN_SCOPE",
    "DEFAULT_SERVICE_NAME",
    "BrokerError",
    "IdTokenBroker",
    "main",
    "make_app",
]
