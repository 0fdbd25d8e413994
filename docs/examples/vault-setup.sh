#!/usr/bin/env bash
# Vault / OpenBao side of jupyterlab-vault-jwt (docs/deploying.md, "Vault / OpenBao"):
#
#   1. a JWT auth method that trusts the IdP (Keycloak realm) that signs JupyterHub's id_tokens;
#   2. a role for those id_tokens (role_type=jwt, audience = the hub's client id);
#   3. a policy (kv-reader.hcl next to this script);
#   4. external identity groups + group aliases: the id_token's `groups` claim -> policies.
#
# The same commands as demo/openbao_seed.py, which the demo and tests run over the HTTP API.
#
# Run it with a token that may enable auth methods and write policies and identity groups
# (root or an admin token), for `vault`:  VAULT_ADDR=... VAULT_TOKEN=... ./vault-setup.sh
#                                for `bao`:    CLI=bao BAO_ADDR=... BAO_TOKEN=... ./vault-setup.sh
# Edit the settings below, or override any of them with an environment variable of the same
# name. Running it again is safe: it keeps what exists and rewrites config, role and policy.
set -euo pipefail

# --- settings ----------------------------------------------------------------------------------
# The command-line client: vault or bao (same arguments).
CLI="${CLI:-vault}"
# The id_tokens' issuer (`iss`): the Keycloak realm URL. Vault reads
# $ISSUER/.well-known/openid-configuration and the signing keys it points to (key rotation is
# followed), so Vault itself must reach Keycloak.
ISSUER="${ISSUER:-https://keycloak.example.org/realms/jupyterhub}"
# PEM file of the CA that signed Keycloak's TLS certificate, when Vault's system CAs do not know
# it (oidc_discovery_ca_pem). Empty: the system CAs.
IDP_CA_PEM="${IDP_CA_PEM:-}"
# Instead of OIDC discovery: a PEM file with the IdP's public signing key
# (jwt_validation_pubkeys). No key rotation: you update it when the IdP's key changes.
# Empty: use OIDC discovery.
JWT_VALIDATION_PUBKEY="${JWT_VALIDATION_PUBKEY:-}"
# The hub's OIDC client id in Keycloak: the id_token's `aud`, bound by the role.
CLIENT_ID="${CLIENT_ID:-jupyterhub}"
# Where the JWT auth method is mounted (auth/<JWT_MOUNT>): c.VaultSession.auth_mount [jwt].
JWT_MOUNT="${JWT_MOUNT:-jwt}"
# The role the single-user servers log in with: c.VaultSession.role.
ROLE="${ROLE:-jupyter}"
# Vault token lifetime: the companion renews up to TOKEN_MAX_TTL, then logs in again.
TOKEN_TTL="${TOKEN_TTL:-30m}"
TOKEN_MAX_TTL="${TOKEN_MAX_TTL:-2h}"
# The policy to write, and the file it is read from.
POLICY_NAME="${POLICY_NAME:-kv-reader}"
POLICY_FILE="${POLICY_FILE:-$(dirname "${BASH_SOURCE[0]}")/kv-reader.hcl}"
# IdP group -> policies, as space-separated "group=policy1,policy2" words. The group name is the
# value in the id_token's `groups` claim (Keycloak, "Full group path" off: `reader`).
GROUP_POLICIES="${GROUP_POLICIES:-reader=kv-reader}"
# ------------------------------------------------------------------------------------------------

say() { printf 'vault-setup: %s\n' "$*"; }

# 1. The JWT auth method, trusting the IdP.
if ! "$CLI" read "sys/auth/$JWT_MOUNT" >/dev/null 2>&1; then
  "$CLI" auth enable -path="$JWT_MOUNT" -description="JupyterHub id_tokens" jwt
fi
# A write replaces the whole config: give every parameter each time.
trust=(bound_issuer="$ISSUER")
if [ -n "$JWT_VALIDATION_PUBKEY" ]; then
  trust+=(jwt_validation_pubkeys="@$JWT_VALIDATION_PUBKEY")
else
  trust+=(oidc_discovery_url="$ISSUER")
  if [ -n "$IDP_CA_PEM" ]; then
    trust+=(oidc_discovery_ca_pem="@$IDP_CA_PEM")
  fi
fi
"$CLI" write "auth/$JWT_MOUNT/config" "${trust[@]}"

# 2. The role for JupyterHub's id_tokens. role_type=jwt: the default, oidc, refuses JWT logins.
# Only the `default` policy on the token itself (it grants lookup-self, renew-self, revoke-self,
# sys/capabilities-self and sys/internal/ui/resultant-acl); the KV policies come from the groups.
"$CLI" write "auth/$JWT_MOUNT/role/$ROLE" \
  role_type=jwt \
  bound_audiences="$CLIENT_ID" \
  user_claim=preferred_username \
  groups_claim=groups \
  token_policies=default \
  token_ttl="$TOKEN_TTL" \
  token_max_ttl="$TOKEN_MAX_TTL" \
  token_type=service

# 3. The policy.
"$CLI" policy write "$POLICY_NAME" "$POLICY_FILE"

# 4. One external identity group per IdP group, with its policies, and a group alias named like
# the IdP group on this mount's accessor: at each login the id_token's groups pick the policies.
accessor="$("$CLI" read -field=accessor "sys/auth/$JWT_MOUNT")"
for mapping in $GROUP_POLICIES; do
  group="${mapping%%=*}"
  policies="${mapping#*=}"
  # identity/group/name/<name> creates the group, or updates the one of that name.
  "$CLI" write "identity/group/name/$group" type=external policies="$policies"
  group_id="$("$CLI" read -field=id "identity/group/name/$group")"
  # Which group already holds the alias <group> on this mount (nothing when none does)?
  holder="$("$CLI" write -field=id identity/lookup/group \
    alias_name="$group" alias_mount_accessor="$accessor" 2>/dev/null || true)"
  if [ "$holder" != "$group_id" ]; then
    "$CLI" write identity/group-alias \
      name="$group" mount_accessor="$accessor" canonical_id="$group_id"
  fi
  say "IdP group '$group' -> identity group '$group' (policies: $policies)"
done

say "done: log in with role '$ROLE' at auth/$JWT_MOUNT (c.VaultSession.role=$ROLE)"
