"""Jupyter server configuration of the sign-in galata tests: a plain lab with NO id_token
configured; the panel signs in at the test Keycloak with the device flow, and Vault logs in at
OpenBao's auth/jwt (which trusts that Keycloak). Loopback only."""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.port = int(os.environ["UI_SIGNIN_PORT"])  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.root_dir = tempfile.mkdtemp(prefix="vault-jwt-ui-signin-")  # noqa: F821
c.ServerApp.log_level = "DEBUG"  # noqa: F821

c.IdTokenService.oidc_issuer = os.environ["UI_OIDC_ISSUER"]  # noqa: F821
# UI_SIGNIN_METHOD: "device" (the device flow, client jupyterlab-device) or "browser" (a pop-up:
# authorization code + PKCE, client jupyterlab-pkce, callback on this server).
# "vault-oidc": through OpenBao's auth/oidc (role jupyter of demo/openbao_seed.py, whose
# allowed_redirect_uris list this server's callback on loopback); no id_token on this server.
METHOD = os.environ.get("UI_SIGNIN_METHOD", "device")
c.IdTokenService.oidc_client_id = {  # noqa: F821
    "device": "jupyterlab-device",
    "browser": "jupyterlab-pkce",
    "vault-oidc": "",
}[METHOD]
c.IdTokenService.sources = [METHOD]  # noqa: F821
c.IdTokenService.vault_oidc_role = "jupyter"  # noqa: F821

c.VaultSession.address = os.environ["OPENBAO_ADDR"]  # noqa: F821
c.VaultSession.auth_mount = "jwt"  # noqa: F821
c.VaultSession.role = "jupyter"  # noqa: F821
c.VaultSession.token_file = os.environ["UI_VAULT_TOKEN_FILE"]  # noqa: F821
