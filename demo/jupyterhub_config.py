"""JupyterHub configuration for the jupyterlab-vault-jwt demo and integration tests.

Started by ``scripts/hub.sh start`` (which sets JUPYTERHUB_CRYPT_KEY and CONFIGPROXY_AUTH_TOKEN
from files in $STACK_DIR/hub/). Everything listens on 127.0.0.1 only. Environment:

- ``STACK_DIR``: state directory [<repo>/.stack]; the hub keeps its files in ``$STACK_DIR/hub``.
- ``HUB_PORT``: public port of the proxy [8000]; proxy API on HUB_PORT+1, hub API on HUB_PORT+81,
  the id_token service (``jupyter_extension_server.hubservice``, started by the hub) on
  HUB_PORT+82.
- ``KC_URL``: Keycloak base URL (``http://127.0.0.1:18080``) or realm URL
  (``http://127.0.0.1:18080/realms/jupyterhub``) [the latter]; ``KC_CLIENT_SECRET`` [demo secret].
- ``HUB_REFRESH_LEAD_SECONDS`` [60] and ``HUB_AUTH_REFRESH_AGE`` [30]: see
  ``jupyter_extension_server.hub.configure_jupyterhub``.
- ``HUB_LOG_LEVEL`` [INFO]. ``HUB_SINGLEUSER_TESTING=1`` (scripts/test.sh) runs the single-user
  servers with ``--debug`` (the tests read their DEBUG logs for token hygiene) and exposes the
  JupyterLab app to the browser tests as ``window.jupyterapp``.
- ``VAULT_ADDR`` / ``BAO_ADDR`` (and VAULT_/BAO_ ``NAMESPACE``, ``CACERT``, ``CAPATH``,
  ``SKIP_VERIFY``): passed on to the single-user servers (``env_keep``), whose server companion
  takes ``c.VaultSession.address`` from them. When either address is set, the servers also get
  ``--VaultSession.role=jupyter``: they log in at ``auth/jwt`` (``c.VaultSession.auth_mount``'s
  default) with role ``jupyter``, as configured by ``demo/openbao_seed.py``
  (``scripts/openbao.sh seed``). Without an address the Vault part of the sidebar says how to
  set one.
- ``HUB_S3_ENDPOINT`` (``scripts/demo.sh --s3``): the STS and S3 URL of SeaweedFS
  (``scripts/seaweedfs.sh``). When set, each server gets ``--S3Credentials.endpoint`` and the
  role of its user's Keycloak group (``arn:aws:iam::role/jupyter-management`` or
  ``jupyter-reader``), read from the id_token in the user's auth_state when it spawns.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # jupyter_extension_server, also when it is not pip-installed

from jupyter_extension_server.hub import configure_jupyterhub  # noqa: E402

c = get_config()  # type: ignore[name-defined]  # noqa: F821

STACK_DIR = Path(os.environ.get("STACK_DIR") or REPO / ".stack").resolve()
HUB_DIR = STACK_DIR / "hub"
HUB_DIR.mkdir(parents=True, exist_ok=True)
HUB_PORT = int(os.environ.get("HUB_PORT", "8000"))
PUBLIC_URL = f"http://127.0.0.1:{HUB_PORT}"

KC_URL = os.environ.get("KC_URL", "http://127.0.0.1:18080/realms/jupyterhub").rstrip("/")
KC_REALM_URL = KC_URL if "/realms/" in KC_URL else f"{KC_URL}/realms/jupyterhub"
OIDC = f"{KC_REALM_URL}/protocol/openid-connect"

# --- network: everything on loopback -------------------------------------------------------
c.JupyterHub.bind_url = PUBLIC_URL
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{HUB_PORT + 81}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{HUB_PORT + 1}"
CHP = REPO / ".cache/chp/node_modules/.bin/configurable-http-proxy"  # scripts/hub.sh install
c.ConfigurableHTTPProxy.command = [str(CHP)]
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "jupyterhub-proxy.pid")
# auth_token: CONFIGPROXY_AUTH_TOKEN, set by scripts/hub.sh from $STACK_DIR/hub/proxy_token.

# --- state ---------------------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
# On shutdown, stop the proxy and every single-user server (both are the defaults; the
# scripts and tests rely on them to leave nothing running).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.Application.log_level = os.environ.get("HUB_LOG_LEVEL", "INFO")

# --- login through Keycloak ----------------------------------------------------------------
c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = "jupyterhub"
# The demo realm's client secret (demo/realm-jupyterhub.json).
c.GenericOAuthenticator.client_secret = os.environ.get("KC_CLIENT_SECRET", "jupyterhub-demo-secret")
c.GenericOAuthenticator.oauth_callback_url = f"{PUBLIC_URL}/hub/oauth_callback"
c.GenericOAuthenticator.authorize_url = f"{OIDC}/auth"
c.GenericOAuthenticator.token_url = f"{OIDC}/token"
c.GenericOAuthenticator.userdata_url = f"{OIDC}/userinfo"
c.GenericOAuthenticator.scope = ["openid", "profile", "email"]
c.GenericOAuthenticator.username_claim = "preferred_username"
c.GenericOAuthenticator.login_service = "Keycloak"
c.GenericOAuthenticator.allow_all = True
# Keycloak groups (the "groups" claim) become JupyterHub groups.
c.GenericOAuthenticator.manage_groups = True
c.GenericOAuthenticator.auth_state_groups_key = "oauth_user.groups"
# Logging out of the hub ends the Keycloak session too.
c.GenericOAuthenticator.logout_redirect_url = (
    f"{OIDC}/logout?client_id=jupyterhub&post_logout_redirect_uri={PUBLIC_URL}/hub/"
)

# JupyterHub 5 sharing: users may share their own servers with other users by name (the tests
# check that a user granted access to someone else's server still gets 403 from its extension).
c.JupyterHub.load_roles = [{"name": "user", "scopes": ["self", "shares!user", "read:users:name"]}]

# auth_state + the id_token service and its roles + expiry-aware refresh of the id_token
# (jupyter_extension_server/hub.py).
configure_jupyterhub(
    c,
    refresh_lead_seconds=float(os.environ.get("HUB_REFRESH_LEAD_SECONDS", "60")),
    auth_refresh_age=int(os.environ.get("HUB_AUTH_REFRESH_AGE", "30")),
    service_url=f"http://127.0.0.1:{HUB_PORT + 82}",
    # The admin's choice (docs/security.md): also hand each user's server its OIDC access token,
    # for an STS that wants it (c.S3Credentials.use_access_token). Off by default.
    allow_access_token=os.environ.get("HUB_ALLOW_ACCESS_TOKEN") == "1",
)
# Tests only (scripts/test.sh): a second id_token service that allows access tokens, beside the
# main one (which does not unless HUB_ALLOW_ACCESS_TOKEN=1), so that the integration tests see
# both settings on one hub (tests/integration/test_access_token_hub.py).
if os.environ.get("HUB_TEST_ACCESS_TOKEN_SERVICE") == "1":
    configure_jupyterhub(
        c,
        refresh_lead_seconds=float(os.environ.get("HUB_REFRESH_LEAD_SECONDS", "60")),
        auth_refresh_age=int(os.environ.get("HUB_AUTH_REFRESH_AGE", "30")),
        service_name="vault-jwt-access-token",
        service_url=f"http://127.0.0.1:{HUB_PORT + 83}",
        allow_access_token=True,
    )

# --- single-user servers: local processes of this unix user (root here) -------------------
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HUB_DIR / "home" / "{username}")
c.Spawner.cmd = [str(REPO / ".venv/bin/jupyterhub-singleuser")]
c.Spawner.args = ["--allow-root"]  # the servers run as root on these machines
if os.environ.get("HUB_SINGLEUSER_TESTING") == "1":
    c.Spawner.args.extend(["--debug", "--LabApp.expose_app_in_browser=True"])
c.Spawner.default_url = "/lab"
c.Spawner.ip = "127.0.0.1"
# The venv's tools (jupyter, python with the extension) first on the servers' PATH.
c.Spawner.environment = {"PATH": f"{REPO / '.venv/bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
# No token goes into the environment: the server companion asks the hub's id_token service.
# Only the Vault/OpenBao client settings are passed on when the hub has them.
c.Spawner.env_keep.extend(
    f"{prefix}_{name}"
    for prefix in ("VAULT", "BAO")
    for name in ("ADDR", "NAMESPACE", "CACERT", "CAPATH", "SKIP_VERIFY")
)
# With a Vault/OpenBao address, log in with the JWT role that demo/openbao_seed.py creates
# (auth mount: c.VaultSession.auth_mount, default "jwt").
if os.environ.get("VAULT_ADDR") or os.environ.get("BAO_ADDR"):
    c.Spawner.args.append("--VaultSession.role=jupyter")

# Object storage (scripts/demo.sh --s3): the SeaweedFS role of the user's group.
S3_ENDPOINT = os.environ.get("HUB_S3_ENDPOINT", "")
if S3_ENDPOINT:
    import jwt

    async def s3_role_of_group(spawner):
        """Give the server the STS endpoint and the role of its user's Keycloak group."""
        state = await spawner.user.get_auth_state() or {}
        claims = jwt.decode(state.get("id_token") or "", options={"verify_signature": False})
        group = "management" if "management" in (claims.get("groups") or []) else "reader"
        # The spawner (and its args) outlives a stop: replace the previous spawn's options.
        spawner.args = [
            *(arg for arg in spawner.args if not arg.startswith("--S3Credentials.")),
            f"--S3Credentials.endpoint={S3_ENDPOINT}",
            f"--S3Credentials.role_arn=arn:aws:iam::role/jupyter-{group}",
            "--S3Credentials.duration_seconds=900",
        ]

    c.Spawner.pre_spawn_hook = s3_role_of_group
