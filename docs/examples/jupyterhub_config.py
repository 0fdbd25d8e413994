"""jupyterhub_config.py: jupyterlab-vault-jwt on an existing JupyterHub (docs/deploying.md).

Login through Keycloak (GenericOAuthenticator), the id_token kept in the encrypted auth_state
and refreshed before it expires, and single-user servers that log in to Vault/OpenBao with it.
Replace the example.org URLs, then merge this into your own configuration (the spawner, proxy
and database settings are yours and not shown).

The hub's Python environment needs jupyterhub >= 5, oauthenticator >= 17.3 and
`pip install jupyterlab-vault-jwt` (for the helper imported below). Its environment needs:

- JUPYTERHUB_CRYPT_KEY: generated once with `openssl rand -hex 32` and kept (it encrypts
  auth_state; a new key makes the stored auth_state unreadable: everyone logs in again);
- OAUTH_CLIENT_SECRET: the Keycloak client's secret (GenericOAuthenticator reads it from there).
"""

from jupyter_extension_server.hub import configure_jupyterhub

c = get_config()  # noqa: F821

HUB_URL = "https://hub.example.org"
REALM_URL = "https://keycloak.example.org/realms/jupyterhub"  # the id_tokens' issuer
OIDC = f"{REALM_URL}/protocol/openid-connect"
CLIENT_ID = "jupyterhub"  # the id_tokens' audience: the Vault role's bound_audiences
VAULT_ADDR = "https://vault.example.org:8200"

# --- login through Keycloak --------------------------------------------------------------------
c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = CLIENT_ID
# client_secret: from the OAUTH_CLIENT_SECRET environment variable.
c.GenericOAuthenticator.oauth_callback_url = f"{HUB_URL}/hub/oauth_callback"
c.GenericOAuthenticator.authorize_url = f"{OIDC}/auth"
c.GenericOAuthenticator.token_url = f"{OIDC}/token"
c.GenericOAuthenticator.userdata_url = f"{OIDC}/userinfo"
# openid: Keycloak issues an id_token (kept in auth_state); profile and email: the claims the
# identity card shows. No offline_access: the refresh token of the SSO session is enough.
c.GenericOAuthenticator.scope = ["openid", "profile", "email"]
c.GenericOAuthenticator.username_claim = "preferred_username"
c.GenericOAuthenticator.login_service = "Keycloak"
# Keycloak groups (the `groups` claim of the client's Group Membership mapper) become JupyterHub
# groups; only their members may log in. (Or: c.GenericOAuthenticator.allow_all = True.)
c.GenericOAuthenticator.manage_groups = True
c.GenericOAuthenticator.auth_state_groups_key = "oauth_user.groups"
c.GenericOAuthenticator.allowed_groups = {"management", "reader"}
# Logging out of the hub ends the Keycloak session too (the client needs the post-logout
# redirect URI https://hub.example.org/hub/*).
c.GenericOAuthenticator.logout_redirect_url = (
    f"{OIDC}/logout?client_id={CLIENT_ID}&post_logout_redirect_uri={HUB_URL}/hub/"
)

# --- the id_token for the single-user servers -------------------------------------------------
# auth_state on (fails here when JUPYTERHUB_CRYPT_KEY is missing), the hub-managed id_token
# service (the only holder of admin:auth_state; it answers each caller with their own id_token),
# access to that service for the `user` and `server` roles (other roles and your own load_roles
# are kept, so call it after setting c.JupyterHub.load_roles), auth_refresh_age, and an
# expiry-aware refresh_user_hook.
# Keep refresh_lead_seconds below Keycloak's token lifespan (300 s by default).
configure_jupyterhub(c, refresh_lead_seconds=60, auth_refresh_age=30)

# --- single-user servers ------------------------------------------------------------------------
# Where Vault is; the server companion reads VAULT_ADDR, VAULT_CACERT, VAULT_CAPATH,
# VAULT_NAMESPACE and VAULT_SKIP_VERIFY (else the BAO_* ones) like the CLI does. VAULT_CACERT
# must name a file inside the server's container or host.
c.Spawner.environment.update(
    {
        "VAULT_ADDR": VAULT_ADDR,
        "VAULT_CACERT": "/etc/ssl/certs/vault-ca.pem",
    }
)
# Or pass the hub's own variables on: c.Spawner.env_keep.extend(["VAULT_ADDR", "VAULT_CACERT"])
# The JWT role to log in with (no environment variable sets it); add
# --VaultSession.auth_mount=<path> when the JWT auth method is not mounted at auth/jwt.
c.Spawner.args.append("--VaultSession.role=jupyter")
