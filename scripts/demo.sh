#!/usr/bin/env bash
# The local demo stack, on loopback: Keycloak (realm "jupyterhub" with demo
# users) + OpenBao (dev server, seeded by demo/openbao_seed.py: fake secrets,
# policies, JWT auth trusting Keycloak) + JupyterHub 5 with oauthenticator and
# configurable-http-proxy, whose single-user JupyterLab servers have the
# extension installed and log in to OpenBao with the user's id_token.
# Installs what is missing first (scripts/setup.sh). Ctrl-C stops everything.
#   scripts/demo.sh            start, print the URLs and users, wait for Ctrl-C
#   scripts/demo.sh --check    start, check the hub and OpenBao answer and that alice and bob
#                              can log in to OpenBao with their Keycloak id_tokens, stop
#   scripts/demo.sh --s3 [--check]   also SeaweedFS (S3 + STS trusting Keycloak; built from
#                              source the first time: minutes), and the servers get S3
#                              credentials of their user's group (the Object storage card);
#                              --check also has alice and bob assume their roles at the STS
#                              with their id_tokens and list exactly their buckets
# Ports (environment): KC_PORT [8080], BAO_PORT [8200], HUB_PORT [8000] (+1, +81),
# SEAWEED_PORT [8300] (and the 9 above it, with --s3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/setup.sh
export PATH="$ROOT/.venv/bin:$PATH"
export STACK_DIR="${STACK_DIR:-$ROOT/.stack/demo}"
export KC_PORT="${KC_PORT:-8080}" HUB_PORT="${HUB_PORT:-8000}" BAO_PORT="${BAO_PORT:-8200}"
export KC_URL="http://127.0.0.1:$KC_PORT" HUB_URL="http://127.0.0.1:$HUB_PORT"
export KC_TOKEN_LIFESPAN="${KC_TOKEN_LIFESPAN:-300}"
# The hub refreshes an id_token that expires within 90 s; the panel asks 60 s before expiry.
export HUB_REFRESH_LEAD_SECONDS="${HUB_REFRESH_LEAD_SECONDS:-90}" HUB_AUTH_REFRESH_AGE="${HUB_AUTH_REFRESH_AGE:-30}"

# The demo's OpenBao only: no Vault settings of the caller's shell (a namespace, a CA, a
# token for another Vault) reach the hub or its servers.
unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE VAULT_CACERT VAULT_CAPATH VAULT_SKIP_VERIFY
unset BAO_ADDR BAO_TOKEN BAO_NAMESPACE BAO_CACERT BAO_CAPATH BAO_SKIP_VERIFY
BAO_URL="http://127.0.0.1:$BAO_PORT"
WITH_S3=0
if [ "${1:-}" = "--s3" ]; then
  WITH_S3=1
  shift
  export SEAWEED_PORT="${SEAWEED_PORT:-8300}"
fi

stop_all() {
  echo
  echo "Stopping the demo stack..."
  scripts/hub.sh stop || true
  scripts/keycloak.sh stop || true
  scripts/openbao.sh stop || true
  if [ "$WITH_S3" = 1 ]; then scripts/seaweedfs.sh stop || true; fi
}
trap stop_all EXIT

scripts/openbao.sh start
scripts/keycloak.sh start
# After Keycloak (auth/jwt reads its discovery document), before the hub.
scripts/openbao.sh seed
# The hub passes VAULT_ADDR on to the servers (env_keep) and gives them --VaultSession.role=jupyter.
export VAULT_ADDR="$BAO_URL"
if [ "$WITH_S3" = 1 ]; then
  scripts/seaweedfs.sh build
  scripts/seaweedfs.sh start
  scripts/seaweedfs.sh seed
  # demo/jupyterhub_config.py gives each server the endpoint and its group's role.
  export HUB_S3_ENDPOINT="http://127.0.0.1:$SEAWEED_PORT"
fi
scripts/hub.sh start

cat <<MSG

  jupyterlab-vault-jwt demo is up.

    JupyterHub:  $HUB_URL   (log in with Keycloak)
    Users:       alice / alice-password   (group: management)
                 bob   / bob-password     (group: reader)
    Keycloak:    $KC_URL   (admin / admin)
    id_tokens live ${KC_TOKEN_LIFESPAN}s; the panel (key icon, left sidebar) refreshes them.

    OpenBao:     $BAO_URL   (dev server: in memory, gone when the demo stops)
                 root token in the file $STACK_DIR/openbao/root_token
                 JWT login: auth/jwt, role "jupyter"; Keycloak groups map to policies:
      alice  management -> kv-all:    every secret in secret/, team-kv/ and legacy/ (KV v1)
      bob    reader     -> kv-reader: secret/apps/billing/* (not .../stripe: denied),
                                      secret/shared/*, team-kv/data-science/*, and
                                      secret/management/board/minutes-key (read by its exact
                                      path, without list on its folder)

  Logs: $STACK_DIR
MSG
if [ "$WITH_S3" = 1 ]; then
  cat <<MSG
    SeaweedFS:   $HUB_S3_ENDPOINT   (S3 + STS trusting Keycloak; admin keys in
                 $STACK_DIR/seaweedfs/admin_keys)
      alice  management -> role jupyter-management: bucket management-data
      bob    reader     -> role jupyter-reader:     bucket reader-data
      Each server keeps its user's credentials in ~/.aws/credentials, profile "jupyter".

MSG
fi

# password_grant_allowed: true when the demo realm's client allows direct access grants
# (the password grant), which the OpenBao login check uses to get an id_token.
password_grant_allowed() {
  python -c '
import json, sys
realm = json.load(open(sys.argv[1]))
client = next(c for c in realm["clients"] if c["clientId"] == "jupyterhub")
sys.exit(0 if client.get("directAccessGrantsEnabled") else 1)' "$ROOT/demo/realm-jupyterhub.json"
}

if [ "${1:-}" = "--check" ]; then
  # set -e: a failed check ends the script with an error (and stops the stack).
  curl -fsS "$HUB_URL/hub/api" >/dev/null
  echo "demo: hub answers at $HUB_URL"
  curl -fsS "$BAO_URL/v1/sys/health" >/dev/null
  echo "demo: OpenBao answers at $BAO_URL (unsealed)"
  if [ "$WITH_S3" = 1 ]; then
    curl -fsS "$HUB_S3_ENDPOINT/status" >/dev/null
    echo "demo: SeaweedFS answers at $HUB_S3_ENDPOINT"
  fi
  if password_grant_allowed; then
    scripts/openbao.sh login-check alice alice-password kv-all
    scripts/openbao.sh login-check bob bob-password kv-reader
    if [ "$WITH_S3" = 1 ]; then
      scripts/seaweedfs.sh sts-check alice alice-password jupyter-management management-data
      scripts/seaweedfs.sh sts-check bob bob-password jupyter-reader reader-data
    fi
  else
    echo "demo: the demo client does not allow the password grant: JWT login not checked"
  fi
  exit 0
fi
echo "  Press Ctrl-C to stop."
while true; do sleep 3600; done
