#!/usr/bin/env bash
# The local demo stack, on loopback: Keycloak (realm "jupyterhub" with demo
# users) + JupyterHub 5 with oauthenticator and configurable-http-proxy, whose
# single-user JupyterLab servers have the extension installed.
# Installs what is missing first (scripts/setup.sh). Ctrl-C stops everything.
#   scripts/demo.sh            start, print the URL and users, wait for Ctrl-C
#   scripts/demo.sh --check    start, check the hub answers, stop (smoke test)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/setup.sh
export PATH="$ROOT/.venv/bin:$PATH"
export STACK_DIR="${STACK_DIR:-$ROOT/.stack/demo}"
export KC_PORT="${KC_PORT:-8080}" HUB_PORT="${HUB_PORT:-8000}"
export KC_URL="http://127.0.0.1:$KC_PORT" HUB_URL="http://127.0.0.1:$HUB_PORT"
export KC_TOKEN_LIFESPAN="${KC_TOKEN_LIFESPAN:-300}"
# The hub refreshes an id_token that expires within 90 s; the panel asks 60 s before expiry.
export HUB_REFRESH_LEAD_SECONDS="${HUB_REFRESH_LEAD_SECONDS:-90}" HUB_AUTH_REFRESH_AGE="${HUB_AUTH_REFRESH_AGE:-30}"

stop_all() {
  echo
  echo "Stopping the demo stack..."
  scripts/hub.sh stop || true
  scripts/keycloak.sh stop || true
}
trap stop_all EXIT

scripts/keycloak.sh start
scripts/hub.sh start

cat <<MSG

  jupyterlab-vault-jwt demo is up.

    JupyterHub:  $HUB_URL   (log in with Keycloak)
    Users:       alice / alice-password   (group: management)
                 bob   / bob-password     (group: reader)
    Keycloak:    $KC_URL   (admin / admin)
    id_tokens live ${KC_TOKEN_LIFESPAN}s; the panel (key icon, left sidebar) refreshes them.

  Logs: $STACK_DIR
MSG

if [ "${1:-}" = "--check" ]; then
  curl -fsS "$HUB_URL/hub/api" >/dev/null && echo "demo: hub answers at $HUB_URL"
  exit 0
fi
echo "  Press Ctrl-C to stop."
while true; do sleep 3600; done
